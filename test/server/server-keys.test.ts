import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LangfuseError } from "../../src/errors";
import { keysFileFor, resolveServerKeys, startServer } from "../../src/server";
import { basicAuth, call } from "./server-harness";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lfd-keys-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("server keys", () => {
  test("generated at first start, saved with mode 0600, reused afterwards", () => {
    const dbPath = join(dir, "data", "langfuse.db");
    const first = resolveServerKeys({ dbPath, env: {} });
    expect(first.source).toBe("generated");
    expect(first.publicKey).toMatch(/^pk-lf-/);
    expect(first.secretKey).toMatch(/^sk-lf-/);
    const file = keysFileFor(dbPath)!;
    expect(first.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ publicKey: first.publicKey, secretKey: first.secretKey });

    const second = resolveServerKeys({ dbPath, env: {} });
    expect(second).toMatchObject({ source: "file", publicKey: first.publicKey, secretKey: first.secretKey });
  });

  test("env keys win over the file; explicit options win over env", () => {
    const dbPath = join(dir, "langfuse.db");
    resolveServerKeys({ dbPath, env: {} });
    const env = { LANGFUSE_PUBLIC_KEY: "pk-lf-env", LANGFUSE_SECRET_KEY: "sk-lf-env" };
    expect(resolveServerKeys({ dbPath, env })).toMatchObject({ source: "env", publicKey: "pk-lf-env" });
    expect(resolveServerKeys({ dbPath, env, publicKey: "pk-o", secretKey: "sk-o" })).toMatchObject({ source: "options", secretKey: "sk-o" });
  });

  test(":memory: databases get ephemeral keys and no file", () => {
    const keys = resolveServerKeys({ dbPath: ":memory:", env: {} });
    expect(keys.source).toBe("generated");
    expect(keys.file).toBeUndefined();
  });

  test("a corrupt keys file is a typed config error, not a silent regeneration", () => {
    const dbPath = join(dir, "langfuse.db");
    writeFileSync(keysFileFor(dbPath)!, "{broken");
    expect(() => resolveServerKeys({ dbPath, env: {} })).toThrow(LangfuseError);
    writeFileSync(keysFileFor(dbPath)!, JSON.stringify({ publicKey: 1 }));
    expect(() => resolveServerKeys({ dbPath, env: {} })).toThrow(/must hold string publicKey and secretKey/);
  });

  test("half-given options are rejected", () => {
    expect(() => resolveServerKeys({ dbPath: ":memory:", publicKey: "pk", env: {} })).toThrow(/together/);
  });

  test("startServer uses the generated keys and a restart keeps them", async () => {
    const dbPath = join(dir, "langfuse.db");
    const s1 = await startServer({ port: 0, dbPath, env: {} });
    try {
      expect(s1.keySource).toBe("generated");
      expect(s1.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = await call(s1.url, basicAuth(s1.publicKey, s1.secretKey), "GET", "/api/public/traces");
      expect(ok.status).toBe(200);
    } finally {
      await s1.close();
    }
    const s2 = await startServer({ port: 0, dbPath, env: {} });
    try {
      expect(s2.keySource).toBe("file");
      expect(s2.secretKey).toBe(s1.secretKey);
    } finally {
      await s2.close();
    }
    expect(existsSync(dbPath)).toBe(true);
  });

  test("a port in use is a clear config error", async () => {
    const s1 = await startServer({ port: 0, dbPath: ":memory:", env: {} });
    try {
      await expect(startServer({ port: s1.port, dbPath: ":memory:", env: {} })).rejects.toThrow(/already in use/);
    } finally {
      await s1.close();
    }
    await expect(startServer({ port: 70000, dbPath: ":memory:", env: {} })).rejects.toThrow(/port must be/);
  });
});

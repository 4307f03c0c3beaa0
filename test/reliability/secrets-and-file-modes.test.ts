import { trace } from "@opentelemetry/api";
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, inspect } from "node:util";
import { Langfuse } from "../../src";
import { keyLines } from "../../src/cli/serve.command";
import { keysFileFor, resolveServerKeys } from "../../src/server/server-keys";
import { startServer } from "../../src/server/start-server";

/**
 * Secrets and private files: before, the store and its WAL were 0644 under the default umask,
 * an existing 0644 keys file was announced as "(mode 0600)", and `console.log(langfuse.config)`
 * and `util.inspect(langfuse)` printed the secret key.
 */

const SECRET = "sk-lf-0123456789-very-secret";
const BASIC = Buffer.from(`pk-lf-test:${SECRET}`).toString("base64");
const posix = process.platform !== "win32";
const mode = (path: string) => statSync(path).mode & 0o777;

let dir: string;
let info: jest.SpyInstance;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lfd-private-"));
  info = jest.spyOn(console, "info").mockImplementation(() => undefined);
});
afterEach(() => {
  info.mockRestore();
  trace.disable();
  rmSync(dir, { recursive: true, force: true });
});

test("the secret key never shows in console.log, util.inspect or JSON of the config or the client", async () => {
  const lf = new Langfuse({ publicKey: "pk-lf-test", secretKey: SECRET, baseUrl: "http://127.0.0.1:9", tracingEnabled: true });
  try {
    const printed = [
      format("%s", lf.config),
      format("%o", lf.config),
      inspect(lf.config),
      JSON.stringify(lf.config),
      inspect(lf),
      inspect(lf, { depth: Infinity, showHidden: false }),
      format("%O", lf),
    ];
    for (const text of printed) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(BASIC);
    }
    expect(inspect(lf.config)).toContain("sk-lf-…[redacted]");
    expect(JSON.parse(JSON.stringify(lf.config))).toMatchObject({ publicKey: "pk-lf-test", secretKey: "sk-lf-…[redacted]", mode: "http" });
    // The value itself is untouched for the code that needs it.
    expect(lf.config.secretKey).toBe(SECRET);
    expect({ ...lf.config }.secretKey).toBe(SECRET);
    expect(Object.keys(lf.config)).not.toContain("toJSON");
  } finally {
    await lf.shutdown();
  }
});

(posix ? test : test.skip)("a new store, its WAL and its folder are private to the user (0600 / 0700)", async () => {
  const folder = join(dir, "nested", ".langfuse");
  const dbPath = join(folder, "langfuse.db");
  const lf = new Langfuse({ localDbPath: dbPath });
  try {
    await lf.startAsCurrentObservation({ name: "write-something" }, async () => undefined);
    expect(await lf.flush()).toMatchObject({ failed: 0 });
    expect(mode(folder)).toBe(0o700);
    expect(mode(join(dir, "nested"))).toBe(0o700);
    expect(mode(dbPath)).toBe(0o600);
    expect(existsSync(`${dbPath}-wal`)).toBe(true);
    expect(mode(`${dbPath}-wal`)).toBe(0o600);
    expect(mode(`${dbPath}-shm`)).toBe(0o600);
  } finally {
    await lf.shutdown();
  }
});

(posix ? test : test.skip)("the server: new keys file 0600; an existing keys file readable by others is announced with its real mode and a warning", async () => {
  const dbPath = join(dir, "srv", "langfuse.db");
  const server = await startServer({ port: 0, dbPath, env: {} });
  try {
    expect(mode(server.keysFile!)).toBe(0o600);
    expect(mode(dbPath)).toBe(0o600);
    expect(mode(join(dir, "srv"))).toBe(0o700);
    expect(keyLines(server, false)[0]).toBe(`Generated API keys, saved to ${server.keysFile} (mode 0600)`);
  } finally {
    await server.close();
  }

  const exposed = join(dir, "exposed", "langfuse.db");
  const file = keysFileFor(exposed)!;
  resolveServerKeys({ dbPath: exposed, env: {} });
  chmodSync(file, 0o644);
  const keys = resolveServerKeys({ dbPath: exposed, env: {} });
  expect(keys).toMatchObject({ source: "file", fileMode: 0o644 });
  expect(keys.warning).toContain("readable by other users (mode 0644)");
  const s2 = await startServer({ port: 0, dbPath: exposed, env: {} });
  try {
    const lines = keyLines(s2, false);
    expect(lines[0]).toBe(`API keys from ${file} (mode 0644)`);
    expect(lines.join("\n")).toMatch(/Warning: .*readable by other users \(mode 0644\); restrict it with: chmod 600/);
    expect(lines.join("\n")).not.toContain("(mode 0600)");
  } finally {
    await s2.close();
  }
  chmodSync(file, 0o600);
  expect(resolveServerKeys({ dbPath: exposed, env: {} }).warning).toBeUndefined();
});

/**
 * `langfuse-decorators serve` as a real process: the URL line appears, health answers, the
 * printed keys work, SIGTERM shuts it down cleanly with exit code 0. Also the dispatcher's usage
 * errors (exit code 2).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyLines, maskSecret } from "../../src/cli/serve.command";
import { basicAuth, call } from "../server/server-harness";

const ROOT = join(__dirname, "..", "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");

function spawnCli(args: string[], env: Record<string, string | undefined> = {}): ChildProcessWithoutNullStreams {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json"), ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return spawn(process.execPath, ["-r", "ts-node/register/transpile-only", MAIN, ...args], { cwd: ROOT, env: childEnv });
}

function collect(child: ChildProcessWithoutNullStreams, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`CLI did not exit in time; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves with everything printed once `pattern` shows up on stdout. */
function waitForOutput(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`)), timeoutMs);
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code} before printing ${pattern}; stderr: ${err}`));
    });
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lfd-cli-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test("serve prints URL, public key, a masked secret and the 0600 keys file (never the full secret), answers health, exits 0 on SIGTERM", async () => {
  const child = spawnCli(["serve", "--port", "0", "--db", join(dir, "langfuse.db")], { LANGFUSE_PUBLIC_KEY: undefined, LANGFUSE_SECRET_KEY: undefined });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let out = "";
  try {
    out = await waitForOutput(child, /Press Ctrl\+C/);
    const url = /export LANGFUSE_BASE_URL=(\S+)/.exec(out)![1]!;
    const pk = /export LANGFUSE_PUBLIC_KEY=(\S+)/.exec(out)![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const keysFile = join(dir, "server-keys.json");
    expect(out).toContain(`Generated API keys, saved to ${keysFile} (mode 0600)`);
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(keysFile, "utf8")) as { publicKey: string; secretKey: string };
    expect(saved.publicKey).toBe(pk);
    expect(out).not.toContain(saved.secretKey);
    expect(out).not.toContain(saved.secretKey.slice(0, 20));
    expect(out).toContain(maskSecret(saved.secretKey));
    expect(maskSecret(saved.secretKey)).toBe(`${saved.secretKey.slice(0, 6)}…`);

    const health = await call(url, "", "GET", "/api/public/health", { auth: false });
    expect(health.status).toBe(200);
    const authed = await call(url, basicAuth(pk, saved.secretKey), "POST", "/api/public/v2/datasets", { body: { name: "from-cli-test" } });
    expect(authed.status).toBe(200);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
  expect(stderr).not.toContain(JSON.parse(readFileSync(join(dir, "server-keys.json"), "utf8")).secretKey);
});

test("serve --show-keys prints the full secret (explicit request), and a restart reads the same keys from the file", async () => {
  const db = join(dir, "show.db");
  const first = spawnCli(["serve", "--port", "0", "--db", db], { LANGFUSE_PUBLIC_KEY: undefined, LANGFUSE_SECRET_KEY: undefined });
  const firstExit = new Promise<number | null>((resolve) => first.on("exit", (code) => resolve(code)));
  try {
    await waitForOutput(first, /Press Ctrl\+C/);
  } finally {
    first.kill("SIGTERM");
  }
  expect(await firstExit).toBe(0);
  const saved = JSON.parse(readFileSync(join(dir, "server-keys.json"), "utf8")) as { publicKey: string; secretKey: string };

  const child = spawnCli(["serve", "--port", "0", "--db", db, "--show-keys"], { LANGFUSE_PUBLIC_KEY: undefined, LANGFUSE_SECRET_KEY: undefined });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const out = await waitForOutput(child, /Press Ctrl\+C/);
    expect(out).toContain(`API keys from ${join(dir, "server-keys.json")}`);
    const url = /export LANGFUSE_BASE_URL=(\S+)/.exec(out)![1]!;
    const sk = /export LANGFUSE_SECRET_KEY=(\S+)\n/.exec(out)![1]!;
    expect(sk).toBe(saved.secretKey);
    const authed = await call(url, basicAuth(saved.publicKey, sk), "GET", "/api/public/v2/datasets");
    expect(authed.status).toBe(200);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
});

test("key lines: masked secret in every mode without --show-keys; in-memory keys point at --show-keys", () => {
  const secret = "sk-lf-0123456789abcdef-deadbeef";
  const base = { url: "http://127.0.0.1:1", publicKey: "pk-lf-x", secretKey: secret };
  for (const server of [
    { ...base, keySource: "generated" as const, keysFile: "/tmp/k/server-keys.json" },
    { ...base, keySource: "file" as const, keysFile: "/tmp/k/server-keys.json" },
    { ...base, keySource: "generated" as const, keysFile: undefined },
    { ...base, keySource: "env" as const, keysFile: undefined },
    { ...base, keySource: "options" as const, keysFile: undefined },
  ]) {
    const text = keyLines(server, false).join("\n");
    expect(text).not.toContain(secret);
    expect(text).toContain("sk-lf-…");
    expect(text).toContain("LANGFUSE_PUBLIC_KEY=pk-lf-x");
    if (server.keysFile) expect(text).toContain(server.keysFile);
    expect(keyLines(server, true).join("\n")).toContain(`export LANGFUSE_SECRET_KEY=${secret}`);
  }
  expect(keyLines({ ...base, keySource: "generated", keysFile: undefined }, false).join("\n")).toContain("--show-keys");
  // Short secrets give nothing away.
  expect(maskSecret("sk-short")).toBe("…");
});

test("serve with keys from the environment does not echo the secret", async () => {
  const child = spawnCli(["serve", "--port", "0", "--db", join(dir, "env.db")], { LANGFUSE_PUBLIC_KEY: "pk-lf-cli", LANGFUSE_SECRET_KEY: "sk-lf-cli-secret" });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const out = await waitForOutput(child, /Press Ctrl\+C/);
    expect(out).toContain("LANGFUSE_PUBLIC_KEY=pk-lf-cli");
    expect(out).not.toContain("sk-lf-cli-secret");
  } finally {
    child.kill("SIGINT");
  }
  expect(await exited).toBe(0);
});

test("usage errors exit with 2", async () => {
  const unknown = await collect(spawnCli(["bogus"]));
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('unknown command "bogus"');

  const badPort = await collect(spawnCli(["serve", "--port", "http"]));
  expect(badPort.code).toBe(2);
  expect(badPort.stderr).toContain("--port must be an integer");

  const badFlag = await collect(spawnCli(["serve", "--nope"]));
  expect(badFlag.code).toBe(2);

  const none = await collect(spawnCli([]));
  expect(none.code).toBe(2);
  expect(none.stdout).toContain("Usage: langfuse-decorators <command>");

  const help = await collect(spawnCli(["serve", "--help"]));
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("--port");
});

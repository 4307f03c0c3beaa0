/**
 * `langfuse-decorators serve` as a real process: the URL line appears, health answers, the
 * printed keys work, SIGTERM shuts it down cleanly with exit code 0. Also the dispatcher's usage
 * errors (exit code 2).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

test("serve prints URL and keys, answers health, and exits 0 on SIGTERM", async () => {
  const child = spawnCli(["serve", "--port", "0", "--db", join(dir, "langfuse.db")], { LANGFUSE_PUBLIC_KEY: undefined, LANGFUSE_SECRET_KEY: undefined });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const out = await waitForOutput(child, /LANGFUSE_SECRET_KEY=\S+\n/);
    const url = /export LANGFUSE_BASE_URL=(\S+)/.exec(out)![1]!;
    const pk = /export LANGFUSE_PUBLIC_KEY=(\S+)/.exec(out)![1]!;
    const sk = /export LANGFUSE_SECRET_KEY=(\S+)/.exec(out)![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toContain("Generated API keys");

    const health = await call(url, "", "GET", "/api/public/health", { auth: false });
    expect(health.status).toBe(200);
    const authed = await call(url, basicAuth(pk, sk), "POST", "/api/public/v2/datasets", { body: { name: "from-cli-test" } });
    expect(authed.status).toBe(200);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
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

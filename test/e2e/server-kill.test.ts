/**
 * The `serve` process is SIGKILLed while clients export: after reopening the database, every
 * export the server acknowledged with 200 is there (each OTLP request commits before its reply).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../../src/server";
import { otlpJsonTrace } from "../server/otlp-json-payload";
import { basicAuth } from "../server/server-harness";

const ROOT = join(__dirname, "..", "..");
const PK = "pk-lf-kill";
const SK = "sk-lf-kill";

test("SIGKILL during ingestion keeps every acknowledged export", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfd-kill-"));
  const dbPath = join(dir, "langfuse.db");
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "src/cli/main.ts"), "serve", "--port", "0", "--db", dbPath], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json"), LANGFUSE_PUBLIC_KEY: PK, LANGFUSE_SECRET_KEY: SK },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("serve did not start")), 60_000);
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /LANGFUSE_BASE_URL=(\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });

    const acked: string[] = [];
    let killed = false;
    const sender = async () => {
      for (let i = 0; i < 400 && !killed; i++) {
        const p = otlpJsonTrace(5);
        try {
          const res = await fetch(`${url}/api/public/otel/v1/traces`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: basicAuth(PK, SK) },
            body: p.body,
            signal: AbortSignal.timeout(10_000),
          });
          if (res.status === 200) acked.push(p.traceId);
          await res.arrayBuffer();
        } catch {
          // connection reset by the kill: not acknowledged
        }
        if (acked.length === 60 && !killed) {
          killed = true;
          child.kill("SIGKILL");
        }
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    await exited;
    expect(killed).toBe(true);
    expect(acked.length).toBeGreaterThanOrEqual(60);

    const reopened = await startServer({ port: 0, dbPath, publicKey: PK, secretKey: SK, env: {} });
    try {
      const missing: string[] = [];
      for (const traceId of acked) {
        const res = await fetch(`${reopened.url}/api/public/traces/${traceId}`, { headers: { authorization: basicAuth(PK, SK) }, signal: AbortSignal.timeout(10_000) });
        const body = (await res.json()) as { observations?: unknown[] };
        if (res.status !== 200 || body.observations?.length !== 5) missing.push(traceId);
      }
      expect(missing).toEqual([]);
    } finally {
      await reopened.close();
    }
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

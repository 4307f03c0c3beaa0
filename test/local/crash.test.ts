import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalApi, openLocalStore } from "../../src/local";

const ACKS_BEFORE_KILL = 300;

// Both levels: NORMAL (the default) skips the per-commit fsync, which only matters on power loss.
test.each(["default (NORMAL)", "FULL"])("a process SIGKILLed during writes leaves a store that opens and holds every acknowledged write: synchronous %s", async (level) => {
  const dir = mkdtempSync(join(tmpdir(), "lfd-crash-"));
  const dbPath = join(dir, "store.db");
  try {
    const args = [join(__dirname, "crash-writer.ts"), dbPath, ...(level === "FULL" ? ["FULL"] : [])];
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", ...args], {
      env: { ...process.env, TS_NODE_PROJECT: join(__dirname, "..", "..", "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acks: { kind: string; id: string }[] = [];
    let buffered = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.on("exit", () => reject(new Error(`writer exited early: ${stderr}`)));
      child.stdout.on("data", (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          const m = /^ack (\w+) (\S+)$/.exec(line);
          if (m) acks.push({ kind: m[1]!, id: m[2]! });
        }
        if (acks.length >= ACKS_BEFORE_KILL) {
          // Killed while it keeps writing: no chance to close the database.
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    expect(await exited).toBe("SIGKILL");
    expect(acks.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    const store = openLocalStore(dbPath);
    try {
      expect(store.db.pragma("integrity_check", { simple: true })).toBe("ok");
      const api = new LocalApi(store);
      const missing: string[] = [];
      for (const a of acks) {
        try {
          if (a.kind === "score") await api.scores.get(a.id);
          else if (a.kind === "item") await api.datasetItems.get(a.id);
          else await api.traces.get(a.id);
        } catch {
          missing.push(`${a.kind}:${a.id}`);
        }
      }
      expect(missing).toEqual([]);
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Langfuse } from "../../src";

const ROOT = resolve(__dirname, "..", "..");

describe("a script that never calls shutdown()", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lf-exit-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("still delivers its queued spans when the event loop drains", async () => {
    const db = join(dir, "exit.db");
    const script = join(dir, "script.ts");
    writeFileSync(
      script,
      `import { Langfuse, observe } from ${JSON.stringify(join(ROOT, "src"))};
new Langfuse({ localDbPath: ${JSON.stringify(db)}, flushInterval: 3600 });
const f = observe((x: number) => x + 1, { name: "exit-span" });
f(1);
`,
    );
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", script], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json") },
      timeout: 120_000,
    });
    expect(run.status).toBe(0);
    const info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    const reader = new Langfuse({ localDbPath: db, tracingEnabled: false });
    try {
      const list = await reader.api.observations.list({});
      expect(list.data.map((o) => o.name)).toEqual(["exit-span"]);
    } finally {
      await reader.shutdown();
      info.mockRestore();
    }
  });
});

describe("LANGFUSE_TRACING_ENABLED=false with no client created", () => {
  it("decorated code runs untraced and nothing is created (no store file)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lf-off-"));
    try {
      const script = join(dir, "script.ts");
      writeFileSync(
        script,
        `import { observe, startObservation } from ${JSON.stringify(join(ROOT, "src"))};
const f = observe((x: number) => x + 1, { name: "off" });
const o = startObservation({ name: "manual" });
o.end();
process.stdout.write("RESULT " + JSON.stringify({ v: f(1), recording: o.isRecording() }));
`,
      );
      const run = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), script], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json"), LANGFUSE_TRACING_ENABLED: "false", LANGFUSE_LOCAL_DB: "" },
        timeout: 120_000,
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('RESULT {"v":2,"recording":false}');
      expect(existsSync(join(dir, ".langfuse"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { Writable } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Langfuse } from "../../src/client/langfuse";
import { ProgressBar } from "../../src/experiments/progress-bar";

/** A stream that records what was written, claiming to be a terminal or not. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = new Writable({
    write(chunk, _enc, cb) {
      s.text += String(chunk);
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: string };
  s.text = "";
  (s as { isTTY: boolean }).isTTY = isTTY;
  return s;
}

describe("progress bar", () => {
  it("is on for a TTY only, unless asked explicitly", () => {
    expect(ProgressBar.enabledFor(undefined, stream(true))).toBe(true);
    expect(ProgressBar.enabledFor(undefined, stream(false))).toBe(false);
    expect(ProgressBar.enabledFor(false, stream(true))).toBe(false);
    expect(ProgressBar.enabledFor(true, stream(false))).toBe(true);
  });

  it("redraws one line in place and ends with the final count", () => {
    const out = stream(true);
    const bar = new ProgressBar("qa", 3, out);
    bar.tick(false);
    bar.tick(true);
    bar.tick(false);
    bar.finish();
    expect(out.text.startsWith("\rqa [")).toBe(true);
    expect(out.text).toMatch(/\rqa \[█{30}\] 3\/3, 1 failed \d+\.\ds\n$/);
    expect(out.text.split("\n")).toHaveLength(2);
  });
});

describe("experiments with tracing disabled", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lf-exp-off-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("still run tasks and evaluators, with no trace ids and nothing recorded", async () => {
    const langfuse = new Langfuse({ localDbPath: join(dir, "off.db"), tracingEnabled: false });
    try {
      const result = await langfuse.runExperiment({
        name: "offline",
        data: [{ input: 2 }, { input: 3 }],
        task: ({ input }) => Number(input) ** 2,
        evaluators: [({ output }) => ({ name: "big", value: Number(output) > 5 })],
      });
      expect(result.itemResults.map((r) => [r.output, r.evaluations[0].value, r.traceId])).toEqual([
        [4, false, undefined],
        [9, true, undefined],
      ]);
      expect((await langfuse.api.scores.list({})).data).toEqual([]);
    } finally {
      await langfuse.shutdown();
    }
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Langfuse, observe, scoreCurrentSpan, scoreCurrentTrace } from "../../src";

describe("scoreCurrentSpan / scoreCurrentTrace free functions (default client)", () => {
  let dir: string;
  let lf: Langfuse;
  let info: jest.SpyInstance;
  let warn: jest.SpyInstance;
  beforeAll(() => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), "lf-score-ff-"));
    lf = new Langfuse({ localDbPath: join(dir, "s.db"), flushInterval: 3600 });
  });
  afterAll(async () => {
    await lf.shutdown();
    rmSync(dir, { recursive: true, force: true });
    info.mockRestore();
    warn.mockRestore();
  });

  it("score the active observation and its trace, delivered by flush()", async () => {
    let ids: { traceId?: string; observationId?: string } = {};
    const outcomes: unknown[] = [];
    const f = observe(
      () => {
        ids = { traceId: lf.getCurrentTraceId(), observationId: lf.getCurrentObservationId() };
        outcomes.push(scoreCurrentSpan({ name: "quality", value: 0.9 }));
        outcomes.push(scoreCurrentTrace({ name: "overall", value: 1, comment: "fine" }));
        return "ok";
      },
      { name: "scored" },
    );
    expect(f()).toBe("ok");
    expect(outcomes).toEqual([expect.objectContaining({ status: "queued" }), expect.objectContaining({ status: "queued" })]);
    await lf.flush();
    const scores = (await lf.api.scores.list({ limit: 50 })).data;
    const quality = scores.find((s) => s.name === "quality")!;
    const overall = scores.find((s) => s.name === "overall")!;
    expect(quality).toMatchObject({ traceId: ids.traceId, observationId: ids.observationId, value: 0.9 });
    expect(overall).toMatchObject({ traceId: ids.traceId, value: 1, comment: "fine" });
    expect(overall.observationId ?? null).toBeNull();
  });

  it("never throw: no active span, an invalid score, garbage input", () => {
    expect(scoreCurrentSpan({ name: "orphan", value: 1 })).toEqual({ status: "dropped" });
    expect(scoreCurrentTrace({ name: "orphan", value: 1 })).toEqual({ status: "dropped" });
    const f = observe(() => [scoreCurrentSpan({ name: "", value: Number.NaN }), scoreCurrentTrace(null as never)], { name: "bad-scores" });
    let results: unknown[] = [];
    expect(() => {
      results = f();
    }).not.toThrow();
    for (const r of results) expect(["invalid", "dropped"]).toContain((r as { status: string }).status);
  });
});

import { openClient, type ClientUnderTest } from "../experiments/helpers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Langfuse } from "../../src/client/langfuse";

describe.each(["local", "http"] as const)("scores through the client (%s)", (kind) => {
  let c: ClientUnderTest;
  beforeEach(async () => {
    c = await openClient(kind, { environment: "staging" });
  });
  afterEach(() => c.close());

  it("span.score, span.scoreTrace, scoreCurrentSpan and scoreCurrentTrace attach to the right ids", async () => {
    const ids = await c.langfuse.startAsCurrentObservation({ name: "request" }, async (root) => {
      root.score({ name: "root-quality", value: 0.9, comment: "good" });
      root.scoreTrace({ name: "overall", value: "pass", dataType: "CATEGORICAL" });
      return c.langfuse.startAsCurrentObservation({ name: "llm", asType: "generation" }, async (gen) => {
        expect(c.langfuse.scoreCurrentSpan({ name: "gen-quality", value: true }).status).toBe("queued");
        expect(c.langfuse.scoreCurrentTrace({ name: "user-feedback", value: 1, dataType: "NUMERIC", metadata: { via: "current" } }).status).toBe("queued");
        return { traceId: root.traceId, rootId: root.id, genId: gen.id };
      });
    });
    const report = await c.langfuse.flush();
    expect(report.reports.find((r) => r.name === "scores")).toMatchObject({ delivered: 4, failed: 0 });

    const trace = await c.langfuse.api.traces.get(ids.traceId);
    const byName = Object.fromEntries(trace.scores.map((s) => [s.name, s]));
    expect(byName["root-quality"]).toMatchObject({ observationId: ids.rootId, value: 0.9, comment: "good", environment: "staging" });
    expect(byName.overall).toMatchObject({ observationId: null, stringValue: "pass", dataType: "CATEGORICAL" });
    expect(byName["gen-quality"]).toMatchObject({ observationId: ids.genId, dataType: "BOOLEAN", value: 1 });
    expect(byName["user-feedback"]).toMatchObject({ observationId: null, metadata: { via: "current" } });
  });

  it("createScore targets sessions too, and rejects invalid ones without throwing", async () => {
    expect(c.langfuse.createScore({ name: "session-csat", value: 4, sessionId: "session-1" }).status).toBe("queued");
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      for (let i = 0; i < 3; i++) expect(c.langfuse.createScore({ name: "bad", value: 5, dataType: "BOOLEAN", sessionId: "session-1" }).status).toBe("invalid");
      expect(warn.mock.calls.filter((call) => String(call[0]).includes('Invalid score "bad"'))).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
    const report = await c.langfuse.flush();
    // The invalid scores surface in flush()'s result.
    expect(report.reports.find((r) => r.name === "scores")).toMatchObject({ delivered: 1, dropped: 3 });
    expect(report.reports.find((r) => r.name === "scores")?.errors).toEqual([expect.stringContaining('Invalid score "bad" not sent: value:')]);
    const list = await c.langfuse.api.scores.list({ sessionId: "session-1" });
    expect(list.data.map((s) => s.name)).toEqual(["session-csat"]);
  });
});

describe("scores and the client's settings", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lf-client-scores-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("are sampled with their trace (sampleRate 0 keeps neither)", async () => {
    const langfuse = new Langfuse({ localDbPath: join(dir, "a.db"), sampleRate: 0 });
    try {
      const outcome = langfuse.startAsCurrentObservation({ name: "dropped" }, (span) => span.score({ name: "s", value: 1 }));
      // The span is not sampled but its ids are valid: the score follows the trace's decision.
      expect(outcome.status).toBe("sampled-out");
      expect(langfuse.createScore({ name: "s", value: 1, traceId: langfuse.createTraceId("seed") }).status).toBe("sampled-out");
      // Session-level scores have no trace to sample by.
      expect(langfuse.createScore({ name: "s", value: 1, sessionId: "x" }).status).toBe("queued");
    } finally {
      await langfuse.shutdown();
    }
  });

  it("are not recorded with tracing disabled, and a missing active span is a warning, not an error", async () => {
    const langfuse = new Langfuse({ localDbPath: join(dir, "b.db"), tracingEnabled: false });
    try {
      expect(langfuse.createScore({ name: "s", value: 1, traceId: "0123456789abcdef0123456789abcdef" }).status).toBe("disabled");
    } finally {
      await langfuse.shutdown();
    }
    const on = new Langfuse({ localDbPath: join(dir, "c.db") });
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(on.scoreCurrentSpan({ name: "orphan", value: 1 }).status).toBe("dropped");
      expect(warn.mock.calls.flat().join("\n")).toContain('scoreCurrentSpan("orphan"): no active span; score not sent');
    } finally {
      warn.mockRestore();
      await on.shutdown();
    }
  });
});

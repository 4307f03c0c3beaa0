import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalApi, LocalSpanExporter, openLocalStore } from "../../src/local";
import { writeWithSpans } from "../../src/local/local-span-exporter";
import { ScoreQueue } from "../../src/scores/score-queue";

function endedSpans(n: number): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart() {}, onEnd: (s: ReadableSpan) => void out.push(s), forceFlush: async () => {}, shutdown: async () => {} }] });
  const tracer = provider.getTracer("langfuse-sdk", "0.1.0");
  for (let i = 0; i < n; i++) tracer.startSpan(`s-${i}`, { attributes: { "user.id": "steps" } }).end();
  return out;
}

describe("LocalSpanExporter: large batches in steps, companions in the same commit", () => {
  test("a batch over 64 spans calls back once, after every span is readable; forceFlush waits for it", async () => {
    const store = openLocalStore(":memory:");
    const api = new LocalApi(store);
    const exporter = new LocalSpanExporter(store);
    const results: ExportResult[] = [];
    exporter.export(endedSpans(200), (r) => results.push(r));
    expect(results).toEqual([]); // not synchronous: later steps run on later turns
    await exporter.forceFlush();
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    expect((await api.traces.list({ userId: "steps", limit: 1 })).meta.totalItems).toBe(200);
    store.close();
  });

  test.each([1, 63, 64, 65, 129, 1500])("a batch of %i spans calls back once with every span readable", async (n) => {
    const store = openLocalStore(":memory:");
    const api = new LocalApi(store);
    const exporter = new LocalSpanExporter(store);
    const spans = endedSpans(n);
    const results: ExportResult[] = [];
    await new Promise<void>((resolve) => exporter.export(spans, (r) => (results.push(r), resolve())));
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
    expect((await api.traces.list({ userId: "steps", limit: 1 })).meta.totalItems).toBe(n);
    expect((await api.observations.list({ limit: 1 })).meta.totalItems).toBe(n);
    // Re-exporting the same spans overwrites them: still n observations.
    await new Promise<void>((resolve) => exporter.export(spans, () => resolve()));
    expect((await api.observations.list({ limit: 1 })).meta.totalItems).toBe(n);
    store.close();
  });

  test("a companion runs in every step of a large batch and learns of each commit", async () => {
    const store = openLocalStore(":memory:");
    const commits: Promise<void>[] = [];
    const off = writeWithSpans(store, (c) => void commits.push(c));
    const exporter = new LocalSpanExporter(store);
    await new Promise<void>((resolve) => exporter.export(endedSpans(3000), () => resolve()));
    expect(commits.length).toBeGreaterThanOrEqual(1);
    await expect(Promise.all(commits)).resolves.toBeDefined();
    off();
    store.close();
  });

  test("closing the store right after export() loses nothing: the writer commits what it was handed before close() returns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lfd-steps-"));
    try {
      const path = join(dir, "s.db");
      const store = openLocalStore(path);
      const exporter = new LocalSpanExporter(store);
      const results: ExportResult[] = [];
      exporter.export(endedSpans(100), (r) => results.push(r));
      store.close();
      await exporter.forceFlush();
      expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);
      const again = openLocalStore(path);
      expect((again.db.prepare("SELECT COUNT(*) AS n FROM observations").get() as { n: number }).n).toBe(100);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an export into a closed store fails at once", () => {
    const store = openLocalStore(":memory:");
    store.close();
    const results: ExportResult[] = [];
    new LocalSpanExporter(store).export(endedSpans(3), (r) => results.push(r));
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.FAILED]);
  });

  test("a companion write commits with the spans, and learns when the commit happened", async () => {
    const store = openLocalStore(":memory:");
    const api = new LocalApi(store);
    let committed: Promise<void> | undefined;
    const off = writeWithSpans(store, (c) => {
      committed = c;
      void api.ingestion.batch([{ id: "e1", type: "score-create", timestamp: new Date().toISOString(), body: { id: "sc-1", name: "n", value: 1, traceId: "t1" } }]);
    });
    new LocalSpanExporter(store).export(endedSpans(3), () => undefined);
    await expect(committed).resolves.toBeUndefined();
    expect((await api.scores.get("sc-1")).name).toBe("n");
    off();
    store.close();
  });

  test("scores sent in a transaction that rolls back are not counted delivered: they are sent again", async () => {
    const calls: number[] = [];
    const queue = new ScoreQueue({
      api: { ingestion: { batch: async (events) => (calls.push(events.length), { successes: events.map((e) => ({ id: e.id, status: 201 })), errors: [] }) } },
      flushAt: 1000,
      flushIntervalMs: 60_000,
      maxQueueSize: 100,
      maxRetries: 1,
      retryBaseMs: 1,
    });
    queue.enqueue({ id: "s1", name: "n", value: 1, traceId: "t" });
    queue.sendNow(Promise.reject(new Error("the span transaction rolled back")));
    const report = await queue.flush();
    expect(calls).toEqual([1, 1]);
    expect(report).toMatchObject({ delivered: 1, failed: 0 });
  });
});

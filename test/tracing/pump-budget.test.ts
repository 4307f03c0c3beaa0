/**
 * The span processor starts exports a turn at a time when starting them is expensive: a
 * backlog of many batches (a flush after a burst, or exports finishing together) does not hold
 * the app's event loop for the synchronous part of every export at once.
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { LangfuseSpanProcessor } from "../../src/tracing/span-processor";
import { TRACER_NAME } from "../../src/tracing/constants";

function endedSpans(n: number): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart() {}, onEnd: (s: ReadableSpan) => void out.push(s), forceFlush: async () => {}, shutdown: async () => {} }] });
  const tracer = provider.getTracer(TRACER_NAME);
  for (let i = 0; i < n; i++) tracer.startSpan(`s-${i}`).end();
  return out;
}

/** An exporter whose export() works synchronously for `busyMs` (as serializing or mapping does), then succeeds. */
class BusyExporter implements SpanExporter {
  calls = 0;
  spans = 0;
  constructor(private readonly busyMs: number) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.calls++;
    this.spans += spans.length;
    const until = performance.now() + this.busyMs;
    while (performance.now() < until) {
      /* the synchronous part of an export */
    }
    setImmediate(() => done({ code: ExportResultCode.SUCCESS }));
  }
  async shutdown(): Promise<void> {}
}

test("sixteen batches queued at once start over several turns when each start is expensive, and all are delivered", async () => {
  const exporter = new BusyExporter(3);
  const processor = new LangfuseSpanProcessor({ exporter, publicKey: "pk-lf-t", secretKey: "sk-lf-t", flushAt: 100, exportConcurrency: 16 });
  for (const span of endedSpans(16 * 100)) processor.onEnd(span);
  // The pump runs in a microtask after the batch that filled up; one start uses its budget.
  await Promise.resolve();
  expect(exporter.calls).toBe(1);
  // The next one starts in the next turn, not in the same one.
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(exporter.calls).toBeGreaterThanOrEqual(2);
  expect(exporter.calls).toBeLessThan(16);
  const report = await processor.flushWithReport();
  expect(report).toMatchObject({ delivered: 1600, dropped: 0, failed: 0, pending: 0 });
  expect(exporter.calls).toBe(16);
  await processor.shutdown();
});

test("cheap starts still go out together: sixteen exports in flight at once", async () => {
  let inFlight = 0;
  let peak = 0;
  const exporter: SpanExporter = {
    export(_spans, done) {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        done({ code: ExportResultCode.SUCCESS });
      }, 20);
    },
    async shutdown() {},
  };
  const processor = new LangfuseSpanProcessor({ exporter, publicKey: "pk-lf-t", secretKey: "sk-lf-t", flushAt: 100, exportConcurrency: 16 });
  for (const span of endedSpans(16 * 100)) processor.onEnd(span);
  const report = await processor.flushWithReport();
  expect(report).toMatchObject({ delivered: 1600, pending: 0 });
  expect(peak).toBe(16);
  await processor.shutdown();
});

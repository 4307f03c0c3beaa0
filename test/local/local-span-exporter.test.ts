import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ExportResultCode } from "@opentelemetry/core";
import { context, trace } from "@opentelemetry/api";
import { LocalApi, LocalSpanExporter, openLocalStore } from "../../src/local";

describe("LocalSpanExporter with the real OTel SDK", () => {
  test("after forceFlush every span is readable through LocalApi", async () => {
    const store = openLocalStore(":memory:");
    const api = new LocalApi(store);
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new LocalSpanExporter(store), { maxExportBatchSize: 64 })] });
    const tracer = provider.getTracer("langfuse-sdk", "0.1.0");
    const traceIds: string[] = [];
    for (let t = 0; t < 20; t++) {
      const root = tracer.startSpan(`request-${t}`, { attributes: { "user.id": "u", "langfuse.observation.input": `"in-${t}"` } });
      const ctx = trace.setSpan(context.active(), root);
      for (let c = 0; c < 9; c++) tracer.startSpan(`step-${c}`, { attributes: { "langfuse.observation.type": "tool" } }, ctx).end();
      root.end();
      traceIds.push(root.spanContext().traceId);
    }
    await provider.forceFlush();
    const traces = await api.traces.list({ userId: "u", limit: 100 });
    expect(traces.meta.totalItems).toBe(20);
    const one = await api.traces.get(traceIds[7]!);
    expect(one).toMatchObject({ name: "request-7", input: "in-7" });
    expect(one.observations).toHaveLength(10);
    expect(one.observations.filter((o) => o.type === "TOOL")).toHaveLength(9);
    await provider.shutdown();
    store.close();
  });

  test("reports FAILED (never throws) once the store is closed or the exporter shut down", async () => {
    const store = openLocalStore(":memory:");
    const exporter = new LocalSpanExporter(store);
    store.close();
    const results: number[] = [];
    exporter.export([], (r) => results.push(r.code));
    const other = new LocalSpanExporter(openLocalStore(":memory:"));
    await other.shutdown();
    other.export([], (r) => results.push(r.code));
    expect(results).toEqual([ExportResultCode.FAILED, ExportResultCode.FAILED]);
  });
});

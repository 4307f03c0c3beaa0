import { context, trace, type Span } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

export interface TraceFixture {
  spans: ReadableSpan[];
  traceId: string;
  rootId: string;
  childId: string;
}

/**
 * A real two-span trace (agent root + generation child) made by the OTel SDK, carrying the
 * Langfuse attributes the SDKs write (reference/langfuse-js.md §2.1).
 */
export async function makeTrace(label: string, language = "python"): Promise<TraceFixture> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "fixture", "telemetry.sdk.language": language }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("langfuse-sdk", "3.9.0");
  const root: Span = tracer.startSpan(`${label}-root`, {
    attributes: {
      "langfuse.trace.name": `${label}-trace`,
      "langfuse.observation.type": "agent",
      "langfuse.observation.input": JSON.stringify({ question: "2+2?" }),
      "langfuse.observation.output": JSON.stringify({ answer: "4" }),
      "user.id": "user-42",
      "session.id": `${label}-session`,
      "langfuse.trace.tags": ["fixture", label],
    },
  });
  const child = tracer.startSpan(
    `${label}-llm`,
    {
      attributes: {
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.name": "gpt-4o",
        "langfuse.observation.usage_details": JSON.stringify({ input: 10, output: 5 }),
        "langfuse.observation.input": JSON.stringify([{ role: "user", content: "2+2?" }]),
        "langfuse.observation.output": "4",
      },
    },
    trace.setSpan(context.active(), root),
  );
  child.end();
  root.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return { spans, traceId: root.spanContext().traceId, rootId: root.spanContext().spanId, childId: child.spanContext().spanId };
}

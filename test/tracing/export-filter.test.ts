/**
 * The default export filter keeps what the official @langfuse/otel processor keeps (its list of
 * LLM instrumentation scopes, gen_ai.* spans, our own spans), drops other spans, and
 * `shouldExportSpan` replaces it.
 */
import { context, trace, type Context } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import * as official from "@langfuse/otel";
import {
  isDefaultExportSpan,
  isKnownLLMInstrumentationScope,
  KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES,
  LangfuseSpanProcessor,
  type LangfuseSpanProcessorParams,
} from "../../src";

async function run(
  emit: (provider: NodeTracerProvider) => void,
  params: Partial<LangfuseSpanProcessorParams> = {},
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const processor = new LangfuseSpanProcessor({ publicKey: "pk-lf-f", secretKey: "sk-lf-f", baseUrl: "http://127.0.0.1:9", exporter, flushAt: 1000, ...params });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  try {
    emit(provider);
    await processor.forceFlush();
    return exporter.getFinishedSpans();
  } finally {
    await provider.shutdown();
  }
}

function emitOne(provider: NodeTracerProvider, scope: string, name: string, attributes: Record<string, string> = {}, parent?: Context) {
  const span = provider.getTracer(scope).startSpan(name, { attributes }, parent ?? context.active());
  span.end();
  return span;
}

describe("default export filter", () => {
  it("our list of LLM instrumentation scopes contains every entry of the official processor's", () => {
    const ours = new Set(KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES);
    const missing = official.KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES.filter((p: string) => !ours.has(p));
    expect(missing).toEqual([]);
  });

  it("exports every span the official default filter exports (same real spans judged by both)", async () => {
    const scopes = official.KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES.flatMap((p: string) => [p, `${p}.instrumentation.x`, `${p}x`]);
    scopes.push("@opentelemetry/instrumentation-http", "ai.other", "langfuse-sdk", "my-app");
    const spans = await run(
      (provider) => {
        for (const s of scopes) emitOne(provider, s, `span:${s}`);
        emitOne(provider, "my-app", "genai", { "gen_ai.system": "openai" });
      },
      { shouldExportSpan: () => true },
    );
    expect(spans.length).toBe(scopes.length + 1);
    const disagreements = spans.filter((s) => official.isDefaultExportSpan(s) !== isDefaultExportSpan(s)).map((s) => s.name);
    expect(disagreements).toEqual([]);
    // And the concrete cases the issue names.
    for (const s of ["ai", "openinference.instrumentation.llama_index", "langsmith", "haystack", "litellm", "strands-agents"]) {
      expect(isKnownLLMInstrumentationScope(s)).toBe(true);
    }
    expect(isKnownLLMInstrumentationScope("ai.other")).toBe(false);
    expect(isKnownLLMInstrumentationScope("@opentelemetry/instrumentation-http")).toBe(false);
  });

  it("the processor drops HTTP spans and keeps Vercel AI SDK, OpenInference and gen_ai spans", async () => {
    const spans = await run((provider) => {
      emitOne(provider, "@opentelemetry/instrumentation-http", "GET /");
      emitOne(provider, "ai", "ai.generateText");
      emitOne(provider, "openinference.instrumentation.llama_index", "query");
      emitOne(provider, "some-lib", "chat gpt-4o", { "gen_ai.operation.name": "chat" });
      emitOne(provider, "some-lib", "other");
    });
    expect(spans.map((s) => s.name).sort()).toEqual(["ai.generateText", "chat gpt-4o", "query"]);
  });

  it("shouldExportSpan replaces the default filter", async () => {
    const spans = await run(
      (provider) => {
        emitOne(provider, "@opentelemetry/instrumentation-http", "GET /");
        emitOne(provider, "ai", "ai.generateText");
      },
      { shouldExportSpan: ({ otelSpan }) => otelSpan.instrumentationScope.name.startsWith("@opentelemetry/") },
    );
    expect(spans.map((s) => s.name)).toEqual(["GET /"]);
  });

  it("no orphan: an AI SDK tree under our span keeps every parent, and our span under an exported AI SDK span is not an app root", async () => {
    const spans = await run((provider) => {
      const root = provider.getTracer("langfuse-sdk").startSpan("handler");
      const rootCtx = trace.setSpan(context.active(), root);
      const gen = provider.getTracer("ai").startSpan("ai.generateText", {}, rootCtx);
      const genCtx = trace.setSpan(rootCtx, gen);
      emitOne(provider, "ai", "ai.generateText.doGenerate", {}, genCtx);
      const tool = provider.getTracer("ai").startSpan("ai.toolCall", {}, genCtx);
      emitOne(provider, "langfuse-sdk", "MyTool.run", {}, trace.setSpan(genCtx, tool));
      tool.end();
      gen.end();
      root.end();
      // Our span under a dropped HTTP span is the app root.
      const http = provider.getTracer("@opentelemetry/instrumentation-http").startSpan("GET /chat");
      emitOne(provider, "langfuse-sdk", "under-http", {}, trace.setSpan(context.active(), http));
      http.end();
    });
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    const byName = new Map(spans.map((s) => [s.name, s]));
    const treeNames = ["handler", "ai.generateText", "ai.generateText.doGenerate", "ai.toolCall", "MyTool.run"];
    for (const n of treeNames) {
      const s = byName.get(n)!;
      expect(s).toBeDefined();
      if (n !== "handler") expect(ids.has(s.parentSpanContext!.spanId)).toBe(true);
    }
    expect(byName.get("handler")!.attributes["langfuse.internal.is_app_root"]).toBe(true);
    expect(byName.get("MyTool.run")!.attributes["langfuse.internal.is_app_root"]).toBeUndefined();
    expect(byName.get("under-http")!.attributes["langfuse.internal.is_app_root"]).toBe(true);
    expect(byName.has("GET /chat")).toBe(false);
  });
});

/**
 * Spans shaped like LlamaIndex's OpenInference instrumentation (real OTel SDK, scope
 * `openinference.instrumentation.llama_index`), emitted inside our trace through the global
 * tracer the client registers: they pass the default export filter and the embedded store maps
 * them to the right observation types with input, output, model, usage and cost.
 */
import { context, trace } from "@opentelemetry/api";
import type { Observation } from "../../../src";
import { useEmbeddedClient } from "../../fixtures/embedded-client";

const client = useEmbeddedClient();

it("a LlamaIndex RAG query: CHAIN > RETRIEVER > EMBEDDING, GENERATION, TOOL, with IO, model, usage and cost", async () => {
  const tracer = trace.getTracer("openinference.instrumentation.llama_index", "1.0.0");
  const traceId = await client.lf.startAsCurrentObservation({ name: "rag-request" }, async (root) => {
    const query = tracer.startSpan("RetrieverQueryEngine.query", {
      attributes: { "openinference.span.kind": "CHAIN", "input.value": "What is X?", "input.mime_type": "text/plain", "output.value": "X is Y.", "output.mime_type": "text/plain" },
    });
    const qctx = trace.setSpan(context.active(), query);
    const retrieve = tracer.startSpan(
      "VectorIndexRetriever.retrieve",
      {
        attributes: {
          "openinference.span.kind": "RETRIEVER",
          "input.value": "What is X?",
          "retrieval.documents.0.document.id": "d1",
          "retrieval.documents.0.document.content": "X is Y, says the handbook.",
          "retrieval.documents.0.document.score": 0.91,
          "retrieval.documents.1.document.id": "d2",
          "retrieval.documents.1.document.content": "Y is a kind of Z.",
          "retrieval.documents.1.document.score": 0.55,
        },
      },
      qctx,
    );
    tracer
      .startSpan(
        "OpenAIEmbedding.get_query_embedding",
        {
          attributes: {
            "openinference.span.kind": "EMBEDDING",
            "embedding.model_name": "text-embedding-3-small",
            "embedding.embeddings.0.embedding.text": "What is X?",
            "embedding.embeddings.0.embedding.vector": [0.1, 0.2, 0.3],
            "llm.token_count.prompt": 5,
            "llm.token_count.total": 5,
          },
        },
        trace.setSpan(qctx, retrieve),
      )
      .end();
    retrieve.end();
    tracer
      .startSpan(
        "OpenAI.chat",
        {
          attributes: {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.provider": "openai",
            "llm.invocation_parameters": JSON.stringify({ temperature: 0.1, max_tokens: 100 }),
            "llm.input_messages.0.message.role": "system",
            "llm.input_messages.0.message.content": "Answer from the context.",
            "llm.input_messages.1.message.role": "user",
            "llm.input_messages.1.message.content": "What is X?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "X is Y.",
            "llm.token_count.prompt": 100,
            "llm.token_count.completion": 20,
            "llm.token_count.total": 120,
            "llm.token_count.prompt_details.cache_read": 40,
          },
        },
        qctx,
      )
      .end();
    tracer
      .startSpan(
        "FunctionTool.call",
        { attributes: { "openinference.span.kind": "TOOL", "tool.name": "lookup", "input.value": '{"key":"X"}', "input.mime_type": "application/json", "output.value": "found" } },
        qctx,
      )
      .end();
    query.end();
    return root.traceId;
  });
  await client.lf.flush();
  const all = (await client.lf.api.traces.get(traceId)).observations;
  const ids = new Set(all.map((o) => o.id));
  for (const o of all) if (o.parentObservationId !== null) expect(ids.has(o.parentObservationId)).toBe(true);
  const by = (name: string) => all.find((o) => o.name === name) as Observation;

  const root = by("rag-request");
  const chain = by("RetrieverQueryEngine.query");
  expect(chain).toMatchObject({ type: "CHAIN", parentObservationId: root.id, input: "What is X?", output: "X is Y." });

  const retriever = by("VectorIndexRetriever.retrieve");
  expect(retriever).toMatchObject({ type: "RETRIEVER", parentObservationId: chain.id, input: "What is X?" });
  expect(retriever.output).toEqual([
    { id: "d1", content: "X is Y, says the handbook.", score: 0.91 },
    { id: "d2", content: "Y is a kind of Z.", score: 0.55 },
  ]);

  const embedding = by("OpenAIEmbedding.get_query_embedding");
  expect(embedding).toMatchObject({ type: "EMBEDDING", parentObservationId: retriever.id, model: "text-embedding-3-small", input: "What is X?" });
  expect(embedding.usageDetails).toEqual({ input: 5, total: 5 });
  expect(embedding.costDetails.total).toBeCloseTo(5 * 2e-8, 14);

  const llm = by("OpenAI.chat");
  expect(llm).toMatchObject({ type: "GENERATION", parentObservationId: chain.id, model: "gpt-4o" });
  expect(llm.modelParameters).toMatchObject({ temperature: 0.1, max_tokens: 100 });
  expect(llm.input).toEqual([
    { role: "system", content: "Answer from the context." },
    { role: "user", content: "What is X?" },
  ]);
  expect(llm.output).toEqual([{ role: "assistant", content: "X is Y." }]);
  expect(llm.usageDetails).toEqual({ input: 60, input_cached_tokens: 40, output: 20, total: 120 });
  expect(llm.costDetails.total).toBeCloseTo(60 * 2.5e-6 + 40 * 1.25e-6 + 20 * 1e-5, 12);

  expect(by("FunctionTool.call")).toMatchObject({ type: "TOOL", parentObservationId: chain.id, input: { key: "X" }, output: "found" });
});

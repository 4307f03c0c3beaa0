/**
 * Ingest: a provider usage object sent as `langfuse.observation.usage_details` by another SDK
 * (the official ones pass `response.usage` through) is normalised to Langfuse keys, so the
 * computed total and cost count every token once; AI SDK call spans carry no usage of their
 * own (their doGenerate children do).
 */
import { mapSpan } from "../../../src/local/ingest/mapping/map-span";
import { span } from "./span-fixtures";

describe("ingest usage normalisation", () => {
  it("OpenAI chat usage in the Langfuse attribute", () => {
    const usage = { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 400 } };
    const { observation: o } = mapSpan(
      span({ "langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o", "langfuse.observation.usage_details": JSON.stringify(usage) }),
    );
    expect(o.usageDetails).toEqual({ input: 600, input_cached_tokens: 400, output: 100, total: 1100 });
    expect(o.totalCost).toBeCloseTo(600 * 2.5e-6 + 400 * 1.25e-6 + 100 * 1e-5, 12);
  });

  it("Anthropic usage in the Langfuse attribute", () => {
    const usage = { input_tokens: 100, output_tokens: 200, cache_read_input_tokens: 1000, cache_creation_input_tokens: 500 };
    const { observation: o } = mapSpan(
      span({ "langfuse.observation.type": "generation", "langfuse.observation.model.name": "claude-sonnet-4-20250514", "langfuse.observation.usage_details": JSON.stringify(usage) }),
    );
    expect(o.usageDetails).toEqual({ input: 100, output: 200, input_cached_tokens: 1000, input_cache_creation: 500, total: 1800 });
    expect(o.totalCost).toBeCloseTo(100 * 3e-6 + 200 * 1.5e-5 + 1000 * 3e-7 + 500 * 3.75e-6, 12);
  });

  it("Langfuse keys stay as sent", () => {
    const { observation: o } = mapSpan(span({ "langfuse.observation.type": "generation", "langfuse.observation.usage_details": '{"input":3,"output":4}' }));
    expect(o.usageDetails).toEqual({ input: 3, output: 4, total: 7 });
  });

  it("an AI SDK ai.generateText span has no usage or cost; its doGenerate child has both", () => {
    const attrs = { "ai.model.id": "gpt-4o-mini", "gen_ai.usage.input_tokens": 30, "gen_ai.usage.output_tokens": 12, "ai.usage.tokens": 42 };
    const scope = { name: "ai", version: "" };
    const top = mapSpan(span({ ...attrs, "ai.operationId": "ai.generateText" }, { name: "ai.generateText", scope })).observation;
    const call = mapSpan(span({ ...attrs, "ai.operationId": "ai.generateText.doGenerate" }, { name: "ai.generateText.doGenerate", scope })).observation;
    expect(top.usageDetails).toEqual({});
    expect(top.costDetails).toEqual({});
    expect(call.type).toBe("GENERATION");
    expect(call.usageDetails).toEqual({ input: 30, output: 12, total: 42 });
    expect(call.totalCost).toBeGreaterThan(0);
  });

  it("AI SDK with Anthropic: cache reads and writes from the provider metadata, subtracted from input once", () => {
    const scope = { name: "ai", version: "" };
    const providerMetadata = {
      anthropic: { usage: { input_tokens: 7, cache_creation_input_tokens: 2089, cache_read_input_tokens: 16399, cache_creation: { ephemeral_5m_input_tokens: 2089, ephemeral_1h_input_tokens: 0 }, output_tokens: 445 } },
    };
    const o = mapSpan(
      span(
        {
          "ai.operationId": "ai.generateText.doGenerate",
          "ai.model.id": "claude-sonnet-4-20250514",
          "gen_ai.usage.input_tokens": 7 + 2089 + 16399,
          "gen_ai.usage.output_tokens": 445,
          "ai.response.providerMetadata": JSON.stringify(providerMetadata),
        },
        { name: "ai.generateText.doGenerate", scope },
      ),
    ).observation;
    expect(o.usageDetails).toEqual({ input: 7, output: 445, input_cached_tokens: 16399, input_cache_creation: 0, input_cache_creation_5m: 2089, input_cache_creation_1h: 0, total: 7 + 445 + 16399 + 2089 });
    expect(o.totalCost).toBeCloseTo(7 * 3e-6 + 445 * 1.5e-5 + 16399 * 3e-7 + 2089 * 3.75e-6, 12);
  });
});

import { normalizeUsage } from "../../src/api/usage";
import { computeCost } from "../../src/local/ingest/prices";

const sum = (u: Record<string, number>) => Object.entries(u).filter(([k]) => k !== "total").reduce((s, [, v]) => s + v, 0);

describe("normalizeUsage", () => {
  it("OpenAI chat completions: details become their own keys and leave input/output, total kept", () => {
    const u = normalizeUsage({
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 200, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(u).toEqual({
      input: 200,
      input_cached_tokens: 1000,
      input_audio_tokens: 0,
      output: 100,
      output_reasoning_tokens: 200,
      output_audio_tokens: 0,
      output_accepted_prediction_tokens: 0,
      output_rejected_prediction_tokens: 0,
      total: 1500,
    });
    expect(sum(u!)).toBe(u!.total);
  });

  it("OpenAI chat without details or total: total is the sum", () => {
    expect(normalizeUsage({ prompt_tokens: 10, completion_tokens: 5 })).toEqual({ input: 10, output: 5, total: 15 });
    expect(normalizeUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: null })).toEqual({ input: 10, output: 5, total: 15 });
  });

  it("OpenAI Responses API", () => {
    const u = normalizeUsage({
      input_tokens: 500,
      input_tokens_details: { cached_tokens: 120 },
      output_tokens: 80,
      output_tokens_details: { reasoning_tokens: 30 },
      total_tokens: 580,
    });
    expect(u).toEqual({ input: 380, input_cached_tokens: 120, output: 50, output_reasoning_tokens: 30, total: 580 });
    expect(sum(u!)).toBe(580);
  });

  it("Anthropic: input_tokens excludes the cache, so nothing is subtracted; total is the sum", () => {
    const u = normalizeUsage({
      input_tokens: 7,
      cache_creation_input_tokens: 2089,
      cache_read_input_tokens: 16399,
      output_tokens: 445,
      service_tier: "standard",
      server_tool_use: null,
    });
    expect(u).toEqual({ input: 7, input_cache_creation: 2089, input_cached_tokens: 16399, output: 445, total: 7 + 2089 + 16399 + 445 });
  });

  it("Anthropic cache_creation TTL split is not counted twice", () => {
    const u = normalizeUsage({
      input_tokens: 10,
      output_tokens: 20,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 60, ephemeral_1h_input_tokens: 40 },
    });
    expect(u).toEqual({ input: 10, output: 20, input_cached_tokens: 0, input_cache_creation: 0, input_cache_creation_5m: 60, input_cache_creation_1h: 40, total: 130 });
  });

  it("LangChain usage_metadata", () => {
    const u = normalizeUsage({
      input_tokens: 350,
      output_tokens: 240,
      total_tokens: 590,
      input_token_details: { audio: 10, cache_creation: 200, cache_read: 100 },
      output_token_details: { audio: 10, reasoning: 200 },
    });
    expect(u).toEqual({
      input: 40,
      input_audio: 10,
      input_cache_creation: 200,
      input_cache_read: 100,
      output: 30,
      output_audio: 10,
      output_reasoning: 200,
      total: 590,
    });
    expect(sum(u!)).toBe(590);
  });

  it("AI SDK camelCase and Langfuse v2 keys", () => {
    expect(normalizeUsage({ inputTokens: 100, outputTokens: 50, totalTokens: 150, cachedInputTokens: 40, reasoningTokens: 10 })).toEqual({
      input: 60,
      input_cached_tokens: 40,
      output: 40,
      output_reasoning_tokens: 10,
      total: 150,
    });
    expect(normalizeUsage({ promptTokens: 3, completionTokens: 4, totalTokens: 7 })).toEqual({ input: 3, output: 4, total: 7 });
  });

  it("Langfuse keys pass through; junk values are dropped; non-objects give undefined", () => {
    expect(normalizeUsage({ input: 12, output: 40 })).toEqual({ input: 12, output: 40 });
    expect(normalizeUsage({ input: 12, output: -1, total: 1.5, note: "x", n: "7" })).toEqual({ input: 12, n: 7 });
    expect(normalizeUsage(null)).toBeUndefined();
    expect(normalizeUsage(42)).toBeUndefined();
    expect(normalizeUsage([1, 2])).toBeUndefined();
    expect(normalizeUsage({})).toBeUndefined();
  });
});

describe("embedded cost from normalised usage", () => {
  const cost = (model: string, usage: unknown, params: Record<string, unknown> = {}) => computeCost(model, normalizeUsage(usage)!, params);

  it("gpt-4o: cached input priced at the cached rate, not twice", () => {
    const c = cost("gpt-4o", { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 400 } })!;
    expect(c.costDetails.input).toBeCloseTo(600 * 2.5e-6, 12);
    expect(c.costDetails.input_cached_tokens).toBeCloseTo(400 * 1.25e-6, 12);
    expect(c.costDetails.output).toBeCloseTo(100 * 1e-5, 12);
    expect(c.costDetails.total).toBeCloseTo(600 * 2.5e-6 + 400 * 1.25e-6 + 100 * 1e-5, 12);
  });

  it("gpt-4o-mini (Responses API usage)", () => {
    const c = cost("gpt-4o-mini", { input_tokens: 2000, output_tokens: 500, total_tokens: 2500, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } })!;
    expect(c.costDetails.total).toBeCloseTo(2000 * 1.5e-7 + 500 * 6e-7, 12);
  });

  it("claude-sonnet-4 (Anthropic usage with cache reads and writes)", () => {
    const c = cost("claude-sonnet-4-20250514", { input_tokens: 100, output_tokens: 200, cache_read_input_tokens: 1000, cache_creation_input_tokens: 500 })!;
    expect(c.costDetails.total).toBeCloseTo(100 * 3e-6 + 200 * 1.5e-5 + 1000 * 3e-7 + 500 * 3.75e-6, 12);
  });

  it("a tiered-price model picks its tier from the normalised usage (gemini-2.5-pro above 200k input)", () => {
    const small = cost("gemini-2.5-pro", { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010 })!;
    const large = cost("gemini-2.5-pro", { prompt_tokens: 250_000, completion_tokens: 10, total_tokens: 250_010 })!;
    expect(small.tierName).toBe("Standard");
    expect(large.tierName).toBe("Large Context");
    expect(large.costDetails.input! / 250_000).toBeGreaterThan(small.costDetails.input! / 1000);
  });
});

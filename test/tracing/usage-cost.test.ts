/**
 * Provider usage objects handed to update*() reach the embedded store in Langfuse keys, with
 * the total counted once and the cost from the price table.
 */
import { observe, updateCurrentGeneration } from "../../src";
import { useEmbeddedClient } from "../fixtures/embedded-client";

describe("usage normalisation on the SDK path (embedded store)", () => {
  const client = useEmbeddedClient();

  it("updateCurrentGeneration and generation.update take response.usage as the provider returns it", async () => {
    const call = observe(
      () => {
        updateCurrentGeneration({
          model: "gpt-4o",
          usageDetails: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 400, audio_tokens: 0 } },
        });
        return "ok";
      },
      { name: "openai-shaped", asType: "generation" },
    );
    call();
    const gen = client.lf.startObservation({ name: "anthropic-shaped", asType: "generation", model: "claude-sonnet-4-20250514" });
    gen.update({ usageDetails: { input_tokens: 100, output_tokens: 200, cache_read_input_tokens: 1000, cache_creation_input_tokens: 500 } }).end();
    await client.lf.flush();

    const [openai] = (await client.lf.api.observations.list({ name: "openai-shaped" })).data;
    expect(openai!.usageDetails).toEqual({ input: 600, input_cached_tokens: 400, input_audio_tokens: 0, output: 100, total: 1100 });
    expect(openai!.costDetails.total).toBeCloseTo(600 * 2.5e-6 + 400 * 1.25e-6 + 100 * 1e-5, 12);

    const [claude] = (await client.lf.api.observations.list({ name: "anthropic-shaped" })).data;
    expect(claude!.usageDetails).toEqual({ input: 100, output: 200, input_cached_tokens: 1000, input_cache_creation: 500, total: 1800 });
    expect(claude!.costDetails.total).toBeCloseTo(100 * 3e-6 + 200 * 1.5e-5 + 1000 * 3e-7 + 500 * 3.75e-6, 12);
  });
});

/**
 * The Vercel AI SDK 5.x (`ai5` alias) with its V2 mock model and telemetry on: the same tree
 * as with 6.x (see ai-sdk.test.ts), no orphan, cost counted once.
 */
import { generateText, stepCountIs, tool } from "ai5";
import { MockLanguageModelV2 } from "ai5/test";
import { z } from "zod";
import { useEmbeddedClient } from "../../fixtures/embedded-client";

const client = useEmbeddedClient();

it("ai 5 generateText with a tool call: span, generations with usage and cost, tool; no orphan", async () => {
  let turn = 0;
  const usage = { inputTokens: 30, outputTokens: 12, totalTokens: 42, cachedInputTokens: 5, reasoningTokens: 2 };
  const model = new MockLanguageModelV2({
    modelId: "gpt-4o-mini",
    doGenerate: async () => {
      turn++;
      if (turn === 1) return { content: [{ type: "tool-call", toolCallId: "c1", toolName: "weather", input: '{"city":"Paris"}' }], finishReason: "tool-calls", usage, warnings: [] };
      return { content: [{ type: "text", text: "Sunny." }], finishReason: "stop", usage, warnings: [] };
    },
  });
  const traceId = await client.lf.startAsCurrentObservation({ name: "request-v5" }, async (root) => {
    const r = await generateText({
      model,
      prompt: "Weather in Paris?",
      tools: { weather: tool({ description: "weather", inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `Sunny in ${city}` }) },
      stopWhen: stepCountIs(3),
      experimental_telemetry: { isEnabled: true },
    });
    expect(r.text).toBe("Sunny.");
    return root.traceId;
  });
  await client.lf.flush();
  const trace = await client.lf.api.traces.get(traceId);
  const all = trace.observations;
  const ids = new Set(all.map((o) => o.id));
  for (const o of all) if (o.parentObservationId !== null) expect(ids.has(o.parentObservationId)).toBe(true);
  const top = all.find((o) => o.name === "ai.generateText")!;
  expect(top.parentObservationId).toBe(all.find((o) => o.name === "request-v5")!.id);
  expect(top.costDetails).toEqual({});
  const gens = all.filter((o) => o.type === "GENERATION");
  expect(gens).toHaveLength(2);
  for (const g of gens) {
    expect(g.parentObservationId).toBe(top.id);
    // ai 5 puts the cache and reasoning split only on the ai.generateText span (as its totals);
    // its doGenerate spans carry input and output, which is what the server reads there too.
    expect(g.usageDetails).toEqual({ input: 30, output: 12, total: 42 });
    expect(g.costDetails.total).toBeCloseTo(30 * 1.5e-7 + 12 * 6e-7, 12);
  }
  expect(all.find((o) => o.type === "TOOL")).toMatchObject({ name: "weather", parentObservationId: top.id, output: "Sunny in Paris" });
  expect(trace.totalCost).toBeCloseTo(gens[0]!.costDetails.total! * 2, 12);
});

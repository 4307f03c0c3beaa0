/**
 * The Vercel AI SDK (`ai`, experimental_telemetry) with its mock language model, inside an
 * @Observe method: its spans pass the default export filter and the embedded store maps them
 * to a tree (ai.generateText span, doGenerate generations with usage and cost, tool
 * observations), with no orphan and no cost counted twice.
 */
import { generateText, stepCountIs, streamText, tool } from "ai";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { z } from "zod";
import { Observe, type Observation } from "../../../src";
import { storedTree, useEmbeddedClient } from "../../fixtures/embedded-client";

const USAGE = { inputTokens: { total: 30, noCache: 25, cacheRead: 5, cacheWrite: 0 }, outputTokens: { total: 12, text: 10, reasoning: 2 } };
// gpt-4o-mini: input 1.5e-7, cached 7.5e-8, output 6e-7 (reasoning is not priced separately for it).
const GEN_COST = 25 * 1.5e-7 + 5 * 7.5e-8 + 10 * 6e-7;

const client = useEmbeddedClient();

const stored = (traceId: string): Promise<Observation[]> => storedTree(client.lf, traceId);

describe("Vercel AI SDK telemetry", () => {
  it("generateText with a tool call: span, two generations with usage and cost, a tool observation; cost counted once", async () => {
    let turn = 0;
    const model = new MockLanguageModelV3({
      modelId: "gpt-4o-mini",
      doGenerate: async () => {
        turn++;
        if (turn === 1)
          return { content: [{ type: "tool-call", toolCallId: "c1", toolName: "weather", input: JSON.stringify({ city: "Paris" }) }], finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: USAGE, warnings: [] };
        return { content: [{ type: "text", text: "Sunny." }], finishReason: { unified: "stop", raw: "stop" }, usage: USAGE, warnings: [] };
      },
    });
    class Assistant {
      @Observe({ name: "Assistant.ask" })
      async ask(q: string) {
        const r = await generateText({
          model,
          prompt: q,
          tools: { weather: tool({ description: "weather", inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `Sunny in ${city}` }) },
          stopWhen: stepCountIs(3),
          experimental_telemetry: { isEnabled: true, functionId: "weather-fn", metadata: { userId: "u-ai", sessionId: "s-ai" } },
        });
        return r.text;
      }
    }
    const traceId = await client.lf.startAsCurrentObservation({ name: "request" }, async (root) => {
      expect(await new Assistant().ask("Weather in Paris?")).toBe("Sunny.");
      return root.traceId;
    });
    const all = await stored(traceId);
    const ask = all.find((o) => o.name === "Assistant.ask")!;
    const top = all.find((o) => o.name === "weather-fn:ai.generateText")!;
    expect(top.parentObservationId).toBe(ask.id);
    expect(top.input).toEqual({ prompt: "Weather in Paris?" });
    expect(top.output).toBe("Sunny.");
    // The top span aggregates its steps: it carries no usage or cost of its own.
    expect(top.usageDetails).toEqual({});
    expect(top.costDetails).toEqual({});
    const gens = all.filter((o) => o.type === "GENERATION").sort((a, b) => a.startTime.localeCompare(b.startTime));
    expect(gens).toHaveLength(2);
    for (const g of gens) {
      expect(g.parentObservationId).toBe(top.id);
      expect(g.model).toBe("gpt-4o-mini");
      expect(g.usageDetails).toEqual({ input: 25, input_cached_tokens: 5, output: 10, output_reasoning_tokens: 2, total: 42 });
      expect(g.costDetails.total).toBeCloseTo(GEN_COST, 12);
    }
    expect(gens[0]!.input).toEqual([{ role: "user", content: [{ type: "text", text: "Weather in Paris?" }] }]);
    expect(gens[0]!.output).toEqual([{ toolCallId: "c1", toolName: "weather", input: '{"city":"Paris"}' }]);
    expect(gens[1]!.output).toBe("Sunny.");
    const toolObs = all.find((o) => o.type === "TOOL")!;
    expect(toolObs).toMatchObject({ name: "weather", input: { city: "Paris" }, output: "Sunny in Paris", parentObservationId: top.id });
    const trace = await client.lf.api.traces.get(traceId);
    expect(trace).toMatchObject({ userId: "u-ai", sessionId: "s-ai" });
    expect(trace.totalCost).toBeCloseTo(2 * GEN_COST, 12);
  });

  it("streamText: the doStream generation has output, usage, cost and a completion start time", async () => {
    const model = new MockLanguageModelV3({
      modelId: "gpt-4o-mini",
      doStream: async () => ({
        stream: simulateReadableStream({
          chunks: [
            { type: "text-start", id: "t1" },
            { type: "text-delta", id: "t1", delta: "Hello" },
            { type: "text-delta", id: "t1", delta: " world" },
            { type: "text-end", id: "t1" },
            { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: USAGE },
          ],
        }),
      }),
    });
    const traceId = await client.lf.startAsCurrentObservation({ name: "stream-request" }, async (root) => {
      const r = streamText({ model, prompt: "Say hello", experimental_telemetry: { isEnabled: true } });
      let text = "";
      for await (const t of r.textStream) text += t;
      expect(text).toBe("Hello world");
      return root.traceId;
    });
    const all = await stored(traceId);
    const gen = all.find((o) => o.type === "GENERATION")!;
    expect(gen.name).toBe("ai.streamText.doStream");
    expect(gen.output).toBe("Hello world");
    expect(gen.usageDetails.total).toBe(42);
    expect(gen.costDetails.total).toBeCloseTo(GEN_COST, 12);
    expect(gen.completionStartTime).not.toBeNull();
    const top = all.find((o) => o.name === "ai.streamText")!;
    expect(gen.parentObservationId).toBe(top.id);
    expect(top.costDetails).toEqual({});
  });
});

/**
 * observeOpenAI with the real `openai` package (6.x and 7.x) against an OpenAI-compatible
 * server on 127.0.0.1; the stored generations are read back from the embedded store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import OpenAI6 from "openai";
import OpenAI7 from "openai7";
import { Langfuse, Observe, type Observation } from "../../../src";
import { observeOpenAI } from "../../../src/integrations/openai";
import { startOpenAIStub, type StubServer } from "../../../samples/openai/stub-server";

type AnyOpenAI = OpenAI6 | OpenAI7;
type Ctor = (new (opts: { baseURL: string; apiKey: string; maxRetries: number }) => AnyOpenAI) & { APIError: abstract new (...args: never[]) => Error };

const CHAT_USAGE_KEYS = {
  input: 10,
  input_cached_tokens: 2,
  input_audio_tokens: 0,
  output: 4,
  output_reasoning_tokens: 1,
  output_audio_tokens: 0,
  output_accepted_prediction_tokens: 0,
  output_rejected_prediction_tokens: 0,
  total: 17,
};
const RESPONSES_USAGE_KEYS = { input: 16, input_cached_tokens: 4, output: 4, output_reasoning_tokens: 2, total: 26 };

let stub: StubServer;
let lf: Langfuse;
let info: jest.SpyInstance;

beforeAll(async () => {
  info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  stub = await startOpenAIStub();
  lf = new Langfuse({ localDbPath: ":memory:", flushInterval: 3600 });
});
afterAll(async () => {
  await lf.shutdown();
  await stub.close();
  info.mockRestore();
});

/** Runs `fn` inside a root span and returns the trace's stored observations (checked for orphans). */
async function traced(fn: () => Promise<unknown>): Promise<{ root: Observation; all: Observation[]; gens: Observation[] }> {
  const traceId = await lf.startAsCurrentObservation({ name: "test-root" }, async (root) => {
    await fn();
    return root.traceId;
  });
  await lf.flush();
  const trace = await lf.api.traces.get(traceId);
  const all = trace.observations;
  const ids = new Set(all.map((o) => o.id));
  for (const o of all) if (o.parentObservationId !== null) expect(ids.has(o.parentObservationId)).toBe(true);
  const root = all.find((o) => o.name === "test-root")!;
  return { root, all, gens: all.filter((o) => o.type === "GENERATION" || o.type === "EMBEDDING") };
}

// A real collection, to see a dropped stream's generation end (FinalizationRegistry).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * Full collections, with turns of the event loop where FinalizationRegistry callbacks run,
 * until `target` (registered here too) has been collected, then one more turn.
 */
async function collectGarbage(collectedHere: () => boolean): Promise<void> {
  for (let i = 0; i < 20 && !collectedHere(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 5));
}

const asObj = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : (v as Record<string, unknown>));

describe.each([
  ["openai 6", OpenAI6 as unknown as Ctor],
  ["openai 7", OpenAI7 as unknown as Ctor],
])("observeOpenAI with %s", (_label, OpenAI) => {
  const make = (opts = {}) => observeOpenAI(new OpenAI({ baseURL: stub.baseURL, apiKey: "sk-test", maxRetries: 0 }) as OpenAI6, opts);

  it("plain chat completion: one generation under the current span with model, parameters, input, output, usage and cost", async () => {
    const client = make({ metadata: { feature: "qa" }, userId: "u-1", sessionId: "s-1", tags: ["t"] });
    let content: string | null | undefined;
    const { root, gens } = await traced(async () => {
      const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], temperature: 0.2, max_tokens: 50 });
      content = r.choices[0]!.message.content;
    });
    expect(content).toBe("Echo: hi");
    expect(gens).toHaveLength(1);
    const g = gens[0]!;
    expect(g.name).toBe("OpenAI.chat.completions.create");
    expect(g.parentObservationId).toBe(root.id);
    expect(g.model).toBe("gpt-4o-mini");
    expect(asObj(g.modelParameters)).toMatchObject({ temperature: 0.2, max_tokens: 50 });
    expect(g.input).toEqual([{ role: "user", content: "hi" }]);
    expect(g.output).toMatchObject({ role: "assistant", content: "Echo: hi" });
    expect(g.usageDetails).toEqual(CHAT_USAGE_KEYS);
    expect(g.costDetails.total).toBeCloseTo(10 * 1.5e-7 + 2 * 7.5e-8 + 4 * 6e-7, 12);
    expect(g.level).toBe("DEFAULT");
    expect(asObj(g.metadata)).toMatchObject({ feature: "qa" });
    const trace = await lf.api.traces.get(g.traceId);
    expect(trace).toMatchObject({ userId: "u-1", sessionId: "s-1", tags: ["t"] });
  });

  it("nests under an @Observe method", async () => {
    const client = make();
    class Agent {
      @Observe({ name: "Agent.answer" })
      async answer(q: string) {
        return (await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: q }] })).choices[0]!.message.content;
      }
    }
    const { all, gens } = await traced(() => new Agent().answer("nested?"));
    const outer = all.find((o) => o.name === "Agent.answer")!;
    expect(gens[0]!.parentObservationId).toBe(outer.id);
  });

  it("streaming with include_usage: output accumulated, usage and completion start time recorded", async () => {
    const client = make();
    let text = "";
    const { gens } = await traced(async () => {
      const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "stream me" }], stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    });
    expect(text).toBe("Echo: stream me");
    const g = gens[0]!;
    expect(g.output).toMatchObject({ role: "assistant", content: "Echo: stream me" });
    expect(g.usageDetails).toEqual(CHAT_USAGE_KEYS);
    expect(g.completionStartTime).not.toBeNull();
    const [start, first, end] = [g.startTime, g.completionStartTime!, g.endTime!].map((t) => Date.parse(t));
    expect(first).toBeGreaterThanOrEqual(start!);
    expect(first).toBeLessThanOrEqual(end!);
    expect(g.costDetails.total).toBeGreaterThan(0);
  });

  it("tool calls, plain and streamed", async () => {
    const client = make();
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
    const { gens } = await traced(async () => {
      await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "weather?" }], tools });
      const s = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "weather?" }], tools, stream: true });
      for await (const _ of s) void _;
    });
    expect(gens).toHaveLength(2);
    for (const g of gens) {
      expect(asObj(g.input).tools).toEqual(tools);
      expect(g.output).toMatchObject({ role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] });
    }
  });

  it("chat.completions.parse", async () => {
    const client = make();
    let parsed: unknown;
    const { gens } = await traced(async () => {
      const r = await client.chat.completions.parse({ model: "gpt-4o", messages: [{ role: "user", content: "parse" }] });
      parsed = r.choices[0]!.message.content;
    });
    expect(parsed).toBe("Echo: parse");
    expect(gens).toHaveLength(1);
    expect(gens[0]!.name).toBe("OpenAI.chat.completions.parse");
    expect(gens[0]!.usageDetails.total).toBe(17);
  });

  it("Responses API, plain and streamed", async () => {
    const client = make();
    let plain = "";
    let streamed = "";
    const { gens } = await traced(async () => {
      const r = await client.responses.create({ model: "gpt-4o-mini", input: "hello responses", instructions: "be brief" });
      plain = r.output_text;
      const s = await client.responses.create({ model: "gpt-4o-mini", input: "hello stream", stream: true });
      for await (const ev of s) if (ev.type === "response.output_text.delta") streamed += ev.delta;
    });
    expect(plain).toBe("Echo: hello responses");
    expect(streamed).toBe("Echo: hello stream");
    expect(gens).toHaveLength(2);
    const [a, b] = gens.sort((x, y) => x.startTime.localeCompare(y.startTime));
    expect(a!.input).toMatchObject({ instructions: "be brief", input: "hello responses" });
    expect(a!.output).toEqual({ role: "assistant", content: "Echo: hello responses" });
    expect(a!.usageDetails).toEqual(RESPONSES_USAGE_KEYS);
    expect(b!.output).toEqual({ role: "assistant", content: "Echo: hello stream" });
    expect(b!.usageDetails).toEqual(RESPONSES_USAGE_KEYS);
    expect(b!.completionStartTime).not.toBeNull();
    expect(b!.costDetails.total).toBeGreaterThan(0);
  });

  it("embeddings are an EMBEDDING observation with usage and cost (vectors not stored)", async () => {
    const client = make();
    const { gens } = await traced(async () => {
      const r = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] });
      expect(r.data).toHaveLength(2);
    });
    const g = gens[0]!;
    expect(g.type).toBe("EMBEDDING");
    expect(g.input).toEqual(["a", "b"]);
    expect(g.output).toEqual({ embeddings: 2, dimensions: 8 });
    expect(g.usageDetails).toEqual({ input: 8, total: 8 });
    expect(g.costDetails.total).toBeCloseTo(8 * 2e-8, 14);
  });

  it.each([400, 429, 500])("API error %i: level ERROR, the SDK's error reaches the caller unchanged", async (status) => {
    const client = make();
    let caught: unknown;
    const { gens } = await traced(async () => {
      try {
        await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: `ERROR:${status}` }] });
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).toBeInstanceOf(OpenAI.APIError);
    expect((caught as { status: number }).status).toBe(status);
    const g = gens[0]!;
    expect(g.level).toBe("ERROR");
    expect(g.statusMessage).toContain(String(status));
    expect(g.endTime).not.toBeNull();
  });

  it("a stream the consumer abandons early still ends its generation with what it got", async () => {
    const client = make();
    const { gens } = await traced(async () => {
      const stream = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "LONG_STREAM" }], stream: true });
      let n = 0;
      for await (const _ of stream) if (++n === 4) break;
    });
    const g = gens[0]!;
    expect(g.endTime).not.toBeNull();
    expect(g.output).toMatchObject({ role: "assistant", content: "w0 w1 w2 " });
    expect(g.statusMessage).toBe("stream closed before its end");
  });

  it("a stream the consumer never iterates and drops ends its generation when it is collected", async () => {
    const client = make();
    let traceId = "";
    let gone = false;
    const watch = new FinalizationRegistry(() => (gone = true));
    await lf.startAsCurrentObservation({ name: "dropped-root" }, async (root) => {
      traceId = root.traceId;
      // Received, never read, out of scope: only the garbage collector can tell.
      const stream = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "dropped" }], stream: true });
      watch.register(stream, undefined);
    });
    // No flush before the collection: a first flush only marks the stream, so the status
    // message below can only come from the collection.
    await collectGarbage(() => gone);
    expect(gone).toBe(true);
    await lf.flush();
    const g = (await lf.api.traces.get(traceId)).observations.find((o) => o.type === "GENERATION")!;
    expect(g).toBeDefined();
    expect(g.statusMessage).toBe("stream never consumed (dropped unread)");
    expect(g.endTime).not.toBeNull();
  });

  it("a stream kept but never iterated ends at the second flush that finds it untouched, with what it got", async () => {
    const client = make();
    const kept: unknown[] = [];
    let traceId = "";
    await lf.startAsCurrentObservation({ name: "kept-root" }, async (root) => {
      traceId = root.traceId;
      kept.push(await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "kept" }], stream: true }));
    });
    await lf.flush();
    const afterFirst = (await lf.api.traces.get(traceId)).observations;
    expect(afterFirst.filter((o) => o.type === "GENERATION")).toHaveLength(0);
    await lf.flush();
    const g = (await lf.api.traces.get(traceId)).observations.find((o) => o.type === "GENERATION")!;
    expect(g.statusMessage).toBe("stream never consumed (ended at the second flush that found it untouched)");
    expect(g.endTime).not.toBeNull();
    expect(kept).toHaveLength(1);
  });

  it("a stream being iterated is not ended by flushes; one left unfinished is ended by shutdown (file store, reopened)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lf-openai-streams-"));
    const path = join(dir, "store.db");
    try {
      const own = new Langfuse({ localDbPath: path, flushInterval: 3600 });
      const client = make({ langfuse: own });
      let traceId = "";
      let text = "";
      let kept: unknown;
      await own.startAsCurrentObservation({ name: "unfinished-root" }, async (root) => {
        traceId = root.traceId;
        const stream = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "LONG_STREAM" }], stream: true });
        const it = stream[Symbol.asyncIterator]();
        for (let i = 0; i < 3; i++) text += (await it.next()).value?.choices[0]?.delta?.content ?? "";
        await own.flush();
        await own.flush();
        // Nothing of the trace has ended yet: it is not stored.
        await expect(own.api.traces.get(traceId)).rejects.toThrow("not found");
        kept = it;
      });
      expect(text).toBe("w0 w1 ");
      // Kept (not dropped), never finished: only the shutdown can end it.
      await own.shutdown();
      expect(kept).toBeDefined();
      const reader = new Langfuse({ localDbPath: path, flushInterval: 3600, tracingEnabled: false });
      try {
        const g = (await reader.api.traces.get(traceId)).observations.find((o) => o.type === "GENERATION")!;
        expect(g.statusMessage).toBe("stream not finished by its consumer before shutdown");
        expect(g.output).toMatchObject({ role: "assistant", content: "w0 w1 " });
        expect(g.endTime).not.toBeNull();
      } finally {
        await reader.shutdown();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(".withResponse() and .asResponse() keep working and still record the generation", async () => {
    const client = make();
    let requestId: string | null | undefined;
    let rawBody: unknown;
    const { gens } = await traced(async () => {
      const { data, response, request_id } = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "wr" }] }).withResponse();
      expect(data.choices[0]!.message.content).toBe("Echo: wr");
      expect(response.status).toBe(200);
      requestId = request_id;
      const raw = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "raw" }] }).asResponse();
      rawBody = await raw.json();
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(requestId).toBe("req_stub_1");
    expect((rawBody as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe("Echo: raw");
    expect(gens).toHaveLength(2);
    const outputs = gens.map((g) => (g.output as { content: string }).content).sort();
    expect(outputs).toEqual(["Echo: raw", "Echo: wr"]);
    for (const g of gens) expect(g.usageDetails.total).toBe(17);
  });

  it("Stream.tee() and toReadableStream() keep working; one generation each", async () => {
    const client = make();
    const texts: string[] = [];
    const { gens } = await traced(async () => {
      const stream = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "tee" }], stream: true });
      const [left, right] = stream.tee();
      for (const branch of [left, right]) {
        let t = "";
        for await (const c of branch) t += c.choices[0]?.delta?.content ?? "";
        texts.push(t);
      }
      const s2 = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "readable" }], stream: true });
      const reader = s2.toReadableStream().getReader();
      let lines = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) lines += new TextDecoder().decode(r.value as Uint8Array);
      texts.push(lines.trim().split("\n").map((l) => (JSON.parse(l) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta?.content ?? "").join(""));
    });
    expect(texts).toEqual(["Echo: tee", "Echo: tee", "Echo: readable"]);
    expect(gens).toHaveLength(2);
    expect(gens.map((g) => (g.output as { content: string }).content).sort()).toEqual(["Echo: readable", "Echo: tee"]);
  });

  it("chat.completions.stream() helper and finalChatCompletion()", async () => {
    const client = make();
    let final: string | null | undefined;
    const { gens } = await traced(async () => {
      const runner = client.chat.completions.stream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "helper" }], stream_options: { include_usage: true } });
      const completion = await runner.finalChatCompletion();
      final = completion.choices[0]!.message.content;
    });
    expect(final).toBe("Echo: helper");
    expect(gens).toHaveLength(1);
    const g = gens[0]!;
    expect(g.name).toBe("OpenAI.chat.completions.stream");
    expect(g.output).toMatchObject({ role: "assistant", content: "Echo: helper" });
    expect(g.usageDetails).toEqual(CHAT_USAGE_KEYS);
    expect(g.completionStartTime).not.toBeNull();
  });

  it("responses.stream() helper and finalResponse()", async () => {
    const client = make();
    let text = "";
    const { gens } = await traced(async () => {
      const runner = client.responses.stream({ model: "gpt-4o-mini", input: "helper" });
      const final = await runner.finalResponse();
      text = final.output_text;
    });
    expect(text).toBe("Echo: helper");
    expect(gens).toHaveLength(1);
    expect(gens[0]).toMatchObject({ name: "OpenAI.responses.stream", output: { role: "assistant", content: "Echo: helper" } });
    expect(gens[0]!.usageDetails).toEqual(RESPONSES_USAGE_KEYS);
    expect(gens[0]!.completionStartTime).not.toBeNull();
  });

  it("with tracing off the SDK's objects are left untouched; resources keep their identity", async () => {
    const off = new Langfuse({ tracingEnabled: false });
    try {
      const client = make({ langfuse: off });
      expect(client.chat).toBe(client.chat);
      expect(client.chat.completions).toBe(client.chat.completions);
      const p = client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "off" }] });
      expect(Object.prototype.hasOwnProperty.call(p, "asResponse")).toBe(false);
      expect((await p).choices[0]!.message.content).toBe("Echo: off");
    } finally {
      await off.shutdown();
    }
  });

  it("an explicit parent observation wins over the current span", async () => {
    let parentId = "";
    const { gens } = await traced(async () => {
      const parent = lf.startObservation({ name: "explicit-parent" });
      parentId = parent.id;
      await make({ parent }).chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "p" }] });
      parent.end();
    });
    expect(gens[0]!.parentObservationId).toBe(parentId);
  });

  it("prompt linking and a custom name", async () => {
    const client = make({ name: "answer", langfusePrompt: { name: "qa-prompt", version: 3, isFallback: false } });
    const { gens } = await traced(() => client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "p" }] }));
    expect(gens[0]).toMatchObject({ name: "answer", promptName: "qa-prompt", promptVersion: 3 });
  });
});

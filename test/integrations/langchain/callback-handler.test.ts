/**
 * The LangChain / LangGraph CallbackHandler with real @langchain/core runnables (fake chat
 * models, tools, prompt templates) and a real @langchain/langgraph graph. Observations are
 * read back from the embedded store; the raw spans are also kept to check that every one
 * carries the trace attributes.
 */
import { context, type Context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Document } from "@langchain/core/documents";
import { FakeListChatModel, FakeRetriever } from "@langchain/core/utils/testing";
import type { ChatResult } from "@langchain/core/outputs";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import OpenAI from "openai";
import { z } from "zod";
import { Langfuse, Observe, type Observation } from "../../../src";
import { CallbackHandler } from "../../../src/integrations/langchain";
import { observeOpenAI } from "../../../src/integrations/openai";
import { startOpenAIStub, type StubServer } from "../../../samples/openai/stub-server";
import { storedTree } from "../../fixtures/embedded-client";

/** A fake chat model answering from a script of AIMessages (tool calls and usage included). */
class ScriptedChatModel extends FakeListChatModel {
  private readonly script: AIMessage[];
  private turn = 0;
  constructor(script: AIMessage[]) {
    super({ responses: ["unused"] });
    this.script = script;
  }
  override invocationParams() {
    return { model: "gpt-4o-mini", temperature: 0.1 } as never;
  }
  override async _generate(): Promise<ChatResult> {
    const message = this.script[Math.min(this.turn++, this.script.length - 1)]!;
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
  override bindTools() {
    return this as never;
  }
}

const usage = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, total_tokens: input + output, input_token_details: { cache_read: 2 }, output_token_details: {} });

const weather = tool(async ({ city }: { city: string }) => `Sunny in ${city}`, {
  name: "get_weather",
  description: "weather of a city",
  schema: z.object({ city: z.string() }),
});

let lf: Langfuse;
let memory: InMemorySpanExporter;
let info: jest.SpyInstance;
let provider: BasicTracerProvider;
let stub: StubServer;

beforeAll(async () => {
  stub = await startOpenAIStub();
  info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // The client's processor writes the embedded store; an in-memory exporter keeps the raw spans.
  const late: SpanProcessor[] = [];
  const fanout: SpanProcessor = {
    onStart: (s: Span, c: Context) => late.forEach((p) => p.onStart(s, c)),
    onEnd: (s: ReadableSpan) => late.forEach((p) => p.onEnd(s)),
    forceFlush: async () => void (await Promise.all(late.map((p) => p.forceFlush()))),
    shutdown: async () => void (await Promise.all(late.map((p) => p.shutdown()))),
  };
  provider = new BasicTracerProvider({ spanProcessors: [fanout] });
  lf = new Langfuse({ localDbPath: ":memory:", flushInterval: 3600, tracerProvider: provider });
  memory = new InMemorySpanExporter();
  late.push(lf.spanProcessor, new SimpleSpanProcessor(memory));
});
afterAll(async () => {
  await stub.close();
  await lf.shutdown();
  await provider.shutdown();
  info.mockRestore();
});

const stored = (traceId: string): Promise<Observation[]> => storedTree(lf, traceId);
const spansOf = (traceId: string) => memory.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
const byName = (all: Observation[], name: string) => all.find((o) => o.name === name)!;

describe("CallbackHandler", () => {
  it("a prompt | model chain inside an @Observe method: nesting, generation fields, usage, prompt link, trace attributes on every span", async () => {
    const handler = new CallbackHandler({ userId: "u-7", sessionId: "s-7", tags: ["lc"], langfuse: lf });
    const model = new ScriptedChatModel([new AIMessage({ content: "Paris is sunny.", usage_metadata: usage(30, 6), response_metadata: { model_name: "gpt-4o-mini-2024-07-18" } })]);
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You answer briefly."],
      ["human", "{question}"],
    ]).withConfig({ metadata: { langfusePrompt: { name: "qa", version: 2, isFallback: false } } });
    const chain = prompt.pipe(model);
    class Service {
      @Observe({ name: "Service.ask" })
      async ask(question: string) {
        return chain.invoke({ question }, { callbacks: [handler] });
      }
    }
    let traceId = "";
    await lf.startAsCurrentObservation({ name: "request" }, async (root) => {
      traceId = root.traceId;
      await new Service().ask("Weather in Paris?");
    });
    const all = await stored(traceId);
    const service = byName(all, "Service.ask");
    const seq = all.find((o) => o.parentObservationId === service.id)!;
    expect(seq.type).toBe("CHAIN");
    expect(seq.name).toBe("RunnableSequence");
    const gen = all.find((o) => o.type === "GENERATION")!;
    expect(gen.parentObservationId).toBe(seq.id);
    expect(gen.model).toBe("gpt-4o-mini-2024-07-18");
    expect(gen.input).toEqual([
      { role: "system", content: "You answer briefly." },
      { role: "user", content: "Weather in Paris?" },
    ]);
    expect(gen.output).toMatchObject({ role: "assistant", content: "Paris is sunny." });
    expect(gen.usageDetails).toEqual({ input: 28, input_cache_read: 2, output: 6, total: 36 });
    expect(gen.costDetails.total).toBeGreaterThan(0);
    expect(gen).toMatchObject({ promptName: "qa", promptVersion: 2 });
    const promptRun = all.find((o) => o.name === "ChatPromptTemplate")!;
    expect(promptRun.parentObservationId).toBe(seq.id);
    expect(handler.lastTraceId).toBe(traceId);

    const trace = await lf.api.traces.get(traceId);
    expect(trace).toMatchObject({ userId: "u-7", sessionId: "s-7", tags: ["lc"] });
    const handlerSpans = spansOf(traceId).filter((s) => !["request", "Service.ask"].includes(s.name));
    expect(handlerSpans.length).toBe(3);
    for (const s of handlerSpans) {
      expect(s.attributes["user.id"]).toBe("u-7");
      expect(s.attributes["session.id"]).toBe("s-7");
      expect(s.attributes["langfuse.trace.tags"]).toEqual(["lc"]);
    }
  });

  it("a two-node LangGraph graph with a tool call: agent root, node chains, generations, tool; usage on both generations", async () => {
    const handler = new CallbackHandler({ userId: "u-g", sessionId: "s-g", langfuse: lf });
    const model = new ScriptedChatModel([
      new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "get_weather", args: { city: "Paris" }, type: "tool_call" }], usage_metadata: usage(40, 10) }),
      new AIMessage({ content: "It is sunny in Paris.", usage_metadata: usage(60, 8) }),
    ]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state: { messages: BaseMessage[] }) => ({ messages: [await model.invoke(state.messages)] }))
      // The tools node runs each requested tool call (a tool invoked with a ToolCall returns a ToolMessage).
      .addNode("tools", async (state: { messages: BaseMessage[] }) => ({
        messages: await Promise.all(((state.messages.at(-1) as AIMessage).tool_calls ?? []).map((call) => weather.invoke(call))),
      }))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", (state: { messages: BaseMessage[] }) => ((state.messages.at(-1) as AIMessage).tool_calls?.length ? "tools" : END))
      .addEdge("tools", "agent")
      .compile();
    const result = await graph.invoke({ messages: [new HumanMessage("Weather in Paris?")] }, { callbacks: [handler] });
    expect(result.messages.at(-1)!.content).toBe("It is sunny in Paris.");

    const traceId = handler.lastTraceId!;
    const all = await stored(traceId);
    const root = all.find((o) => o.parentObservationId === null)!;
    expect(root).toMatchObject({ name: "LangGraph", type: "AGENT" });
    const agentNodes = all.filter((o) => o.name === "agent");
    const toolNode = all.find((o) => o.name === "tools")!;
    expect(agentNodes).toHaveLength(2);
    for (const n of [...agentNodes, toolNode]) expect(n.parentObservationId).toBe(root.id);
    const gens = all.filter((o) => o.type === "GENERATION").sort((a, b) => a.startTime.localeCompare(b.startTime));
    expect(gens).toHaveLength(2);
    expect(new Set(gens.map((g) => g.parentObservationId))).toEqual(new Set(agentNodes.map((n) => n.id)));
    expect(gens[0]!.output).toMatchObject({ role: "assistant", tool_calls: [{ name: "get_weather", args: { city: "Paris" } }] });
    expect(gens[0]!.usageDetails).toEqual({ input: 38, input_cache_read: 2, output: 10, total: 50 });
    expect(gens[1]!.usageDetails).toEqual({ input: 58, input_cache_read: 2, output: 8, total: 68 });
    expect(gens[1]!.input).toEqual(
      expect.arrayContaining([expect.objectContaining({ role: "tool", content: "Sunny in Paris", tool_call_id: "call_1" })]),
    );
    const toolObs = all.find((o) => o.type === "TOOL")!;
    expect(toolObs).toMatchObject({ name: "get_weather", input: { city: "Paris" }, output: "Sunny in Paris" });
    expect(toolObs.parentObservationId).toBe(toolNode.id);
    // Internal runs (ChannelWrite, branch functions) marked langsmith:hidden are not recorded.
    expect(all.some((o) => (o.name ?? "").startsWith("ChannelWrite"))).toBe(false);

    const trace = await lf.api.traces.get(traceId);
    expect(trace).toMatchObject({ name: "LangGraph", userId: "u-g", sessionId: "s-g" });
    const spans = spansOf(traceId);
    expect(spans.length).toBe(all.length);
    for (const s of spans) {
      expect(s.attributes["user.id"]).toBe("u-g");
      expect(s.attributes["session.id"]).toBe("s-g");
    }
  });

  it("a retriever run is a RETRIEVER observation with the query as input and the documents as output", async () => {
    const handler = new CallbackHandler({ sessionId: "s-r", langfuse: lf });
    const retriever = new FakeRetriever({ output: [new Document({ pageContent: "X is Y.", metadata: { source: "kb-1" } })] });
    const docs = await retriever.invoke("what is X?", { callbacks: [handler] });
    expect(docs).toHaveLength(1);
    const all = await stored(handler.lastTraceId!);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ type: "RETRIEVER", input: "what is X?", output: [{ pageContent: "X is Y.", metadata: { source: "kb-1" } }] });
  });

  it("errors: the failing tool and the chain above it are level ERROR; metadata overrides the user per run", async () => {
    const handler = new CallbackHandler({ langfuse: lf });
    const broken = tool(
      async () => {
        throw new Error("tool exploded");
      },
      { name: "broken", description: "fails", schema: z.object({}) },
    );
    const chain = RunnableLambda.from(async (x: string) => broken.invoke({})).withConfig({ runName: "uses-broken" });
    await expect(chain.invoke("go", { callbacks: [handler], metadata: { langfuseUserId: "meta-user" } })).rejects.toThrow("tool exploded");
    const all = await stored(handler.lastTraceId!);
    expect(byName(all, "broken")).toMatchObject({ type: "TOOL", level: "ERROR", statusMessage: "tool exploded" });
    expect(byName(all, "uses-broken")).toMatchObject({ type: "CHAIN", level: "ERROR" });
    expect((await lf.api.traces.get(handler.lastTraceId!)).userId).toBe("meta-user");
    for (const s of spansOf(handler.lastTraceId!)) expect(s.attributes["user.id"]).toBe("meta-user");
  });

  describe("observations started inside a run's own code nest under the run", () => {
    const openai = () => observeOpenAI(new OpenAI({ baseURL: stub.baseURL, apiKey: "sk-test", maxRetries: 0 }), { langfuse: lf });
    class Lookup {
      constructor(private readonly client: OpenAI) {}
      @Observe({ name: "Lookup.search" })
      async search(q: string): Promise<string> {
        const r = await this.client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: q }] });
        return r.choices[0]!.message.content ?? "";
      }
    }

    it("a tool's function: an @Observe method (and the OpenAI call in it), a direct OpenAI call, a nested chain, under the tool", async () => {
      const client = openai();
      const inner = RunnableLambda.from(async (x: string) => `inner(${x})`).withConfig({ runName: "inner-chain" });
      const research = tool(
        async ({ topic }: { topic: string }) => {
          const a = await new Lookup(client).search(`about ${topic}`);
          const b = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "direct" }] });
          const c = await inner.invoke(topic);
          lf.startObservation({ name: "manual-event", asType: "event" });
          return `${a} | ${b.choices[0]!.message.content} | ${c}`;
        },
        { name: "research", description: "researches", schema: z.object({ topic: z.string() }) },
      );
      const handler = new CallbackHandler({ langfuse: lf });
      const chain = RunnableLambda.from(async (topic: string) => research.invoke({ topic })).withConfig({ runName: "outer-chain" });
      let traceId = "";
      let out = "";
      await lf.startAsCurrentObservation({ name: "request" }, async (root) => {
        traceId = root.traceId;
        out = await chain.invoke("cats", { callbacks: [handler] });
      });
      expect(out).toBe("Echo: about cats | Echo: direct | inner(cats)");
      const all = await stored(traceId);
      const request = byName(all, "request");
      const outer = byName(all, "outer-chain");
      const toolObs = byName(all, "research");
      expect(outer.parentObservationId).toBe(request.id);
      expect(toolObs).toMatchObject({ type: "TOOL", parentObservationId: outer.id });
      const search = byName(all, "Lookup.search");
      expect(search.parentObservationId).toBe(toolObs.id);
      const gens = all.filter((o) => o.type === "GENERATION");
      expect(gens).toHaveLength(2);
      // The @Observe span started inside the tool is current for its own OpenAI call.
      expect(gens.find((g) => (g.input as { content: string }[])[0]!.content === "about cats")!.parentObservationId).toBe(search.id);
      expect(gens.find((g) => (g.input as { content: string }[])[0]!.content === "direct")!.parentObservationId).toBe(toolObs.id);
      expect(byName(all, "inner-chain").parentObservationId).toBe(toolObs.id);
      expect(byName(all, "manual-event").parentObservationId).toBe(toolObs.id);
      // After the run, the request span is current again.
      expect(all.every((o) => o.traceId === traceId)).toBe(true);
    });

    it("a chain and a model invoked from an @Observe method inside a tool nest under that method's span", async () => {
      const model = new ScriptedChatModel([new AIMessage({ content: "summary", usage_metadata: usage(5, 2) })]);
      const summarize = RunnableLambda.from(async (text: string) => (await model.invoke([new HumanMessage(text)])).content).withConfig({ runName: "summarize-chain" });
      class Summarizer {
        @Observe({ name: "Summarizer.run" })
        async run(text: string) {
          return summarize.invoke(text);
        }
      }
      const summaryTool = tool(async ({ text }: { text: string }) => String(await new Summarizer().run(text)), {
        name: "summary_tool",
        description: "summarizes",
        schema: z.object({ text: z.string() }),
      });
      const handler = new CallbackHandler({ langfuse: lf });
      let traceId = "";
      await lf.startAsCurrentObservation({ name: "request-summary" }, async (root) => {
        traceId = root.traceId;
        expect(await summaryTool.invoke({ text: "long text" }, { callbacks: [handler] })).toBe("summary");
      });
      const all = await stored(traceId);
      const toolObs = byName(all, "summary_tool");
      expect(toolObs.parentObservationId).toBe(byName(all, "request-summary").id);
      const method = byName(all, "Summarizer.run");
      expect(method.parentObservationId).toBe(toolObs.id);
      const chainObs = byName(all, "summarize-chain");
      expect(chainObs.parentObservationId).toBe(method.id);
      const gen = all.find((o) => o.type === "GENERATION")!;
      expect(gen.parentObservationId).toBe(chainObs.id);
    });

    it("LangGraph: a node's @Observe call nests under the node; a tool's OpenAI call under the tool; no span outside a graph is affected", async () => {
      const client = openai();
      const fetchDoc = tool(
        async ({ id }: { id: string }) => (await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `doc ${id}` }] })).choices[0]!.message.content!,
        { name: "fetch_doc", description: "fetches", schema: z.object({ id: z.string() }) },
      );
      class Planner {
        @Observe({ name: "Planner.plan" })
        plan(n: number): string {
          return `plan-${n}`;
        }
      }
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("plan", async (state: { messages: BaseMessage[] }) => ({ messages: [new AIMessage(new Planner().plan(state.messages.length))] }))
        .addNode("fetch", async () => ({ messages: [await fetchDoc.invoke({ type: "tool_call", id: "call_9", name: "fetch_doc", args: { id: "42" } })] }))
        .addEdge(START, "plan")
        .addEdge("plan", "fetch")
        .addEdge("fetch", END)
        .compile();
      const handler = new CallbackHandler({ langfuse: lf });
      const result = await graph.invoke({ messages: [new HumanMessage("go")] }, { callbacks: [handler] });
      expect(result.messages.at(-1)!.content).toBe("Echo: doc 42");
      const all = await stored(handler.lastTraceId!);
      const planNode = all.find((o) => o.name === "plan" && o.type === "CHAIN")!;
      const fetchNode = all.find((o) => o.name === "fetch" && o.type === "CHAIN")!;
      expect(byName(all, "Planner.plan").parentObservationId).toBe(planNode.id);
      const toolObs = byName(all, "fetch_doc");
      expect(toolObs.parentObservationId).toBe(fetchNode.id);
      const gen = all.find((o) => o.type === "GENERATION")!;
      expect(gen.parentObservationId).toBe(toolObs.id);

      // Outside any run, a new observation starts its own trace as before.
      const lone = lf.startObservation({ name: "after-graph" });
      lone.end();
      expect(lone.traceId).not.toBe(handler.lastTraceId);
    });
  });
});

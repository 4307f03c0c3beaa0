/**
 * `npm run sample:langchain`: a LangChain chain and a two-node LangGraph graph with a tool call,
 * both inside @Observe methods, traced by the CallbackHandler. The chat model is a scripted
 * fake (no key, no network); swap in ChatOpenAI and the same trace shape comes out.
 */
import "reflect-metadata";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { z } from "zod";
import { Langfuse, Observe } from "../../src";
import { CallbackHandler } from "../../src/integrations/langchain";
import { printTree } from "../print-tree";

/** A fake chat model that answers from a script (tool calls and token usage included). */
class ScriptedModel extends FakeListChatModel {
  private turn = 0;
  constructor(private readonly script: AIMessage[]) {
    super({ responses: ["-"] });
  }
  override invocationParams() {
    return { model: "gpt-4o-mini", temperature: 0 } as never;
  }
  override async _generate(): Promise<ChatResult> {
    const message = this.script[this.turn++ % this.script.length]!;
    return { generations: [{ text: String(message.content), message }] };
  }
}

const usage = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, total_tokens: input + output });

const lookupOrder = tool(async ({ id }: { id: string }) => `Order ${id} shipped yesterday.`, {
  name: "lookup_order",
  description: "Looks up an order by id",
  schema: z.object({ id: z.string() }),
});

class OrderAssistant {
  private readonly handler = new CallbackHandler({ userId: "sample-user", sessionId: "langchain-sample", tags: ["langchain-sample"] });

  /** A prompt | model chain. */
  @Observe()
  async greet(name: string): Promise<string> {
    const model = new ScriptedModel([new AIMessage({ content: `Hello ${name}, how can I help?`, usage_metadata: usage(18, 8) })]);
    const chain = ChatPromptTemplate.fromMessages([
      ["system", "You are a friendly order assistant."],
      ["human", "Greet {name}."],
    ]).pipe(model);
    const reply = await chain.invoke({ name }, { callbacks: [this.handler] });
    return String(reply.content);
  }

  /** A LangGraph agent: the model asks for a tool, the tools node runs it, the model answers. */
  @Observe({ asType: "agent" })
  async track(orderId: string): Promise<string> {
    const model = new ScriptedModel([
      new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "lookup_order", args: { id: orderId }, type: "tool_call" }], usage_metadata: usage(40, 12) }),
      new AIMessage({ content: `Your order ${orderId} shipped yesterday.`, usage_metadata: usage(70, 10) }),
    ]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (s: { messages: BaseMessage[] }) => ({ messages: [await model.invoke(s.messages)] }))
      .addNode("tools", async (s: { messages: BaseMessage[] }) => ({
        messages: await Promise.all(((s.messages.at(-1) as AIMessage).tool_calls ?? []).map((c) => lookupOrder.invoke(c))),
      }))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", (s: { messages: BaseMessage[] }) => ((s.messages.at(-1) as AIMessage).tool_calls?.length ? "tools" : END))
      .addEdge("tools", "agent")
      .compile();
    const out = await graph.invoke({ messages: [new HumanMessage(`Where is order ${orderId}?`)] }, { callbacks: [this.handler] });
    return String(out.messages.at(-1)!.content);
  }
}

async function main(): Promise<void> {
  const langfuse = new Langfuse({ environment: "sample" });
  const assistant = new OrderAssistant();
  let traceId = "";
  try {
    await langfuse.startAsCurrentObservation({ name: "langchain-sample" }, async (root) => {
      traceId = root.traceId;
      console.log(await assistant.greet("Ada"));
      console.log(await assistant.track("A-1001"));
    });
    await langfuse.flush();
    if (langfuse.config.mode === "local") {
      const trace = await langfuse.api.traces.get(traceId);
      console.log(`stored trace ${traceId} for ${trace.userId} (total cost $${trace.totalCost.toFixed(8)}):`);
      printTree(trace);
    } else console.log(`data went to ${langfuse.config.baseUrl} (trace ${traceId})`);
  } finally {
    const r = await langfuse.shutdown();
    if (r.failed || r.dropped) process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

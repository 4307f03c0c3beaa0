/**
 * `npm run sample:openai`: an OpenAI-backed support bot traced with observeOpenAI inside
 * @Observe methods. It starts a small OpenAI-compatible server on 127.0.0.1 itself, so it
 * needs no key and no network; point `baseURL` at api.openai.com and it traces real calls.
 */
import "reflect-metadata";
import OpenAI from "openai";
import { Langfuse, Observe, propagateAttributes } from "../../src";
import { observeOpenAI } from "../../src/integrations/openai";
import { printTree } from "../print-tree";
import { startOpenAIStub } from "./stub-server";

class SupportBot {
  constructor(private readonly openai: OpenAI) {}

  @Observe({ asType: "agent" })
  async handle(question: string): Promise<string> {
    const [vector] = (await this.openai.embeddings.create({ model: "text-embedding-3-small", input: question, encoding_format: "float" })).data;
    const draft = await this.draft(question, vector!.embedding.length);
    return this.polish(draft);
  }

  /** One chat completion: a generation with usage and cost, nested under this method's span. */
  @Observe()
  async draft(question: string, dims: number): Promise<string> {
    const completion = await this.openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: `You are a support bot (context vector: ${dims} dims).` },
        { role: "user", content: question },
      ],
      temperature: 0.2,
    });
    return completion.choices[0]!.message.content ?? "";
  }

  /** A streamed completion: output, usage and time to first token are recorded. */
  @Observe()
  async polish(text: string): Promise<string> {
    const stream = await this.openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: `Polish: ${text}` }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let out = "";
    for await (const chunk of stream) out += chunk.choices[0]?.delta?.content ?? "";
    return out;
  }
}

async function main(): Promise<void> {
  const stub = await startOpenAIStub();
  const langfuse = new Langfuse({ environment: "sample" });
  try {
    const openai = observeOpenAI(new OpenAI({ baseURL: stub.baseURL, apiKey: "sk-stub" }), { tags: ["openai-sample"] });
    const bot = new SupportBot(openai);
    let traceId = "";
    const reply = await propagateAttributes({ userId: "sample-user", sessionId: "openai-sample" }, () =>
      langfuse.startAsCurrentObservation({ name: "openai-sample" }, async (root) => {
        traceId = root.traceId;
        return bot.handle("How do I export invoices?");
      }),
    );
    console.log(`reply: ${reply}`);
    await langfuse.flush();
    if (langfuse.config.mode === "local") {
      const trace = await langfuse.api.traces.get(traceId);
      console.log(`stored trace ${traceId} (total cost $${trace.totalCost.toFixed(8)}):`);
      printTree(trace);
    } else console.log(`data went to ${langfuse.config.baseUrl} (trace ${traceId})`);
  } finally {
    const r = await langfuse.shutdown();
    await stub.close();
    if (r.failed || r.dropped) process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

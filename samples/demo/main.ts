/**
 * `npm run demo`: a small class-based support agent traced with @Observe.
 *
 * Without LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY it records into the embedded store
 * (.langfuse/langfuse.db, or LANGFUSE_LOCAL_DB) and prints the trace it wrote; with keys and
 * LANGFUSE_BASE_URL it sends the same trace to that Langfuse server.
 *
 * The "LLM" is a deterministic stand-in so the demo runs offline; the tracing is real.
 */
import "reflect-metadata";
import { Langfuse, Observe, propagateAttributes, updateCurrentGeneration } from "../../src";
import { printTree } from "../print-tree";

interface Doc {
  id: string;
  title: string;
  body: string;
}

const KNOWLEDGE_BASE: Doc[] = [
  { id: "kb-1", title: "Resetting your password", body: "Open Settings > Security and choose 'Reset password'." },
  { id: "kb-2", title: "Exporting invoices", body: "Invoices can be exported as CSV from Billing > History." },
  { id: "kb-3", title: "Two-factor authentication", body: "Enable 2FA in Settings > Security with any TOTP app." },
];

class DocSearch {
  /** A tool call: keyword search over the knowledge base. */
  @Observe({ asType: "tool" })
  async search(query: string, limit: number): Promise<Doc[]> {
    await new Promise((r) => setTimeout(r, 5));
    const words = query.toLowerCase().split(/\W+/).filter((w) => w.length > 3);
    return KNOWLEDGE_BASE.map((d) => ({ d, hits: words.filter((w) => `${d.title} ${d.body}`.toLowerCase().includes(w)).length }))
      .filter((x) => x.hits > 0)
      .sort((a, b) => b.hits - a.hits)
      .slice(0, limit)
      .map((x) => x.d);
  }
}

class FakeChatModel {
  readonly model = "demo-chat-1";

  /** A generation: records model, usage and cost like a real LLM call would. */
  @Observe("generation")
  async complete(messages: { role: "system" | "user"; content: string }[]): Promise<string> {
    await new Promise((r) => setTimeout(r, 10));
    const context = messages.find((m) => m.role === "system")?.content ?? "";
    const answer = context ? `Here is what I found: ${context.split("\n")[0]}` : "I could not find anything on that.";
    const inputTokens = messages.reduce((n, m) => n + m.content.split(/\s+/).length, 0);
    const outputTokens = answer.split(/\s+/).length;
    updateCurrentGeneration({
      model: this.model,
      modelParameters: { temperature: 0 },
      usageDetails: { input: inputTokens, output: outputTokens, total: inputTokens + outputTokens },
      costDetails: { total: (inputTokens + outputTokens) * 0.000002 },
    });
    return answer;
  }

  /** Streaming: the span stays open until the caller has read every chunk. */
  @Observe({ asType: "generation", name: "FakeChatModel.stream" })
  async *stream(text: string): AsyncGenerator<string> {
    for (const word of text.split(" ")) {
      await new Promise((r) => setTimeout(r, 1));
      yield `${word} `;
    }
  }
}

class SupportAgent {
  constructor(
    private readonly search: DocSearch,
    private readonly llm: FakeChatModel,
  ) {}

  @Observe({ asType: "agent" })
  async answer(question: string): Promise<string> {
    const docs = await this.search.search(question, 2);
    const context = docs.map((d) => `${d.title}: ${d.body}`).join("\n");
    const draft = await this.llm.complete([
      { role: "system", content: context },
      { role: "user", content: question },
    ]);
    let streamed = "";
    for await (const chunk of this.llm.stream(draft)) streamed += chunk;
    return streamed.trim();
  }
}

async function main(): Promise<void> {
  const langfuse = new Langfuse({ environment: "demo" });
  const agent = new SupportAgent(new DocSearch(), new FakeChatModel());

  let traceId = "";
  const reply = await propagateAttributes(
    { userId: "demo-user", sessionId: "demo-session", tags: ["demo", "support"], traceName: "support-question" },
    () =>
      langfuse.startAsCurrentObservation({ name: "handle-request", input: { question: "How do I reset my password?" } }, async (root) => {
        traceId = root.traceId;
        const out = await agent.answer("How do I reset my password?");
        root.update({ output: out });
        return out;
      }),
  );

  console.log(`\nreply: ${reply}`);
  console.log(`trace id: ${traceId}`);
  const result = await langfuse.flush();
  console.log(`spans delivered: ${result.delivered}, dropped: ${result.dropped}, failed: ${result.failed}`);
  for (const e of result.errors) console.log(`  error: ${e}`);

  if (langfuse.config.mode === "local") {
    const trace = await langfuse.api.traces.get(traceId);
    console.log(`stored trace "${trace.name}" for user ${trace.userId} (tags: ${trace.tags.join(", ")}):`);
    printTree(trace);
    console.log(`data went to the embedded store at ${langfuse.config.localDbPath}; browse it with: npm run serve`);
  } else {
    console.log(`data went to ${langfuse.config.baseUrl} (trace ${traceId})`);
  }
  const shutdown = await langfuse.shutdown();
  if (shutdown.failed || shutdown.dropped) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

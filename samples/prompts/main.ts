/**
 * Prompt management in a class-based app, on the embedded store (no keys, no server):
 *
 *   npm run sample:prompts
 *
 * 1. PromptAdmin publishes prompts: a text prompt in two versions and a chat prompt with a
 *    history placeholder, then promotes version 2 to `production` (labels move).
 * 2. Services receive `@Prompt` refs, by constructor injection (tsyringe) and as `declare`d
 *    fields (no container), and compile them inside `@Observe("generation")` methods, which
 *    links each generation to the prompt version it used.
 * 3. The run is read back from the store: each generation with its linked prompt version.
 *
 * Data goes to LANGFUSE_LOCAL_DB (default .langfuse/langfuse.db); `npm run serve`
 * shows it over the Langfuse API. Set LANGFUSE_PUBLIC_KEY/SECRET_KEY/BASE_URL to use a server.
 */
import "reflect-metadata";
import { container, injectable } from "tsyringe";
import {
  type ChatMessage,
  type ChatPromptClient,
  Langfuse,
  Observe,
  Prompt,
  type PromptRef,
  registerLangfuse,
  type TextPromptClient,
} from "../../src";

/** Stands in for an LLM SDK: deterministic, so the sample runs offline. */
class EchoModel {
  readonly name = "echo-1";
  complete(input: string | ChatMessage[]): string {
    const text = typeof input === "string" ? input : input.map((m) => `${m.role}: ${m.content}`).join(" | ");
    return `[${this.name}] ${text.length} chars in; first words: ${text.split(/\s+/).slice(0, 6).join(" ")}`;
  }
}

class PromptAdmin {
  constructor(private readonly langfuse: Langfuse) {}

  /** Creates the prompts (each run adds new versions) and promotes the improved critic. */
  async publish(): Promise<{ critic: number; assistant: number }> {
    await this.langfuse.createPrompt({
      name: "movie-critic",
      prompt: "As a {{level}} movie critic, rate {{movie}} out of 10.",
      labels: ["production"],
      config: { model: "echo-1", temperature: 0.7 },
      tags: ["sample"],
      commitMessage: "first draft",
    });
    const improved = await this.langfuse.createPrompt({
      name: "movie-critic",
      prompt: "You are a {{level}} critic. Rate {{movie}} out of 10 and give one reason.",
      labels: ["staging"],
      config: { model: "echo-1", temperature: 0.3 },
      commitMessage: "ask for a reason",
    });
    // Promote: `production` moves from the first draft to the improved version.
    await this.langfuse.updatePrompt({ name: "movie-critic", version: improved.version, newLabels: ["production"] });

    const assistant = await this.langfuse.createPrompt({
      name: "support/assistant", // a folder name
      type: "chat",
      prompt: [
        { role: "system", content: "You are the support assistant of {{product}}. Be brief." },
        { type: "placeholder", name: "history" },
        { role: "user", content: "{{question}}" },
      ],
      labels: ["production"],
    });
    return { critic: improved.version, assistant: assistant.version };
  }
}

/** Constructor injection through tsyringe: the refs come from the container's client. */
@injectable()
class MovieCriticService {
  private readonly model = new EchoModel();

  constructor(@Prompt("movie-critic") private readonly critic: PromptRef<TextPromptClient>) {}

  @Observe("generation")
  async review(movie: string): Promise<string> {
    const prompt = await this.critic.compile({ level: "seasoned", movie });
    return this.model.complete(prompt);
  }
}

/** Field injection, no container: `declare` fields work under every class-field setting. */
class SupportService {
  @Prompt("support/assistant", { type: "chat" }) declare assistant: PromptRef<ChatPromptClient>;
  @Prompt("support/escalation", { fallback: "Escalate to a human: {{question}}" }) declare escalation: PromptRef<TextPromptClient>;
  private readonly model = new EchoModel();

  @Observe("generation")
  async answer(question: string, history: ChatMessage[]): Promise<string> {
    const messages = await this.assistant.compile({ product: "ACME Cloud", question }, { history });
    return this.model.complete(messages as ChatMessage[]);
  }

  /** The escalation prompt was never created: the fallback is used and not linked. */
  @Observe("generation")
  async escalate(question: string): Promise<string> {
    return this.model.complete(await this.escalation.compile({ question }));
  }
}

class App {
  constructor(
    private readonly langfuse: Langfuse,
    private readonly critic: MovieCriticService,
    private readonly support: SupportService,
  ) {}

  @Observe({ name: "prompts-sample" })
  async run(): Promise<string | undefined> {
    console.log(await this.critic.review("Dune: Part Two"));
    console.log(await this.support.answer("How do I rotate my API key?", [
      { role: "user", content: "Hi, I use the {{free}} plan" }, // user text is never template-expanded
      { role: "assistant", content: "Hello! How can I help?" },
    ]));
    console.log(await this.support.escalate("My invoice is wrong"));
    return this.langfuse.getCurrentTraceId();
  }
}

async function main(): Promise<void> {
  const langfuse = new Langfuse(); // no keys: the embedded store
  const versions = await new PromptAdmin(langfuse).publish();
  console.log(`movie-critic: version ${versions.critic} promoted to production; support/assistant: version ${versions.assistant}`);

  const di = registerLangfuse(container.createChildContainer(), { client: langfuse });
  const app = new App(langfuse, di.resolve(MovieCriticService), new SupportService());
  const traceId = await app.run();
  await langfuse.flush();

  if (traceId !== undefined) {
    const { data } = await langfuse.api.observations.list({ traceId, type: "GENERATION", limit: 50 });
    console.log("\nGenerations and their linked prompt versions:");
    for (const o of data) {
      console.log(`  ${o.name}: ${o.promptName ? `${o.promptName} v${o.promptVersion}` : "(not linked: fallback prompt)"}`);
    }
  }
  await langfuse.shutdown();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

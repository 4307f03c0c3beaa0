/**
 * @Prompt as a field decorator with no container: the ref uses the default client. A real
 * local-mode client (embedded store on a temp file) stores the prompts and the spans, so the
 * generation link is checked on the observation rows the ingestion mapping wrote.
 */
import "reflect-metadata";
import { join } from "node:path";
import { Langfuse, LangfuseValidationError, Observe } from "../../src";
import { ChatPromptClient, TextPromptClient } from "../../src/prompts/prompt-clients";
import { Prompt, getPromptInjections } from "../../decorators/prompt.decorator";
import { PromptRef } from "../../src/prompts/prompt-ref";
import { tempDir } from "../prompts/helpers";

describe("@Prompt on fields (no container)", () => {
  const tmp = tempDir("lf-prompt-dec-");
  let langfuse: Langfuse;
  let info: jest.SpyInstance;

  beforeAll(async () => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    langfuse = new Langfuse({ localDbPath: join(tmp.dir, "langfuse.db"), flushInterval: 60 });
    await langfuse.createPrompt({ name: "movie-critic", prompt: "As a {{level}} critic, rate {{movie}}.", labels: ["production"] });
    await langfuse.createPrompt({ name: "movie-critic", prompt: "v2: as a {{level}} critic, rate {{movie}}.", labels: ["staging"] });
    await langfuse.createPrompt({
      name: "support/chat",
      type: "chat",
      prompt: [
        { role: "system", content: "You help with {{product}}" },
        { type: "placeholder", name: "history" },
      ],
      labels: ["production"],
    });
  });

  afterAll(async () => {
    await langfuse.shutdown();
    info.mockRestore();
    tmp.remove();
  });

  class CriticService {
    @Prompt("movie-critic") declare critic: PromptRef<TextPromptClient>;
    @Prompt("movie-critic", { label: "staging" }) declare staging: PromptRef<TextPromptClient>;
    @Prompt("movie-critic", { version: 1, cacheTtlSeconds: 0 }) declare pinned: PromptRef<TextPromptClient>;
    @Prompt("support/chat", { type: "chat" }) declare support: PromptRef<ChatPromptClient>;
    @Prompt("not-there", { fallback: "Fallback about {{movie}}" }) declare missing: PromptRef<TextPromptClient>;

    @Observe("generation")
    async review(movie: string): Promise<string> {
      const text = await this.critic.compile({ level: "expert", movie });
      return `LLM(${text})`;
    }

    @Observe("generation")
    async reviewWithFallback(movie: string): Promise<string> {
      return this.missing.compile({ movie });
    }

    @Observe("span")
    async notAGeneration(movie: string): Promise<string> {
      return this.critic.compile({ level: "casual", movie });
    }
  }

  it("injects PromptRefs that read through the cache", async () => {
    const svc = new CriticService();
    expect(svc.critic).toBeInstanceOf(PromptRef);
    expect(svc.critic).toBe(svc.critic); // one ref per instance and field
    expect(new CriticService().critic).not.toBe(svc.critic);
    expect((await svc.critic.get()).version).toBe(1);
    expect((await svc.staging.get()).version).toBe(2);
    expect(await svc.pinned.compile({ level: "a", movie: "b" })).toBe("As a a critic, rate b.");
    expect(await svc.support.compile({ product: "Langfuse" }, { history: [{ role: "user", content: "hi {{product}}" }] })).toEqual([
      { role: "system", content: "You help with Langfuse" },
      { role: "user", content: "hi {{product}}" },
    ]);
    const fb = await svc.missing.get();
    expect(fb).toMatchObject({ isFallback: true, version: 0 });
  });

  it("links the active generation to the prompt version (never a fallback, never a span)", async () => {
    const svc = new CriticService();
    expect(await svc.review("Dune")).toBe("LLM(As a expert critic, rate Dune.)");
    expect(await svc.reviewWithFallback("Alien")).toBe("Fallback about Alien");
    expect(await svc.notAGeneration("Heat")).toBe("As a casual critic, rate Heat.");
    await langfuse.flush();

    const observations = (await langfuse.api.observations.list({ limit: 100 })).data;
    const byName = (name: string) => observations.find((o) => o.name === name);
    const linked = byName("CriticService.review");
    expect(linked).toMatchObject({ type: "GENERATION", promptName: "movie-critic", promptVersion: 1 });
    expect(linked?.promptId).toEqual(expect.any(String));
    expect(byName("CriticService.reviewWithFallback")).toMatchObject({ type: "GENERATION", promptName: null, promptVersion: null });
    expect(byName("CriticService.notAGeneration")).toMatchObject({ promptName: null, promptVersion: null });
  });

  it("follows label moves within the cache TTL and allows explicit assignment", async () => {
    const svc = new CriticService();
    const manual = new PromptRef<TextPromptClient>("movie-critic", { version: 2 }, langfuse);
    svc.critic = manual;
    expect(svc.critic).toBe(manual);
    expect((await svc.critic.get()).version).toBe(2);
  });

  it("records the injections as metadata", () => {
    expect(getPromptInjections(CriticService).map((i) => [i.propertyKey, i.name])).toEqual([
      ["critic", "movie-critic"],
      ["staging", "movie-critic"],
      ["pinned", "movie-critic"],
      ["support", "support/chat"],
      ["missing", "not-there"],
    ]);
  });

  it("rejects bad declarations when the class is defined", () => {
    expect(() => Prompt("")).toThrow(LangfuseValidationError);
    expect(() => Prompt("x", { version: 1, label: "production" })).toThrow(/exclusive/);
    expect(() => Prompt("x", { version: 0 })).toThrow(/positive integer/);
    expect(() => Prompt("x", { type: "image" as never })).toThrow(LangfuseValidationError);
    expect(() => {
      class Bad {
        run(@Prompt("x") _p: unknown): void {}
      }
      return Bad;
    }).toThrow(/constructor parameter/);
  });
});

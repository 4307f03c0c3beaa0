/**
 * Linking prompts to generations, end to end: the client records spans, they are exported
 * (local: into the embedded store; HTTP: OTLP to the local server) and the observation rows
 * are read back through the API. Checks every way to link, and that fallbacks never link.
 */
import "reflect-metadata";
import { Langfuse, Observe } from "../../src";
import type { Observation } from "../../src/api/types";
import type { ChatPromptClient, TextPromptClient } from "../../src/prompts/prompt-clients";
import { Prompt } from "../../decorators/prompt.decorator";
import type { PromptRef } from "../../src/prompts/prompt-ref";

export interface LinkingFixture {
  langfuse: Langfuse;
  close(): Promise<void>;
}

export function linkingSuite(mode: string, makeFixture: () => Promise<LinkingFixture>): void {
  describe(`prompt → generation links (${mode})`, () => {
    let fx: LinkingFixture;
    let langfuse: Langfuse;
    const quiet: jest.SpyInstance[] = [];

    beforeAll(async () => {
      quiet.push(jest.spyOn(console, "info").mockImplementation(() => undefined), jest.spyOn(console, "warn").mockImplementation(() => undefined));
      fx = await makeFixture();
      langfuse = fx.langfuse;
      await langfuse.createPrompt({ name: "link/text", prompt: "Summarize {{doc}}", labels: ["production"] });
      await langfuse.createPrompt({ name: "link/text", prompt: "Summarize briefly: {{doc}}", labels: ["production"] });
      await langfuse.createPrompt({ name: "link/chat", type: "chat", prompt: [{ role: "user", content: "{{q}}" }], labels: ["production"] });
    });

    afterAll(async () => {
      await fx.close();
      quiet.forEach((s) => s.mockRestore());
    });

    async function observations(traceId: string): Promise<Observation[]> {
      await langfuse.flush();
      // HTTP ingestion commits before the OTLP request is answered, so one read suffices.
      return (await langfuse.api.observations.list({ traceId, limit: 100 })).data;
    }

    class Summarizer {
      @Prompt("link/text") declare summary: PromptRef<TextPromptClient>;
      @Prompt("link/chat", { type: "chat", version: 1 }) declare chat: PromptRef<ChatPromptClient>;
      @Prompt("link/missing", { fallback: "fallback {{doc}}", maxRetries: 0 }) declare missing: PromptRef<TextPromptClient>;

      @Observe("generation")
      async summarize(doc: string): Promise<string> {
        return this.summary.compile({ doc });
      }

      @Observe("generation")
      async ask(q: string): Promise<unknown> {
        return this.chat.compile({ q });
      }

      @Observe("generation")
      async withFallback(doc: string): Promise<string> {
        return this.missing.compile({ doc });
      }

      @Observe()
      async root(): Promise<string | undefined> {
        await this.summarize("a long text");
        await this.ask("why?");
        await this.withFallback("x");
        return langfuse.getCurrentTraceId();
      }
    }

    it("links through @Prompt refs compiled inside @Observe generations", async () => {
      // The decorator's refs use the default client: make sure it is this one.
      const traceId = await new Summarizer().root();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      const obs = await observations(traceId!);
      const by = (name: string) => obs.find((o) => o.name === name);
      expect(by("Summarizer.summarize")).toMatchObject({ type: "GENERATION", promptName: "link/text", promptVersion: 2 });
      expect(by("Summarizer.ask")).toMatchObject({ type: "GENERATION", promptName: "link/chat", promptVersion: 1 });
      expect(by("Summarizer.withFallback")).toMatchObject({ type: "GENERATION", promptName: null, promptVersion: null });
      expect(by("Summarizer.root")).toMatchObject({ promptName: null });
    });

    it("links prompt clients passed to startObservation, startAsCurrentObservation and updateCurrentGeneration", async () => {
      const prompt = await langfuse.getPrompt("link/text", { type: "text" });
      const v1 = await langfuse.getPrompt("link/text", { version: 1 });
      const fallback = await langfuse.getPrompt("link/nowhere", { fallback: "fb", maxRetries: 0 });
      expect(fallback.isFallback).toBe(true);

      const traceId = await langfuse.startAsCurrentObservation({ name: "root" }, async (root) => {
        langfuse.startObservation({ name: "manual", asType: "generation", prompt, parentSpanContext: root.otelSpan.spanContext() }).end();
        await langfuse.startAsCurrentObservation({ name: "as-current", asType: "generation", prompt: v1 }, async () => undefined);
        await langfuse.startAsCurrentObservation({ name: "updated", asType: "generation" }, async () => {
          langfuse.updateCurrentGeneration({ prompt });
        });
        await langfuse.startAsCurrentObservation({ name: "fallback", asType: "generation", prompt: fallback }, async () => {
          langfuse.updateCurrentGeneration({ prompt: fallback });
        });
        return langfuse.getCurrentTraceId();
      });
      const obs = await observations(traceId!);
      const by = (name: string) => obs.find((o) => o.name === name);
      expect(by("manual")).toMatchObject({ promptName: "link/text", promptVersion: 2 });
      expect(by("as-current")).toMatchObject({ promptName: "link/text", promptVersion: 1 });
      expect(by("updated")).toMatchObject({ promptName: "link/text", promptVersion: 2 });
      expect(by("fallback")).toMatchObject({ promptName: null, promptVersion: null });
    });
  });
}

/**
 * The PromptManager contract, run against each real back-end (local store, HTTP server).
 * Requests are counted at the API layer by CountingApi around the real API.
 */
import { LangfuseApiError } from "../../src/api/errors";
import { LangfuseError, LangfuseValidationError } from "../../src/errors";
import { ChatPromptClient, TextPromptClient } from "../../src/prompts/prompt-clients";
import { PromptManager } from "../../src/prompts/prompt-manager";
import { type ApiFixture, CountingApi, ManualClock } from "./helpers";

export function promptManagerSuite(mode: string, makeFixture: () => Promise<ApiFixture>): void {
  describe(`PromptManager (${mode})`, () => {
    let fixture: ApiFixture;
    let api: CountingApi;
    let clock: ManualClock;
    let prompts: PromptManager;
    /** A second manager on the same back-end: changes the server without touching `prompts`' cache. */
    let other: PromptManager;
    let warn: jest.SpyInstance;

    beforeEach(async () => {
      fixture = await makeFixture();
      api = new CountingApi(fixture.api);
      clock = new ManualClock();
      prompts = new PromptManager({ api, clock, retryBaseDelayMs: 1 });
      other = new PromptManager({ api: fixture.api });
      warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    });

    afterEach(async () => {
      warn.mockRestore();
      await fixture.close();
    });

    it("creates text prompts; a second create makes a new version; production is the default", async () => {
      const v1 = await prompts.createPrompt({ name: "movie-critic", prompt: "As a {{level}} critic, rate {{movie}}.", labels: ["production"], config: { model: "gpt-4o", temperature: 0.7 }, tags: ["critic"], commitMessage: "first" });
      expect(v1).toBeInstanceOf(TextPromptClient);
      expect(v1).toMatchObject({ name: "movie-critic", version: 1, type: "text", config: { model: "gpt-4o", temperature: 0.7 }, tags: ["critic"], commitMessage: "first", isFallback: false });
      expect([...v1.labels].sort()).toEqual(["latest", "production"]);
      const v2 = await prompts.createPrompt({ name: "movie-critic", prompt: "v2 {{movie}}" });
      expect(v2.version).toBe(2);
      expect(v2.labels).toEqual(["latest"]);
      expect(v2.tags).toEqual(["critic"]); // omitted tags keep the previous ones

      const prod = await prompts.getPrompt("movie-critic");
      expect(prod.version).toBe(1);
      expect((prod as TextPromptClient).compile({ level: "expert", movie: "Dune" })).toBe("As a expert critic, rate Dune.");
      expect((await prompts.getPrompt("movie-critic", { label: "latest" })).version).toBe(2);
      const exact = await prompts.getPrompt("movie-critic", { version: 2, type: "text" });
      expect(exact.prompt).toBe("v2 {{movie}}");
      expect(v2.config).toEqual({});
    });

    it("creates chat prompts with placeholders and compiles them", async () => {
      const created = await prompts.createPrompt({
        name: "chat-with-history",
        type: "chat",
        prompt: [
          { role: "system", content: "You are {{role}}" },
          { type: "placeholder", name: "chat_history" },
          { role: "user", content: "{{query}}" },
        ],
        labels: ["production"],
      });
      expect(created).toBeInstanceOf(ChatPromptClient);
      const p = await prompts.getPrompt("chat-with-history", { type: "chat" });
      expect(p.compile({ role: "helpful", query: "What now?" }, { chat_history: [{ role: "user", content: "I like sci-fi" }, { role: "assistant", content: "Try Dune" }] })).toEqual([
        { role: "system", content: "You are helpful" },
        { role: "user", content: "I like sci-fi" },
        { role: "assistant", content: "Try Dune" },
        { role: "user", content: "What now?" },
      ]);
      // type inferred from a list prompt
      const inferred = await prompts.createPrompt({ name: "inferred-chat", prompt: [{ role: "user", content: "hi" }] });
      expect(inferred.type).toBe("chat");
    });

    it("moves labels between versions with updatePrompt (merged, never `latest`)", async () => {
      await prompts.createPrompt({ name: "p", prompt: "one", labels: ["production", "staging"] });
      await prompts.createPrompt({ name: "p", prompt: "two" });
      await prompts.createPrompt({ name: "p", prompt: "three" });
      expect((await prompts.getPrompt("p")).prompt).toBe("one");

      const updated = await prompts.updatePrompt({ name: "p", version: 3, newLabels: ["production", "approved"] });
      expect([...updated.labels].sort()).toEqual(["approved", "latest", "production"]);
      // invalidated: the next get sees the promoted version at once
      expect((await prompts.getPrompt("p")).prompt).toBe("three");
      const v1 = await prompts.getPrompt("p", { version: 1 });
      expect(v1.labels).toEqual(["staging"]);

      // rollback
      await prompts.updatePrompt({ name: "p", version: 1, newLabels: ["production"] });
      expect((await prompts.getPrompt("p")).version).toBe(1);
      expect([...(await prompts.getPrompt("p", { version: 3 })).labels].sort()).toEqual(["approved", "latest"]);

      const before = api.getCount();
      await expect(prompts.updatePrompt({ name: "p", version: 1, newLabels: ["latest"] })).rejects.toThrow(LangfuseValidationError);
      await expect(prompts.updatePrompt({ name: "p", version: 0, newLabels: ["x"] })).rejects.toThrow(/version/);
      expect(api.getCount()).toBe(before);
      await expect(prompts.updatePrompt({ name: "p", version: 99, newLabels: ["x"] })).rejects.toMatchObject({ status: 404 });
    });

    it("supports folder names end to end", async () => {
      const name = "agents/support/greeting";
      await prompts.createPrompt({ name, prompt: "Hi {{name}}", labels: ["production"] });
      const got = await prompts.getPrompt(name);
      expect(got.name).toBe(name);
      expect((got as TextPromptClient).compile({ name: "Ann" })).toBe("Hi Ann");
      await prompts.createPrompt({ name, prompt: "Hello {{name}}" });
      await prompts.updatePrompt({ name, version: 2, newLabels: ["production"] });
      expect((await prompts.getPrompt(name)).prompt).toBe("Hello {{name}}");
      await expect(prompts.getPrompt("agents/support")).rejects.toMatchObject({ status: 404 });
      await expect(prompts.createPrompt({ name: "/leading", prompt: "x" })).rejects.toThrow(LangfuseValidationError);
      await expect(prompts.createPrompt({ name: "a//b", prompt: "x" })).rejects.toThrow(/'\/\/'/);
    });

    it("shares one request between 100 concurrent first fetches", async () => {
      await other.createPrompt({ name: "hot", prompt: "hot {{x}}", labels: ["production"] });
      const results = await Promise.all(Array.from({ length: 100 }, () => prompts.getPrompt("hot")));
      expect(api.getCount("hot")).toBe(1);
      expect(new Set(results).size).toBe(1);
      expect(results[0].version).toBe(1);
      await prompts.getPrompt("hot");
      expect(api.getCount("hot")).toBe(1); // fresh hit
    });

    it("serves a stale value at once and refreshes it once in the background", async () => {
      await other.createPrompt({ name: "swr", prompt: "v1", labels: ["production"] });
      expect((await prompts.getPrompt("swr", { cacheTtlSeconds: 20 })).prompt).toBe("v1");
      await other.createPrompt({ name: "swr", prompt: "v2", labels: ["production"] });

      clock.advanceSeconds(20); // still fresh at exactly the TTL
      expect((await prompts.getPrompt("swr", { cacheTtlSeconds: 20 })).prompt).toBe("v1");
      expect(api.getCount("swr")).toBe(1);

      clock.advanceSeconds(1); // stale
      const stale = await Promise.all(Array.from({ length: 10 }, () => prompts.getPrompt("swr", { cacheTtlSeconds: 20 })));
      expect(stale.every((p) => p.prompt === "v1")).toBe(true);
      await waitFor(() => !prompts.cache.isInFlight("swr", "production"));
      expect(api.getCount("swr")).toBe(2);
      expect((await prompts.getPrompt("swr", { cacheTtlSeconds: 20 })).prompt).toBe("v2");
      expect(api.getCount("swr")).toBe(2);
    });

    it("uses the default TTL of 60 s", async () => {
      await other.createPrompt({ name: "ttl", prompt: "x", labels: ["production"] });
      await prompts.getPrompt("ttl");
      clock.advanceSeconds(60);
      await prompts.getPrompt("ttl");
      expect(api.getCount("ttl")).toBe(1);
      clock.advanceSeconds(1);
      await prompts.getPrompt("ttl");
      await waitFor(() => !prompts.cache.isInFlight("ttl", "production"));
      expect(api.getCount("ttl")).toBe(2);
      const custom = new PromptManager({ api, clock, defaultCacheTtlSeconds: 5 });
      await custom.getPrompt("ttl");
      clock.advanceSeconds(6);
      await custom.getPrompt("ttl");
      await waitFor(() => !custom.cache.isInFlight("ttl", "production"));
      expect(api.getCount("ttl")).toBe(4);
    });

    it("always fetches with cacheTtlSeconds 0", async () => {
      await other.createPrompt({ name: "nocache", prompt: "v1", labels: ["production"] });
      await prompts.getPrompt("nocache", { cacheTtlSeconds: 0 });
      await other.createPrompt({ name: "nocache", prompt: "v2", labels: ["production"] });
      expect((await prompts.getPrompt("nocache", { cacheTtlSeconds: 0 })).prompt).toBe("v2");
      expect(api.getCount("nocache")).toBe(2);
    });

    it("keys the cache by version and label; no label equals production", async () => {
      await other.createPrompt({ name: "keys", prompt: "v1", labels: ["production"] });
      await other.createPrompt({ name: "keys", prompt: "v2", labels: ["staging"] });
      await prompts.getPrompt("keys");
      await prompts.getPrompt("keys", { label: "production" });
      expect(api.getCount("keys")).toBe(1);
      expect((await prompts.getPrompt("keys", { label: "staging" })).prompt).toBe("v2");
      expect((await prompts.getPrompt("keys", { version: 1 })).prompt).toBe("v1");
      expect(api.getCount("keys")).toBe(3);
    });

    it("evicts the entry when a refresh gets 404", async () => {
      await other.createPrompt({ name: "gone", prompt: "x", labels: ["production"] });
      await prompts.getPrompt("gone");
      await fixture.api.prompts.delete("gone");
      clock.advanceSeconds(61);
      expect((await prompts.getPrompt("gone")).prompt).toBe("x"); // stale served, refresh starts
      await waitFor(() => prompts.cache.get("gone", "production") === undefined);
      await expect(prompts.getPrompt("gone")).rejects.toMatchObject({ status: 404 });
      const fb = await prompts.getPrompt("gone", { fallback: "fallback text" });
      expect(fb).toMatchObject({ isFallback: true, version: 0, prompt: "fallback text" });
    });

    it("returns the fallback only when nothing is cached and the fetch failed", async () => {
      const fb = await prompts.getPrompt("missing", { fallback: "Hello {{name}}", maxRetries: 0 });
      expect(fb).toBeInstanceOf(TextPromptClient);
      expect(fb).toMatchObject({ name: "missing", isFallback: true, version: 0, labels: [], config: {}, tags: [] });
      expect((fb as TextPromptClient).compile({ name: "A" })).toBe("Hello A");
      const chatFb = await prompts.getPrompt("missing", { type: "chat", label: "staging", fallback: [{ role: "system", content: "be {{x}}" }] });
      expect(chatFb).toBeInstanceOf(ChatPromptClient);
      expect(chatFb).toMatchObject({ isFallback: true, version: 0, labels: ["staging"] });
      expect(chatFb.compile({ x: "kind" })).toEqual([{ role: "system", content: "be kind" }]);
      // the fallback is never cached
      await other.createPrompt({ name: "missing", prompt: "real", labels: ["production"] });
      expect(await prompts.getPrompt("missing", { fallback: "fb" })).toMatchObject({ prompt: "real", isFallback: false, version: 1 });
      // an empty fallback counts as none; a fallback of the wrong type is an error
      await expect(prompts.getPrompt("other-missing", { fallback: "" })).rejects.toMatchObject({ status: 404 });
      await expect(prompts.getPrompt("other-missing", { type: "text", fallback: [{ role: "user", content: "x" }] })).rejects.toThrow(LangfuseValidationError);
    });

    it("serves cached values when the back-end goes down, and falls back when nothing is cached", async () => {
      await other.createPrompt({ name: "resilient", prompt: "cached {{x}}", labels: ["production"] });
      await prompts.getPrompt("resilient");
      await fixture.takeDown();

      clock.advanceSeconds(120); // stale: served, the refresh fails quietly
      expect((await prompts.getPrompt("resilient", { maxRetries: 0 })).prompt).toBe("cached {{x}}");
      await waitFor(() => !prompts.cache.isInFlight("resilient", "production"));
      expect((await prompts.getPrompt("resilient", { maxRetries: 0 })).prompt).toBe("cached {{x}}");
      // TTL 0 would fetch, but the network failure serves the cached value
      expect((await prompts.getPrompt("resilient", { cacheTtlSeconds: 0, maxRetries: 0 })).prompt).toBe("cached {{x}}");

      const fb = await prompts.getPrompt("never-cached", { fallback: "fb", maxRetries: 1 });
      expect(fb).toMatchObject({ isFallback: true, version: 0, prompt: "fb" });
      await expect(prompts.getPrompt("never-cached", { maxRetries: 0 })).rejects.toThrow();
    });

    it("invalidates exactly the created / updated name (no prefix matches)", async () => {
      await other.createPrompt({ name: "a", prompt: "a1", labels: ["production"] });
      await other.createPrompt({ name: "ab", prompt: "ab1", labels: ["production"] });
      await other.createPrompt({ name: "a/b", prompt: "a/b1", labels: ["production"] });
      await prompts.getPrompt("a");
      await prompts.getPrompt("ab");
      await prompts.getPrompt("a/b");
      await prompts.getPrompt("a", { version: 1 });
      await prompts.createPrompt({ name: "a", prompt: "a2", labels: ["production"] });
      expect(prompts.cache.get("a", "production")).toBeUndefined();
      expect(prompts.cache.get("a", 1)).toBeUndefined();
      expect(prompts.cache.get("ab", "production")).toBeDefined();
      expect(prompts.cache.get("a/b", "production")).toBeDefined();
      expect((await prompts.getPrompt("a")).prompt).toBe("a2");
      await prompts.updatePrompt({ name: "ab", version: 1, newLabels: ["x"] });
      expect(prompts.cache.get("ab", "production")).toBeUndefined();
      expect(prompts.cache.get("a", "production")).toBeDefined();
    });

    it("deletePrompt removes versions and invalidates that name", async () => {
      await prompts.createPrompt({ name: "del", prompt: "v1", labels: ["production"] });
      await prompts.createPrompt({ name: "del", prompt: "v2", labels: ["staging"] });
      await prompts.getPrompt("del");
      await prompts.getPrompt("del", { label: "staging" });
      await prompts.deletePrompt("del", { version: 2 });
      expect(prompts.cache.get("del", "production")).toBeUndefined();
      await expect(prompts.getPrompt("del", { label: "staging" })).rejects.toMatchObject({ status: 404 });
      expect((await prompts.getPrompt("del", { label: "latest" })).version).toBe(1); // latest re-attached
      await prompts.deletePrompt("del");
      await expect(prompts.getPrompt("del", { version: 1 })).rejects.toMatchObject({ status: 404 });
      await expect(prompts.deletePrompt("del", { version: 1, label: "x" })).rejects.toThrow(LangfuseValidationError);
    });

    it("does not store a fetch result that raced with createPrompt", async () => {
      await other.createPrompt({ name: "race", prompt: "old", labels: ["production"] });
      api.delayMs = 300;
      api.delayAfterRead = true; // the in-flight request has read "old" before the create
      const inFlight = prompts.getPrompt("race");
      await waitFor(() => api.readsDone === 1); // the read is done; the response is still "in flight"
      await prompts.createPrompt({ name: "race", prompt: "new", labels: ["production"] });
      expect((await inFlight).prompt).toBe("old");
      expect(prompts.cache.get("race", "production")).toBeUndefined();
      api.delayMs = 0;
      expect((await prompts.getPrompt("race")).prompt).toBe("new");
      expect(api.getCount("race")).toBe(2);
    });

    it("retries transient failures up to maxRetries and times out slow fetches", async () => {
      await other.createPrompt({ name: "flaky", prompt: "ok", labels: ["production"] });
      api.faults.push(new LangfuseApiError(503, "unavailable"), new LangfuseApiError(0, "connection refused"));
      expect((await prompts.getPrompt("flaky", { maxRetries: 2 })).prompt).toBe("ok");
      expect(api.getCount("flaky")).toBe(3);

      api.faults.push(new LangfuseApiError(503, "a"), new LangfuseApiError(503, "b"));
      await expect(prompts.getPrompt("flaky", { maxRetries: 1, cacheTtlSeconds: 0, fallback: undefined })).resolves.toMatchObject({ prompt: "ok" }); // cached value served
      prompts.cache.invalidate("flaky");
      api.faults.push(new LangfuseApiError(503, "a"), new LangfuseApiError(503, "b"));
      await expect(prompts.getPrompt("flaky", { maxRetries: 1 })).rejects.toMatchObject({ status: 503 });

      // 4xx is not retried
      const before = api.getCount("flaky");
      api.faults.push(new LangfuseApiError(401, "unauthorized"));
      await expect(prompts.getPrompt("flaky", { maxRetries: 3 })).rejects.toMatchObject({ status: 401 });
      expect(api.getCount("flaky")).toBe(before + 1);

      api.delayMs = 200;
      await expect(prompts.getPrompt("flaky", { cacheTtlSeconds: 0, fetchTimeoutMs: 20, maxRetries: 0 })).rejects.toMatchObject({ code: "TIMEOUT" });
      const err = await prompts.getPrompt("flaky", { cacheTtlSeconds: 0, fetchTimeoutMs: 20, maxRetries: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LangfuseError);
    });

    it("checks the requested type", async () => {
      await other.createPrompt({ name: "typed", type: "chat", prompt: [{ role: "user", content: "x" }], labels: ["production"] });
      await expect(prompts.getPrompt("typed", { type: "text" })).rejects.toThrow(/is a chat prompt, but type 'text'/);
      await expect(prompts.getPrompt("typed", { type: "text" })).rejects.toThrow(LangfuseValidationError); // cached path too
      const chat: ChatPromptClient = await prompts.getPrompt("typed", { type: "chat" });
      expect(chat.type).toBe("chat");
    });

    it("rejects bad input with typed errors before any request", async () => {
      const bad: Array<Promise<unknown>> = [
        prompts.getPrompt("x", { version: 1, label: "production" }),
        prompts.getPrompt(""),
        prompts.getPrompt("x", { version: 1.5 }),
        prompts.getPrompt("x", { cacheTtlSeconds: -1 }),
        prompts.getPrompt("x", { maxRetries: -1 }),
        prompts.getPrompt("x", { fetchTimeoutMs: 0 }),
        prompts.getPrompt("x", { type: "image" as never }),
        prompts.createPrompt({ name: "", prompt: "x" }),
        prompts.createPrompt({ name: "x", type: "text", prompt: [{ role: "user", content: "x" }] as never }),
        prompts.createPrompt({ name: "x", type: "chat", prompt: "x" as never }),
        prompts.createPrompt({ name: "x", type: "chat", prompt: [{ role: "user" } as never] }),
        prompts.createPrompt({ name: "x", type: "chat", prompt: [{ type: "placeholder", name: "1bad" }] }),
        prompts.createPrompt({ name: "x", prompt: "x", labels: ["Production"] }),
        prompts.createPrompt({ name: "x", prompt: "x", config: [] as never }),
        prompts.createPrompt({ name: "x|y", prompt: "x" }),
      ];
      for (const p of bad) await expect(p).rejects.toBeInstanceOf(LangfuseValidationError);
      expect(api.getCount()).toBe(0);
    });
  });
}

/** Polls a condition on the event loop (bounded: at most 2,000 turns of 2 ms). */
export async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error("condition not reached");
}

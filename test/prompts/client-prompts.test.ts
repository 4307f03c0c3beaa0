/**
 * The prompt methods of the `Langfuse` client: default TTL from the environment / options,
 * typed overloads, and the shared cache of one client. Local mode, clients sharing one store
 * file (each opens its own connection; SQLite WAL).
 */
import { join } from "node:path";
import { Langfuse, LangfuseValidationError } from "../../src";
import type { ChatPromptClient, TextPromptClient } from "../../src/prompts/prompt-clients";
import { tempDir } from "./helpers";

describe("Langfuse client prompt methods", () => {
  const tmp = tempDir("lf-client-prompts-");
  const dbPath = join(tmp.dir, "shared.db");
  const clients: Langfuse[] = [];
  let info: jest.SpyInstance;

  const client = (options: ConstructorParameters<typeof Langfuse>[0] = {}): Langfuse => {
    const c = new Langfuse({ localDbPath: dbPath, tracingEnabled: false, ...options });
    clients.push(c);
    return c;
  };

  beforeAll(() => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  });

  afterAll(async () => {
    for (const c of clients) await c.shutdown();
    info.mockRestore();
    tmp.remove();
  });

  it("uses LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS (0 = always fetch) and the option", async () => {
    const writer = client();
    await writer.createPrompt({ name: "env-ttl", prompt: "v1", labels: ["production"] });

    const saved = process.env.LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS;
    process.env.LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS = "0";
    let fromEnv: Langfuse;
    try {
      fromEnv = client();
    } finally {
      if (saved === undefined) delete process.env.LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS;
      else process.env.LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS = saved;
    }
    const fromOption = client({ promptCacheDefaultTtlSeconds: 0 });
    const cached = client(); // default 60 s

    for (const c of [fromEnv, fromOption, cached]) expect((await c.getPrompt("env-ttl")).prompt).toBe("v1");
    await writer.createPrompt({ name: "env-ttl", prompt: "v2", labels: ["production"] });
    expect((await fromEnv.getPrompt("env-ttl")).prompt).toBe("v2");
    expect((await fromOption.getPrompt("env-ttl")).prompt).toBe("v2");
    expect((await cached.getPrompt("env-ttl")).prompt).toBe("v1"); // still fresh in its cache
    expect((await cached.getPrompt("env-ttl", { cacheTtlSeconds: 0 })).prompt).toBe("v2");
  });

  it("returns typed clients from the overloads and shares one cache per client", async () => {
    const c = client();
    const created: ChatPromptClient = await c.createPrompt({ name: "typed-chat", type: "chat", prompt: [{ role: "user", content: "{{q}}" }], labels: ["production"] });
    expect(created.type).toBe("chat");
    const chat: ChatPromptClient = await c.getPrompt("typed-chat", { type: "chat" });
    const again = await c.getPrompt("typed-chat", { type: "chat" });
    expect(again).toBe(chat); // same cached instance
    const text: TextPromptClient = await c.createPrompt({ name: "typed-text", prompt: "{{a}}" });
    expect(text.compile({ a: "A" })).toBe("A");
    await expect(c.updatePrompt({ name: "typed-text", version: 1, newLabels: ["latest"] })).rejects.toThrow(LangfuseValidationError);
    await c.deletePrompt("typed-text");
    await expect(c.getPrompt("typed-text", { label: "latest" })).rejects.toMatchObject({ status: 404 });
  });
});

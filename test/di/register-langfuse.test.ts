/**
 * tsyringe integration: @Prompt constructor parameters resolved through registerLangfuse, with
 * real tsyringe containers and real local-mode clients (one embedded store each).
 */
import "reflect-metadata";
import { join } from "node:path";
import { container as globalContainer, injectable } from "tsyringe";
import { Langfuse, Observe } from "../../src";
import { LANGFUSE_CLIENT, LANGFUSE_PROMPT_REF_TRANSFORM } from "../../src/di/tokens";
import { registerLangfuse, resolveLangfuse } from "../../src/di/register-langfuse";
import type { ChatPromptClient, TextPromptClient } from "../../src/prompts/prompt-clients";
import { Prompt, getPromptInjections } from "../../decorators/prompt.decorator";
import { PromptRef } from "../../src/prompts/prompt-ref";
import { tempDir } from "../prompts/helpers";

@injectable()
class CriticService {
  constructor(
    @Prompt("movie-critic") readonly critic: PromptRef<TextPromptClient>,
    readonly langfuse: Langfuse,
    @Prompt("assistant", { type: "chat", cacheTtlSeconds: 5 }) readonly assistant: PromptRef<ChatPromptClient>,
  ) {}

  @Observe("generation")
  async review(movie: string): Promise<string> {
    return this.critic.compile({ movie });
  }
}

describe("registerLangfuse + @Prompt constructor parameters (tsyringe)", () => {
  const tmp = tempDir("lf-di-");
  let a: Langfuse;
  let b: Langfuse;
  let info: jest.SpyInstance;

  async function seed(client: Langfuse, who: string): Promise<void> {
    await client.createPrompt({ name: "movie-critic", prompt: `${who} reviews {{movie}}`, labels: ["production"] });
    await client.createPrompt({ name: "assistant", type: "chat", prompt: [{ role: "system", content: `${who} assists with {{topic}}` }], labels: ["production"] });
  }

  beforeAll(async () => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    a = new Langfuse({ localDbPath: join(tmp.dir, "a.db"), flushInterval: 60 });
    b = new Langfuse({ localDbPath: join(tmp.dir, "b.db"), tracingEnabled: false });
    await seed(a, "A");
    await seed(b, "B");
  });

  afterAll(async () => {
    await a.shutdown();
    await b.shutdown();
    info.mockRestore();
    tmp.remove();
  });

  it("injects refs bound to the resolving container's client, in child containers too", async () => {
    const root = registerLangfuse(globalContainer.createChildContainer(), { client: a });
    const child = registerLangfuse(root.createChildContainer(), { client: b });
    const grandchild = child.createChildContainer();

    const fromRoot = root.resolve(CriticService);
    const fromChild = child.resolve(CriticService);
    const fromGrandchild = grandchild.resolve(CriticService);

    expect(fromRoot.critic).toBeInstanceOf(PromptRef);
    expect(await fromRoot.critic.compile({ movie: "Dune" })).toBe("A reviews Dune");
    expect(await fromChild.critic.compile({ movie: "Dune" })).toBe("B reviews Dune");
    expect(await fromGrandchild.critic.compile({ movie: "Dune" })).toBe("B reviews Dune");
    expect(await fromChild.assistant.compile({ topic: "tests" })).toEqual([{ role: "system", content: "B assists with tests" }]);
    expect(fromChild.assistant.options).toEqual({ type: "chat", cacheTtlSeconds: 5 });

    expect(fromRoot.langfuse).toBe(a);
    expect(fromGrandchild.langfuse).toBe(b);
    expect(resolveLangfuse(child)).toBe(b);
    expect(child.resolve(LANGFUSE_CLIENT)).toBe(b);
    // a sibling of `child` still sees the root's client
    expect(resolveLangfuse(root.createChildContainer())).toBe(a);
  });

  it("links generations through injected refs", async () => {
    const root = registerLangfuse(globalContainer.createChildContainer(), { client: a });
    const svc = root.resolve(CriticService);
    expect(await svc.review("Heat")).toBe("A reviews Heat");
    await a.flush();
    const obs = (await a.api.observations.list({ name: "CriticService.review" })).data;
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({ type: "GENERATION", promptName: "movie-critic", promptVersion: 1 });
  });

  it("creates one client lazily from options when none is given", async () => {
    const c = registerLangfuse(globalContainer.createChildContainer(), { localDbPath: join(tmp.dir, "lazy.db"), tracingEnabled: false });
    const first = resolveLangfuse(c);
    expect(first).toBeInstanceOf(Langfuse);
    expect(c.resolve(Langfuse)).toBe(first);
    expect(first.config.localDbPath).toContain("lazy.db");
    await first.shutdown();
  });

  it("fails clearly without registration and on bad arguments", () => {
    const bare = globalContainer.createChildContainer();
    expect(() => bare.resolve(CriticService)).toThrow(/CriticService/);
    expect(() => registerLangfuse({} as never)).toThrow(/DependencyContainer/);
    expect(() => registerLangfuse(globalContainer.createChildContainer(), { client: {} as never })).toThrow(/Langfuse instance/);
    expect(globalContainer.isRegistered(LANGFUSE_PROMPT_REF_TRANSFORM)).toBe(false); // nothing leaked to the global container
  });

  it("records constructor-parameter injections as metadata", () => {
    expect(getPromptInjections(CriticService).map((i) => [i.parameterIndex, i.name]).sort()).toEqual([
      [0, "movie-critic"],
      [2, "assistant"],
    ]);
  });
});

describe("registerLangfuse without a client or options", () => {
  it("uses the default client (getClient()), not a second client beside it", async () => {
    const info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    const envDb = process.env.LANGFUSE_LOCAL_DB;
    process.env.LANGFUSE_LOCAL_DB = ":memory:"; // the default client created here stays in memory
    const { getClient } = await import("../../src/client/get-client");
    const { resolveClient } = await import("../../src/di/resolve-client");
    const child = globalContainer.createChildContainer();
    registerLangfuse(child);
    const fromContainer = resolveLangfuse(child);
    try {
      expect(fromContainer).toBe(getClient());
      expect(child.resolve(Langfuse)).toBe(fromContainer);
      // resolveClient: the container's client, else the default one.
      expect(resolveClient(child)).toBe(fromContainer);
      expect(resolveClient()).toBe(getClient());
      const own = globalContainer.createChildContainer();
      registerLangfuse(own, { localDbPath: ":memory:" });
      const ownClient = resolveLangfuse(own);
      expect(ownClient).not.toBe(fromContainer);
      await ownClient.shutdown();
    } finally {
      await fromContainer.shutdown();
      if (envDb === undefined) delete process.env.LANGFUSE_LOCAL_DB;
      else process.env.LANGFUSE_LOCAL_DB = envDb;
      info.mockRestore();
    }
  });
});

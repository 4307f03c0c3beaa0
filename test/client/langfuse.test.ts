import { trace } from "@opentelemetry/api";
import { getClient, Langfuse, LangfuseValidationError, Observe, propagateAttributes, type Flushable, type FlushReport } from "../../src";

const report = (name: string, over: Partial<FlushReport> = {}): FlushReport => ({ name, delivered: 0, dropped: 0, failed: 0, errors: [], ...over });

describe("Langfuse client", () => {
  let info: jest.SpyInstance;
  let warn: jest.SpyInstance;
  const clients: Langfuse[] = [];
  const make = (o: ConstructorParameters<typeof Langfuse>[0] = {}) => {
    const c = new Langfuse({ localDbPath: ":memory:", ...o });
    clients.push(c);
    return c;
  };
  beforeEach(() => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.shutdown();
    trace.disable();
    info.mockRestore();
    warn.mockRestore();
  });

  it("validates options with a typed error", () => {
    expect(() => new Langfuse({ flushAt: -1 })).toThrow(LangfuseValidationError);
  });

  it("local mode: spans go through the processor chain into the embedded store, readable via api", async () => {
    const lf = make();
    expect(lf.config.mode).toBe("local");
    expect(lf.spanProcessor.hasExporter).toBe(true);
    class Agent {
      @Observe({ asType: "tool" }) lookup(q: string) {
        return `found ${q}`;
      }
      @Observe({ asType: "agent" }) async run(q: string) {
        return this.lookup(q);
      }
    }
    let traceId = "";
    await propagateAttributes({ userId: "local-user", traceName: "local-trace" }, async () => {
      await lf.startAsCurrentObservation({ name: "root" }, async (root) => {
        traceId = root.traceId;
        await new Agent().run("x");
      });
    });
    const flushed = await lf.flush();
    expect(flushed).toMatchObject({ delivered: 3, dropped: 0, failed: 0 });
    const t = await lf.api.traces.get(traceId);
    expect(t.name).toBe("local-trace");
    expect(t.userId).toBe("local-user");
    expect(t.observations.map((o) => o.name).sort()).toEqual(["Agent.lookup", "Agent.run", "root"]);
    const tool = t.observations.find((o) => o.name === "Agent.lookup")!;
    expect(tool.type).toBe("TOOL");
    expect(tool.input).toBe("x");
    expect(tool.output).toBe("found x");
    expect(info.mock.calls.map((c) => String(c[0])).join("\n")).toContain("in-memory embedded store");
  });

  it("getClient: one client per public key, the first live client is the default", async () => {
    const a = make({ publicKey: "pk-a", secretKey: "sk-a", baseUrl: "http://127.0.0.1:9" });
    const b = make({ publicKey: "pk-b", secretKey: "sk-b", baseUrl: "http://127.0.0.1:9" });
    expect(getClient()).toBe(a);
    expect(getClient("pk-a")).toBe(a);
    expect(getClient("pk-b")).toBe(b);
    const unknown = getClient("pk-unknown");
    clients.push(unknown);
    expect(unknown.tracing.enabled).toBe(false);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain("No Langfuse client with public key pk-unknown");
    await a.shutdown();
    expect(getClient()).toBe(b);
    expect(getClient("pk-b")).toBe(b);
  });

  it("getClient() with no client creates one from the environment", async () => {
    const saved = process.env.LANGFUSE_LOCAL_DB;
    process.env.LANGFUSE_LOCAL_DB = ":memory:";
    try {
      const c = getClient();
      clients.push(c);
      expect(c).toBeInstanceOf(Langfuse);
      expect(getClient()).toBe(c);
    } finally {
      if (saved === undefined) delete process.env.LANGFUSE_LOCAL_DB;
      else process.env.LANGFUSE_LOCAL_DB = saved;
    }
  });

  it("flush() waits for every registered queue and aggregates their reports; a failing queue never rejects", async () => {
    const lf = make();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let slowDone = false;
    const slow: Flushable = {
      name: "scores",
      async flush() {
        await gate;
        slowDone = true;
        return report("scores", { delivered: 4, dropped: 1 });
      },
      async shutdown() {
        return report("scores");
      },
    };
    const broken: Flushable = {
      name: "links",
      flush: async () => {
        throw new Error("links queue exploded");
      },
      shutdown: async () => report("links"),
    };
    lf.registerFlushable(slow);
    lf.registerFlushable(broken);
    const pending = lf.flush();
    setTimeout(release, 5);
    const result = await pending;
    expect(slowDone).toBe(true);
    expect(result.delivered).toBe(4);
    expect(result.dropped).toBe(1);
    // "media" is the client's own media upload queue.
    expect(result.reports.map((r) => r.name).sort()).toEqual(["links", "media", "scores", "spans"]);
    expect(result.errors).toContain("links: links queue exploded");
  });

  it("shutdown() is idempotent, shuts every queue down and unregisters the client", async () => {
    const lf = make();
    let shutdowns = 0;
    lf.registerFlushable({
      name: "links",
      flush: async () => report("links"),
      shutdown: async () => {
        shutdowns++;
        return report("links", { delivered: 2 });
      },
    });
    const first = lf.shutdown();
    const second = lf.shutdown();
    expect(second).toBe(first);
    const result = await first;
    expect(shutdowns).toBe(1);
    expect(result.delivered).toBe(2);
    const other = make();
    expect(getClient()).toBe(other);
  });
});

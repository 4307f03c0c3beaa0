import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { getOriginalFunction, Langfuse, LangfuseSpanProcessor, Observe, observe, propagateAttributes } from "../../src";
import { pendingReachChecks, SEEN_BY_LANGFUSE_PROCESSOR } from "../../src/tracing/span-processor";
import { OtlpReceiver, TEST_KEYS } from "./helpers/otlp-receiver";

function hasGlobalProvider(): boolean {
  const delegate = (trace.getTracerProvider() as unknown as { getDelegate(): object }).getDelegate();
  return delegate.constructor.name !== "NoopTracerProvider";
}

describe("tracer set-up", () => {
  let warn: jest.SpyInstance;
  let info: jest.SpyInstance;
  const clients: Langfuse[] = [];
  beforeEach(() => {
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.shutdown();
    trace.disable();
    warn.mockRestore();
    info.mockRestore();
  });

  it("without a global provider: registers its own (ALS context, W3C propagators) and releases it on shutdown", async () => {
    const receiver = await new OtlpReceiver().start();
    try {
      expect(hasGlobalProvider()).toBe(false);
      const lf = new Langfuse({ ...TEST_KEYS, baseUrl: receiver.url });
      expect(lf.providerMode).toBe("owned-global");
      expect(hasGlobalProvider()).toBe(true);
      // Another library's tracer on the global provider goes through our processor (stamped).
      await propagateAttributes({ userId: "u" }, async () => {
        trace.getTracer("lib").startActiveSpan("lib-span", { attributes: { "gen_ai.system": "x" } }, (s) => s.end());
      });
      await lf.flush();
      expect(receiver.byName("lib-span").attributes["user.id"]).toBe("u"); // exported: it has gen_ai.* keys
      await lf.shutdown();
      expect(hasGlobalProvider()).toBe(false);
    } finally {
      await receiver.stop();
    }
  });

  it("with a foreign global provider: never replaces it, and warns once when it lacks a LangfuseSpanProcessor", () => {
    const userExporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider();
    provider.register();
    const lf = new Langfuse({ ...TEST_KEYS, baseUrl: "http://127.0.0.1:9" });
    clients.push(lf);
    expect(lf.providerMode).toBe("foreign-global");
    const f = observe(() => 1, { name: "on-foreign" });
    f();
    f();
    const warnings = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes("without a LangfuseSpanProcessor"));
    expect(warnings).toHaveLength(1);
    expect(userExporter.getFinishedSpans()).toHaveLength(0);
  });

  it("marks spans for the reach check only while a client waits for its first span (not every span, not after shutdown)", async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new LangfuseSpanProcessor({ exporter });
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    provider.register();
    const before = pendingReachChecks.count;
    const lf = new Langfuse({ ...TEST_KEYS, baseUrl: "http://127.0.0.1:9" });
    clients.push(lf);
    expect(pendingReachChecks.count).toBe(before + 1);
    const f = observe(() => 1, { name: "checked" });
    f();
    f();
    expect(pendingReachChecks.count).toBe(before);
    await lf.flush();
    const [first, second] = exporter.getFinishedSpans();
    expect((first as unknown as Record<symbol, unknown>)[SEEN_BY_LANGFUSE_PROCESSOR]).toBe(true);
    expect((second as unknown as Record<symbol, unknown>)[SEEN_BY_LANGFUSE_PROCESSOR]).toBeUndefined();
    // A client that never starts a span releases its pending check on shutdown.
    const idle = new Langfuse({ publicKey: "pk-lf-idle", secretKey: "sk-lf-idle", baseUrl: "http://127.0.0.1:9" });
    expect(pendingReachChecks.count).toBe(before + 1);
    await idle.shutdown();
    expect(pendingReachChecks.count).toBe(before);
    await provider.shutdown();
  });

  it("with a foreign provider that has a LangfuseSpanProcessor (user's NodeSDK): spans flow, no warning", async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new LangfuseSpanProcessor({ exporter, environment: "staging" });
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    provider.register();
    const lf = new Langfuse({ ...TEST_KEYS, baseUrl: "http://127.0.0.1:9" });
    clients.push(lf);
    class Svc {
      @Observe() async outer() {
        return this.inner();
      }
      @Observe() inner() {
        return 2;
      }
    }
    expect(await new Svc().outer()).toBe(2);
    // The client's flush() also force-flushes the user's provider (and so its Langfuse processor).
    const flushed = await lf.flush();
    expect(flushed.reports.map((r) => r.name)).toContain("provider");
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(["Svc.inner", "Svc.outer"]);
    const outer = spans.find((s) => s.name === "Svc.outer")!;
    expect(spans.find((s) => s.name === "Svc.inner")!.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(outer.attributes["langfuse.environment"]).toBe("staging");
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).not.toContain("without a LangfuseSpanProcessor");
    await provider.shutdown();
  });

  it("a standalone LangfuseSpanProcessor without keys records into the embedded store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lf-proc-"));
    const db = join(dir, "proc.db");
    try {
      const processor = new LangfuseSpanProcessor({ localDbPath: db });
      const provider = new NodeTracerProvider({ spanProcessors: [processor] });
      provider.register();
      const lf = new Langfuse({ localDbPath: db });
      clients.push(lf);
      expect(lf.providerMode).toBe("foreign-global");
      observe(() => "stored", { name: "standalone-local" })();
      await provider.shutdown(); // flushes and closes the processor's own store
      const list = await lf.api.observations.list({});
      expect(list.data.map((o) => o.name)).toEqual(["standalone-local"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("honours an explicit tracerProvider and leaves the global one alone", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new LangfuseSpanProcessor({ exporter })] });
    const lf = new Langfuse({ ...TEST_KEYS, baseUrl: "http://127.0.0.1:9", tracerProvider: provider });
    clients.push(lf);
    expect(lf.providerMode).toBe("explicit");
    expect(hasGlobalProvider()).toBe(false);
    lf.startObservation({ name: "explicit-span" }).end();
    await lf.flush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["explicit-span"]);
  });

  it("a second client gets an isolated provider: two projects never share a pipeline", async () => {
    const r1 = await new OtlpReceiver().start();
    const r2 = await new OtlpReceiver().start();
    try {
      const a = new Langfuse({ publicKey: "pk-a", secretKey: "sk-a", baseUrl: r1.url });
      const b = new Langfuse({ publicKey: "pk-b", secretKey: "sk-b", baseUrl: r2.url });
      clients.push(a, b);
      expect(a.providerMode).toBe("owned-global");
      expect(b.providerMode).toBe("owned-isolated");
      a.startObservation({ name: "for-a" }).end();
      b.startObservation({ name: "for-b" }).end();
      await a.flush();
      await b.flush();
      expect(r1.spans.map((s) => s.name)).toEqual(["for-a"]);
      expect(r2.spans.map((s) => s.name)).toEqual(["for-b"]);
      expect(r2.requests[0].headers["x-langfuse-public-key"]).toBe("pk-b");
    } finally {
      for (const c of clients.splice(0)) await c.shutdown();
      await r1.stop();
      await r2.stop();
    }
  });
});

describe("LANGFUSE_TRACING_ENABLED=false", () => {
  const saved = process.env.LANGFUSE_TRACING_ENABLED;
  afterEach(() => {
    if (saved === undefined) delete process.env.LANGFUSE_TRACING_ENABLED;
    else process.env.LANGFUSE_TRACING_ENABLED = saved;
    trace.disable();
  });

  it("is a true no-op: no provider, decorated methods behave exactly like undecorated ones", async () => {
    process.env.LANGFUSE_TRACING_ENABLED = "false";
    const info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    const lf = new Langfuse({ ...TEST_KEYS, baseUrl: "http://127.0.0.1:9" });
    try {
      expect(lf.providerMode).toBe("disabled");
      expect(hasGlobalProvider()).toBe(false);
      const token = { same: true };
      const promise = Promise.resolve(token);
      class Svc {
        x = 1;
        @Observe() m(a: number) {
          return a + this.x;
        }
        @Observe() p() {
          return promise;
        }
        @Observe() *g() {
          yield 1;
        }
        @Observe() boom() {
          throw new SyntaxError("same");
        }
      }
      const s = new Svc();
      expect(s.m(1)).toBe(2);
      expect(s.p()).toBe(promise); // identity, not a chained promise
      const gen = s.g();
      // The very generator object of the original function, not a wrapper.
      expect(Object.getPrototypeOf(gen) === getOriginalFunction(Svc.prototype.g).prototype).toBe(true);
      expect([...gen]).toEqual([1]);
      expect(() => s.boom()).toThrow(SyntaxError);
      const obs = lf.startObservation({ name: "noop" });
      expect(obs.isRecording()).toBe(false);
      expect(lf.startAsCurrentObservation({ name: "noop2" }, () => 3)).toBe(3);
      expect(lf.getCurrentTraceId()).toBeUndefined();
      const result = await lf.flush();
      expect(result).toMatchObject({ delivered: 0, dropped: 0, failed: 0 });
    } finally {
      await lf.shutdown();
      info.mockRestore();
    }
  });
});

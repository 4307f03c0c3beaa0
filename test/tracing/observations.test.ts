import {
  createTraceId,
  getCurrentObservationId,
  getCurrentTraceId,
  LangfuseAgent,
  LangfuseChain,
  LangfuseEmbedding,
  LangfuseEvaluator,
  LangfuseEvent,
  LangfuseGeneration,
  LangfuseGuardrail,
  LangfuseObservationBase,
  LangfuseRetriever,
  LangfuseSpan,
  LangfuseTool,
  OBSERVATION_TYPES,
  observe,
  updateCurrentGeneration,
  updateCurrentSpan,
  updateCurrentTrace,
} from "../../src";
import { startHarness, type Harness } from "./helpers/harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("observations and the client tracing API", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("creates the ten observation classes with id, traceId, type and the type attribute", async () => {
    const classes = {
      span: LangfuseSpan,
      generation: LangfuseGeneration,
      event: LangfuseEvent,
      agent: LangfuseAgent,
      tool: LangfuseTool,
      chain: LangfuseChain,
      retriever: LangfuseRetriever,
      evaluator: LangfuseEvaluator,
      embedding: LangfuseEmbedding,
      guardrail: LangfuseGuardrail,
    } as const;
    expect([...OBSERVATION_TYPES].sort()).toEqual(Object.keys(classes).sort());
    for (const t of OBSERVATION_TYPES) {
      const o = h.langfuse.startObservation({ name: `obs-${t}`, asType: t });
      expect(o).toBeInstanceOf(classes[t]);
      expect(o).toBeInstanceOf(LangfuseObservationBase);
      expect(o.type).toBe(t);
      expect(o.id).toMatch(/^[0-9a-f]{16}$/);
      expect(o.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(o.client).toBe(h.langfuse);
      expect(o.otelSpan.spanContext().spanId).toBe(o.id);
      if (t !== "event") o.end();
    }
    const spans = await h.spans();
    expect(spans).toHaveLength(10);
    for (const t of OBSERVATION_TYPES) {
      expect(spans.find((s) => s.name === `obs-${t}`)!.attributes["langfuse.observation.type"]).toBe(t);
    }
  });

  it("update() chains, merges metadata per key; level ERROR sets OTel status; updateTrace sets trace keys", async () => {
    const s = h.langfuse.startObservation({ name: "upd", metadata: { a: "1", b: 2 } });
    s.update({ metadata: { b: 3, c: [1] }, level: "ERROR", statusMessage: "bad", version: "v7" })
      .updateTrace({ name: "trace-n", userId: "u", sessionId: "s", tags: ["x"], public: true, input: { i: 1 }, output: "o", metadata: { m: "1" } })
      .end();
    const span = await h.span("upd");
    expect(span.attributes).toMatchObject({
      "langfuse.observation.metadata.a": "1",
      "langfuse.observation.metadata.b": "3",
      "langfuse.observation.metadata.c": "[1]",
      "langfuse.observation.level": "ERROR",
      "langfuse.observation.status_message": "bad",
      "langfuse.version": "v7",
      "langfuse.trace.name": "trace-n",
      "user.id": "u",
      "session.id": "s",
      "langfuse.trace.tags": ["x"],
      "langfuse.trace.public": true,
      "langfuse.trace.input": '{"i":1}',
      "langfuse.trace.output": "o",
      "langfuse.trace.metadata.m": "1",
    });
    expect(span.status).toMatchObject({ code: 2, message: "bad" });
  });

  it("child observations parent to the observation, events end at once and refuse updates", async () => {
    const root = h.langfuse.startObservation({ name: "root", asType: "agent" });
    const child = root.startObservation({ name: "child", asType: "generation", model: "m1" });
    const ev = child.startObservation({ name: "ev", asType: "event", output: "e" });
    ev.update({ output: "ignored" });
    expect(ev.isRecording()).toBe(false);
    child.end();
    root.end();
    const spans = await h.spans();
    const byName = (n: string) => spans.find((s) => s.name === n)!;
    expect(byName("child").parentSpanId).toBe(byName("root").spanId);
    expect(byName("ev").parentSpanId).toBe(byName("child").spanId);
    expect(byName("ev").attributes["langfuse.observation.output"]).toBe("e");
    expect(byName("child").attributes["langfuse.observation.model.name"]).toBe("m1");
  });

  it("never links fallback prompts; links prompt name + int version otherwise", async () => {
    h.langfuse.startObservation({ name: "fb", asType: "generation", prompt: { name: "p", version: 2, isFallback: true } }).end();
    h.langfuse.startObservation({ name: "real", asType: "generation" }).update({ prompt: { name: "p", version: 2 } }).end();
    const spans = await h.spans();
    const fb = spans.find((s) => s.name === "fb")!;
    expect(fb.attributes["langfuse.observation.prompt.name"]).toBeUndefined();
    expect(fb.attributes["langfuse.observation.prompt.version"]).toBeUndefined();
    const real = spans.find((s) => s.name === "real")!;
    expect(real.attributes["langfuse.observation.prompt.name"]).toBe("p");
    expect(real.rawAttributes["langfuse.observation.prompt.version"]).toHaveProperty("intValue");
  });

  it("startAsCurrentObservation: sync stays sync, async settles, errors recorded and rethrown, endOnExit:false leaves it open", async () => {
    const v = h.langfuse.startAsCurrentObservation({ name: "sync-cb" }, (o) => {
      expect(getCurrentObservationId()).toBe(o.id);
      expect(getCurrentTraceId()).toBe(o.traceId);
      return 41 + 1;
    });
    expect(v).toBe(42);
    const p = h.langfuse.startAsCurrentObservation({ name: "async-cb", asType: "chain" }, async () => {
      await sleep(2);
      updateCurrentSpan({ output: "from-inside", metadata: { k: "v" } });
      return "done";
    });
    expect(p).toBeInstanceOf(Promise);
    await expect(p).resolves.toBe("done");
    expect(() =>
      h.langfuse.startAsCurrentObservation({ name: "throws" }, () => {
        throw new Error("cb failed");
      }),
    ).toThrow("cb failed");
    let open: LangfuseSpan | undefined;
    h.langfuse.startAsCurrentObservation({ name: "left-open", endOnExit: false }, (o) => {
      open = o;
    });
    expect(open!.isRecording()).toBe(true);
    open!.end();

    const spans = await h.spans();
    const byName = (n: string) => spans.find((s) => s.name === n)!;
    expect(byName("async-cb").attributes).toMatchObject({
      "langfuse.observation.type": "chain",
      "langfuse.observation.output": "from-inside",
      "langfuse.observation.metadata.k": "v",
    });
    expect(byName("throws").status.code).toBe(2);
    expect(byName("throws").attributes["langfuse.observation.level"]).toBe("ERROR");
    expect(byName("left-open")).toBeDefined();
  });

  it("updateCurrentGeneration / updateCurrentTrace update the current observation without changing its type", async () => {
    const llm = observe(
      () => {
        updateCurrentGeneration({ model: "gpt-x", usageDetails: { input: 3 }, prompt: { name: "pp", version: 1 } });
        updateCurrentTrace({ userId: "uu", tags: ["a"] });
        return "ok";
      },
      { name: "tool-like", asType: "tool" },
    );
    llm();
    const s = await h.span("tool-like");
    expect(s.attributes["langfuse.observation.type"]).toBe("tool");
    expect(s.attributes["langfuse.observation.model.name"]).toBe("gpt-x");
    expect(s.attributes["langfuse.observation.usage_details"]).toBe('{"input":3}');
    expect(s.attributes["user.id"]).toBe("uu");
  });

  it("outside any span the current helpers are no-ops and ids are undefined", () => {
    expect(getCurrentTraceId()).toBeUndefined();
    expect(getCurrentObservationId()).toBeUndefined();
    expect(() => updateCurrentSpan({ output: 1 })).not.toThrow();
    expect(() => updateCurrentTrace({ userId: "x" })).not.toThrow();
  });

  it("createTraceId is deterministic for a seed (sha256 prefix) and random otherwise", () => {
    expect(createTraceId("test-identifier")).toBe("115ae872eb1d3e23f9de03f7ab344193");
    expect(h.langfuse.createTraceId("seed")).toBe("19b25856e1c150ca834cffc8b59b23ad");
    const a = createTraceId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(createTraceId()).not.toBe(a);
  });

  it("traceContext continues a remote trace (with parent) or roots a chosen trace id (as_root)", async () => {
    const traceId = createTraceId("distributed");
    h.langfuse.startObservation({ name: "continued", traceContext: { traceId, parentSpanId: "00f067aa0ba902b7" } }).end();
    h.langfuse.startObservation({ name: "rooted", traceContext: { traceId } }).end();
    h.langfuse.startObservation({ name: "bad-ctx", traceContext: { traceId: "not-hex" } }).end();
    const spans = await h.spans();
    const c = spans.find((s) => s.name === "continued")!;
    expect(c.traceId).toBe(traceId);
    expect(c.parentSpanId).toBe("00f067aa0ba902b7");
    expect(c.attributes["langfuse.internal.is_app_root"]).toBe(true);
    const r = spans.find((s) => s.name === "rooted")!;
    expect(r.traceId).toBe(traceId);
    expect(r.attributes["langfuse.internal.as_root"]).toBe(true);
    expect(spans.find((s) => s.name === "bad-ctx")!.traceId).not.toBe("not-hex");
  });

  it("serialization never throws: cycles, Map, Set, Error, BigInt, Date, Buffer, and a size cap", async () => {
    await h.stop();
    h = await startHarness({ maxFieldChars: 200 });
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const f = observe((_x: unknown) => "x".repeat(1000), { name: "exotic" });
    f({ cyclic, m: new Map([["k", 1]]), s: new Set([1, 2]), e: new Error("E"), b: 10n, d: new Date(0), buf: Buffer.from("abc") });
    const s = await h.span("exotic");
    expect(JSON.parse(String(s.attributes["langfuse.observation.input"]))).toEqual({
      cyclic: { n: 1, self: "[Circular]" },
      m: { k: 1 },
      s: [1, 2],
      e: { name: "Error", message: "E" },
      b: "10",
      d: "1970-01-01T00:00:00.000Z",
      buf: "<Buffer 3 bytes>",
    });
    const out = String(s.attributes["langfuse.observation.output"]);
    expect(out.length).toBe(200);
    expect(out).toContain("...[truncated](1000 chars)");
  });
});

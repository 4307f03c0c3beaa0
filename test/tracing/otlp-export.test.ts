import { trace } from "@opentelemetry/api";
import { Langfuse, observe, propagateAttributes, SDK_VERSION } from "../../src";
import { OtlpReceiver, TEST_KEYS } from "./helpers/otlp-receiver";

describe.each(["protobuf", "json"] as const)("OTLP/HTTP %s export to a real receiver", (exportEncoding) => {
  let receiver: OtlpReceiver;
  let langfuse: Langfuse | undefined;

  beforeEach(async () => {
    receiver = await new OtlpReceiver().start();
  });
  afterEach(async () => {
    await langfuse?.shutdown();
    langfuse = undefined;
    await receiver.stop();
  });

  it("sends the sample trace to /api/public/otel/v1/traces with Basic auth, SDK headers and the exact attribute map", async () => {
    langfuse = new Langfuse({
      ...TEST_KEYS,
      baseUrl: receiver.url,
      environment: "dev",
      release: "v1.2.3",
      additionalHeaders: { "x-tenant": "acme" },
      exportEncoding,
    });
    const lf = langfuse;

    const inner = observe(function innerSync(a: number, b: number) {
      return { sum: a + b };
    });
    const tool = observe(async (text: string) => text.toUpperCase(), { name: "inner-async", asType: "tool" });

    await lf.startAsCurrentObservation({ name: "root-request", input: { q: "hi" } }, async (root) => {
      await propagateAttributes(
        { userId: "user-123", sessionId: "sess-456", tags: ["t1", "t2"], metadata: { tenant: "acme" }, version: "app-v9", traceName: "my-trace" },
        async () => {
          inner(40, 2);
          await tool("hello");
          lf.startObservation({
            name: "llm-call",
            asType: "generation",
            model: "gpt-4o",
            input: [{ role: "user", content: "hi" }],
            modelParameters: { temperature: 0.2 },
            prompt: { name: "my-prompt", version: 3 },
          })
            .update({
              output: { role: "assistant", content: "yo" },
              usageDetails: { input: 10, output: 5 },
              costDetails: { total: 0.001 },
              completionStartTime: new Date(0),
              metadata: { step: "gen", nested: { k: 1 } },
            })
            .end();
          lf.startObservation({ name: "an-event", asType: "event", input: "evt", level: "WARNING", statusMessage: "careful" });
          trace.getTracer("some-http-lib").startActiveSpan("GET /foo", (s) => s.end());
        },
      );
      root.update({ output: "done" });
    });

    const result = await lf.flush();
    expect(result.failed).toBe(0);
    expect(result.dropped).toBe(0);
    expect(result.delivered).toBe(5);

    // Transport: path, method, auth, headers.
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const req of receiver.requests) {
      expect(req.method).toBe("POST");
      expect(req.path).toBe("/api/public/otel/v1/traces");
      expect(req.headers.authorization).toBe(`Basic ${Buffer.from("pk-lf-test:sk-lf-test").toString("base64")}`);
      expect(req.headers["content-type"]).toBe(exportEncoding === "json" ? "application/json" : "application/x-protobuf");
      expect(req.headers["content-encoding"]).toBeUndefined(); // loopback: not worth compressing
      expect(req.headers["x-langfuse-sdk-name"]).toBe("langfuse-decorators");
      expect(req.headers["x-langfuse-sdk-version"]).toBe(SDK_VERSION);
      expect(req.headers["x-langfuse-public-key"]).toBe("pk-lf-test");
      expect(req.headers["x-langfuse-ingestion-version"]).toBe("4");
      expect(req.headers["x-tenant"]).toBe("acme");
    }

    // The foreign span is stamped but filtered out by the default export filter.
    expect(receiver.spans.map((s) => s.name).sort()).toEqual(["an-event", "inner-async", "innerSync", "llm-call", "root-request"]);
    for (const s of receiver.spans) {
      expect(s.scope).toBe("langfuse-sdk");
      expect(s.scopeVersion).toBe(SDK_VERSION);
    }

    const propagated = {
      "langfuse.environment": "dev",
      "langfuse.release": "v1.2.3",
      "user.id": "user-123",
      "session.id": "sess-456",
      "langfuse.version": "app-v9",
      "langfuse.trace.name": "my-trace",
      "langfuse.trace.tags": ["t1", "t2"],
      "langfuse.trace.metadata.tenant": "acme",
    };
    const root = receiver.byName("root-request");
    expect(root.attributes).toEqual({
      ...propagated,
      "langfuse.internal.is_app_root": true,
      "langfuse.observation.type": "span",
      "langfuse.observation.input": '{"q":"hi"}',
      "langfuse.observation.output": "done",
    });
    expect(root.parentSpanId).toBeUndefined();

    expect(receiver.byName("innerSync").attributes).toEqual({
      ...propagated,
      "langfuse.observation.type": "span",
      "langfuse.observation.input": "[40,2]",
      "langfuse.observation.output": '{"sum":42}',
    });
    expect(receiver.byName("inner-async").attributes).toEqual({
      ...propagated,
      "langfuse.observation.type": "tool",
      "langfuse.observation.input": "hello",
      "langfuse.observation.output": "HELLO",
    });
    const gen = receiver.byName("llm-call");
    expect(gen.attributes).toEqual({
      ...propagated,
      "langfuse.observation.type": "generation",
      "langfuse.observation.input": '[{"role":"user","content":"hi"}]',
      "langfuse.observation.model.name": "gpt-4o",
      "langfuse.observation.model.parameters": '{"temperature":0.2}',
      "langfuse.observation.prompt.name": "my-prompt",
      "langfuse.observation.prompt.version": 3,
      "langfuse.observation.output": '{"role":"assistant","content":"yo"}',
      "langfuse.observation.usage_details": '{"input":10,"output":5}',
      "langfuse.observation.cost_details": '{"total":0.001}',
      "langfuse.observation.completion_start_time": '"1970-01-01T00:00:00.000Z"',
      "langfuse.observation.metadata.step": "gen",
      "langfuse.observation.metadata.nested": '{"k":1}',
    });
    // Encodings: tags an OTLP array, prompt version an int, strings as stringValue.
    expect(gen.rawAttributes["langfuse.trace.tags"]).toEqual({ arrayValue: { values: [{ stringValue: "t1" }, { stringValue: "t2" }] } });
    expect(Object.keys(gen.rawAttributes["langfuse.observation.prompt.version"])).toEqual(["intValue"]);
    expect(gen.rawAttributes["langfuse.observation.model.parameters"]).toEqual({ stringValue: '{"temperature":0.2}' });
    expect(root.rawAttributes["langfuse.internal.is_app_root"]).toEqual({ boolValue: true });

    expect(receiver.byName("an-event").attributes).toEqual({
      ...propagated,
      "langfuse.observation.type": "event",
      "langfuse.observation.input": "evt",
      "langfuse.observation.level": "WARNING",
      "langfuse.observation.status_message": "careful",
    });
    // Parent/child: everything hangs under the root in one trace.
    for (const name of ["innerSync", "inner-async", "llm-call", "an-event"]) {
      expect(receiver.byName(name).parentSpanId).toBe(root.spanId);
      expect(receiver.byName(name).traceId).toBe(root.traceId);
    }
  });

  it("delivers 10,000 spans on flush() with none lost", async () => {
    langfuse = new Langfuse({ ...TEST_KEYS, baseUrl: receiver.url, flushAt: 1000, flushInterval: 60, exportEncoding });
    const traced = observe((i: number) => i * 2, { name: "many" });
    for (let i = 0; i < 10_000; i++) traced(i);
    const result = await langfuse.flush();
    expect(result).toMatchObject({ delivered: 10_000, dropped: 0, failed: 0, errors: [] });
    // OTLP delivery is at least once: a request that timed out on a busy machine may have been
    // processed and is sent again; every span arrives, none twice unless that happened.
    expect(new Set(receiver.spans.map((s) => s.spanId)).size).toBe(10_000);
    const inputs = new Set(receiver.spans.map((s) => s.attributes["langfuse.observation.input"]));
    expect(inputs.size).toBe(10_000);
  });

  it("counts spans beyond maxQueueSize as dropped and reports them", async () => {
    langfuse = new Langfuse({ ...TEST_KEYS, baseUrl: receiver.url, flushAt: 5000, flushInterval: 60, maxQueueSize: 100, exportEncoding });
    const traced = observe(() => 1, { name: "bounded" });
    for (let i = 0; i < 150; i++) traced();
    const result = await langfuse.flush();
    expect(result.delivered).toBe(100);
    expect(result.dropped).toBe(50);
    expect(receiver.spans).toHaveLength(100);
  });

  it("a 500-answering collector causes no exception in user code; flush reports the span as pending within its timeout", async () => {
    receiver.status = 500;
    langfuse = new Langfuse({ ...TEST_KEYS, baseUrl: receiver.url, timeout: 2, exportEncoding });
    const traced = observe((x: number) => x + 1, { name: "fails-to-export" });
    expect(traced(1)).toBe(2);
    // The first attempt must have been answered for the report to name its error: wait until the
    // receiver has seen it, then give the flush a timeout a loaded CI machine cannot overrun.
    for (let i = 0; i < 200 && receiver.requests.length === 0; i++) await langfuse.spanProcessor.flushWithReport(50);
    const result = await langfuse.spanProcessor.flushWithReport(3000);
    expect(result.delivered).toBe(0);
    expect(result.failed).toBe(0);
    expect(result.pending).toBe(1);
    expect(result.errors.join(" ")).toMatch(/1 spans still pending after 3000 ms \(last error: .*HTTP 500/);
    expect(result.errors.join(" ")).not.toContain("sk-lf-test");
    expect(receiver.requests.length).toBeGreaterThan(0);
    // Give up on the kept span so the shutdown in afterEach does not wait out its default timeout.
    expect((await langfuse.spanProcessor.shutdownWithReport(0)).pending).toBe(1);
  });

  it("an unreachable endpoint causes no exception; shutdown settles within its timeout and reports the span pending", async () => {
    await receiver.stop();
    langfuse = new Langfuse({ ...TEST_KEYS, baseUrl: receiver.url, timeout: 1, exportEncoding });
    const traced = observe(async (x: number) => x + 1, { name: "unreachable" });
    await expect(traced(1)).resolves.toBe(2);
    const result = await langfuse.spanProcessor.shutdownWithReport(1000);
    expect(result.pending).toBe(1);
    expect(result.delivered).toBe(0);
    await langfuse.shutdown();
    langfuse = undefined;
  });
});

import { trace } from "@opentelemetry/api";
import { createTraceId, isTraceSampled, MASK_FAILED, observe, propagateAttributes } from "../../src";
import { startHarness, type Harness } from "./helpers/harness";

const redact = ({ data }: { data: unknown }): unknown => {
  if (typeof data === "string") return data.replace(/SECRET\w*/g, "***");
  if (data && typeof data === "object") return JSON.parse(JSON.stringify(data).replace(/SECRET\w*/g, "***"));
  return data;
};

describe("masking", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("masks input, output, observation metadata and trace metadata, flattened keys included", async () => {
    const seen: unknown[] = [];
    h = await startHarness({
      mask: (p) => {
        seen.push(p.data);
        return redact(p);
      },
    });
    const f = observe((q: string) => ({ answer: `echo ${q}` }), { name: "masked" });
    propagateAttributes({ metadata: { token: "SECRET_T" } }, () => f("hello SECRET_IN"));
    h.langfuse
      .startObservation({ name: "meta", metadata: { pw: "SECRET1", nested: { k: "SECRET2" } } })
      .updateTrace({ metadata: { key: "SECRET3" }, input: "SECRET4", output: { o: "SECRET5" } })
      .end();
    // An LLM instrumentation's span (gen_ai.* content keys) is masked too.
    trace.getTracer("some-llm-lib").startActiveSpan("llm", { attributes: { "gen_ai.prompt.0.content": "tell SECRET_P", "gen_ai.usage.input_tokens": 3 } }, (sp) => sp.end());
    const spans = await h.spans();
    const llm = spans.find((s) => s.name === "llm")!.attributes;
    expect(llm["gen_ai.prompt.0.content"]).toBe("tell ***");
    expect(llm["gen_ai.usage.input_tokens"]).toBe(3);
    const masked = spans.find((s) => s.name === "masked")!.attributes;
    expect(masked["langfuse.observation.input"]).toBe("hello ***");
    expect(masked["langfuse.observation.output"]).toBe('{"answer":"echo hello ***"}');
    expect(masked["langfuse.trace.metadata.token"]).toBe("***");
    const meta = spans.find((s) => s.name === "meta")!.attributes;
    expect(meta["langfuse.observation.metadata.pw"]).toBe("***");
    expect(meta["langfuse.observation.metadata.nested"]).toBe('{"k":"***"}');
    expect(meta["langfuse.trace.metadata.key"]).toBe("***");
    expect(meta["langfuse.trace.input"]).toBe("***");
    expect(meta["langfuse.trace.output"]).toBe('{"o":"***"}');
    expect(JSON.stringify(spans)).not.toMatch(/SECRET/);
    // The mask receives structured data for JSON objects.
    expect(seen).toContainEqual({ answer: "echo hello SECRET_IN" });
  });

  it("a throwing mask gives the fully-masked marker and never throws into user code", async () => {
    const error = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    h = await startHarness({
      mask: () => {
        throw new Error("mask bug");
      },
    });
    const f = observe((x: string) => x, { name: "mask-throws" });
    expect(f("visible?")).toBe("visible?");
    const s = await h.span("mask-throws");
    expect(s.attributes["langfuse.observation.input"]).toBe(MASK_FAILED);
    expect(s.attributes["langfuse.observation.output"]).toBe("<fully masked due to failed mask function>");
    error.mockRestore();
  });
});

describe("sampling", () => {
  it("isTraceSampled is deterministic, all-or-nothing at 0 and 1, and close to the rate", () => {
    const ids = Array.from({ length: 4000 }, (_, i) => createTraceId(`trace-${i}`));
    expect(ids.every((id) => isTraceSampled(id, 1))).toBe(true);
    expect(ids.some((id) => isTraceSampled(id, 0))).toBe(false);
    const kept = ids.filter((id) => isTraceSampled(id, 0.25)).length;
    expect(kept).toBeGreaterThan(4000 * 0.2);
    expect(kept).toBeLessThan(4000 * 0.3);
    for (const id of ids.slice(0, 50)) expect(isTraceSampled(id, 0.5)).toBe(isTraceSampled(id, 0.5));
    // Monotone: kept at a lower rate implies kept at a higher one.
    for (const id of ids) if (isTraceSampled(id, 0.1)) expect(isTraceSampled(id, 0.6)).toBe(true);
    // Ids that are not 32 hex chars cannot be ratio-sampled and are kept.
    expect(isTraceSampled("nope", 0.0001)).toBe(true);
  });

  it("keeps or drops whole traces by trace id, matching isTraceSampled", async () => {
    const h = await startHarness({ sampleRate: 0.5 });
    try {
      const child = observe((i: number) => i, { name: "child" });
      const root = observe((i: number) => child(i), { name: "root" });
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) {
        h.langfuse.startAsCurrentObservation({ name: "r", traceContext: { traceId: createTraceId(`s-${i}`) } }, () => root(i));
        ids.push(createTraceId(`s-${i}`));
      }
      const result = await h.langfuse.flush();
      expect(result.dropped).toBe(0); // sampling is not a drop
      const spans = h.receiver.spans;
      const expectedKept = ids.filter((id) => isTraceSampled(id, 0.5));
      expect(expectedKept.length).toBeGreaterThan(50);
      expect(expectedKept.length).toBeLessThan(150);
      const byTrace = new Map<string, number>();
      for (const s of spans) byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? 0) + 1);
      expect([...byTrace.keys()].sort()).toEqual([...expectedKept].sort());
      for (const n of byTrace.values()) expect(n).toBe(3); // whole traces
    } finally {
      await h.stop();
    }
  });
});

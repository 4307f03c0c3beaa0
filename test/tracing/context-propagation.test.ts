import { context, propagation, trace } from "@opentelemetry/api";
import { W3CBaggagePropagator } from "@opentelemetry/core";
import { Observe, observe, propagateAttributes, startObservation } from "../../src";
import { startHarness, type Harness } from "./helpers/harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("parent/child structure across async boundaries", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("keeps parents across await, Promise.all, setTimeout, setImmediate and queueMicrotask", async () => {
    class Work {
      @Observe() async leaf(i: number) {
        await sleep(1 + (i % 3));
        return i;
      }
      @Observe() async root() {
        await sleep(1);
        const all = await Promise.all([0, 1, 2, 3].map((i) => this.leaf(i)));
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            startObservation({ name: "in-timeout" }).end();
            resolve();
          }, 2),
        );
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            startObservation({ name: "in-immediate" }).end();
            resolve();
          }),
        );
        await new Promise<void>((resolve) =>
          queueMicrotask(() => {
            startObservation({ name: "in-microtask" }).end();
            resolve();
          }),
        );
        return all;
      }
    }
    // Two concurrent roots must not mix their children.
    const [a, b] = await Promise.all([new Work().root(), new Work().root()]);
    expect(a).toEqual([0, 1, 2, 3]);
    expect(b).toEqual([0, 1, 2, 3]);
    const spans = await h.spans();
    const roots = spans.filter((s) => s.name === "Work.root");
    expect(roots).toHaveLength(2);
    expect(roots[0].traceId).not.toBe(roots[1].traceId);
    for (const root of roots) {
      const children = spans.filter((s) => s.parentSpanId === root.spanId);
      expect(children.map((c) => c.name).sort()).toEqual(
        ["Work.leaf", "Work.leaf", "Work.leaf", "Work.leaf", "in-immediate", "in-microtask", "in-timeout"].sort(),
      );
      for (const c of children) expect(c.traceId).toBe(root.traceId);
    }
  });
});

describe("propagateAttributes", () => {
  let h: Harness;
  let warn: jest.SpyInstance;
  beforeEach(async () => {
    h = await startHarness();
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(async () => {
    warn.mockRestore();
    await h.stop();
  });

  it("applies to the active span and every span started inside, including other tracers' spans", async () => {
    const seen: Record<string, unknown>[] = [];
    await h.langfuse.startAsCurrentObservation({ name: "outer" }, async () => {
      await propagateAttributes({ userId: "u1", sessionId: "s1", traceName: "t", version: "1" }, async () => {
        await sleep(1);
        startObservation({ name: "inner" }).end();
        trace.getTracer("other-lib").startActiveSpan("foreign", (s) => {
          seen.push({ ...(s as unknown as { attributes: Record<string, unknown> }).attributes });
          s.end();
        });
      });
    });
    const spans = await h.spans();
    for (const name of ["outer", "inner"]) {
      expect(spans.find((s) => s.name === name)!.attributes).toMatchObject({
        "user.id": "u1",
        "session.id": "s1",
        "langfuse.trace.name": "t",
        "langfuse.version": "1",
      });
    }
    // The foreign span was stamped too (then left out by the default export filter).
    expect(seen[0]).toMatchObject({ "user.id": "u1", "session.id": "s1" });
    expect(spans.find((s) => s.name === "foreign")).toBeUndefined();
  });

  it("nesting: inner metadata wins, tags are a union in order, scalars are restored after the inner scope", async () => {
    propagateAttributes({ userId: "outer", tags: ["outer", "tag1"], metadata: { a: "1", b: "1" } }, () => {
      propagateAttributes({ userId: "inner", tags: ["inner", "tag1", "tag2"], metadata: { b: "2", c: "3" } }, () => {
        startObservation({ name: "nested" }).end();
      });
      startObservation({ name: "after-inner" }).end();
    });
    const spans = await h.spans();
    expect(spans.find((s) => s.name === "nested")!.attributes).toMatchObject({
      "user.id": "inner",
      "langfuse.trace.tags": ["outer", "tag1", "inner", "tag2"],
      "langfuse.trace.metadata.a": "1",
      "langfuse.trace.metadata.b": "2",
      "langfuse.trace.metadata.c": "3",
    });
    const after = spans.find((s) => s.name === "after-inner")!.attributes;
    expect(after["user.id"]).toBe("outer");
    expect(after["langfuse.trace.tags"]).toEqual(["outer", "tag1"]);
    expect(after["langfuse.trace.metadata.c"]).toBeUndefined();
  });

  it("validation: strings up to 200 chars pass, 201 and non-strings are dropped with a warning, never thrown", async () => {
    const ok = "x".repeat(200);
    const tooLong = "y".repeat(201);
    propagateAttributes(
      {
        userId: ok,
        sessionId: tooLong,
        metadata: { good: "yes", bad: 5 as unknown as string, long: tooLong },
        tags: ["fine", 3 as unknown as string],
      },
      () => startObservation({ name: "validated" }).end(),
    );
    const a = (await h.span("validated")).attributes;
    expect(a["user.id"]).toBe(ok);
    expect(a["session.id"]).toBeUndefined();
    expect(a["langfuse.trace.metadata.good"]).toBe("yes");
    expect(a["langfuse.trace.metadata.bad"]).toBeUndefined();
    expect(a["langfuse.trace.metadata.long"]).toBeUndefined();
    expect(a["langfuse.trace.tags"]).toEqual(["fine"]);
    const messages = warn.mock.calls.map((c) => String(c[0])).join("\n");
    expect(messages).toContain("Propagated attribute 'sessionId' value is over 200 characters (201 chars). Dropping value.");
    expect(messages).toContain("Propagated attribute 'metadata.bad' value is not a string. Dropping value.");
  });

  it("sync functions stay sync and the return value passes through", () => {
    const r = propagateAttributes({ userId: "u" }, () => 5);
    expect(r).toBe(5);
  });

  it("asBaggage writes W3C baggage (langfuse_* keys) that a downstream service turns back into attributes", async () => {
    const carrier: Record<string, string> = {};
    const traced = observe(() => {
      propagation.inject(context.active(), carrier);
    }, { name: "upstream" });
    propagateAttributes({ userId: "u9", sessionId: "s9", tags: ["a", "b"], metadata: { k: "v" }, asBaggage: true }, () => traced());
    expect(carrier.baggage).toContain("langfuse_user_id=u9");
    expect(carrier.baggage).toContain("langfuse_session_id=s9");
    expect(carrier.baggage).toContain("langfuse_metadata_k=v");
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // "Downstream": extract the headers into a fresh context and start a span there.
    const extracted = new W3CBaggagePropagator().extract(
      propagation.extract(context.active(), carrier),
      carrier,
      { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c as object) },
    );
    context.with(extracted, () => startObservation({ name: "downstream" }).end());
    const up = await h.span("upstream");
    const down = (await h.spans()).find((s) => s.name === "downstream")!;
    expect(down.traceId).toBe(up.traceId);
    expect(down.parentSpanId).toBe(up.spanId);
    expect(down.attributes).toMatchObject({
      "user.id": "u9",
      "session.id": "s9",
      "langfuse.trace.tags": ["a", "b"],
      "langfuse.trace.metadata.k": "v",
      "langfuse.internal.is_app_root": true,
    });
  });
});

import "reflect-metadata";
import { LangfuseError, Observable, Observe, getObserveOptions, observe, startObservation } from "../../src";
import { startHarness, type Harness } from "../tracing/helpers/harness";

// A metadata-writing decorator in the style of NestJS SetMetadata / @OnEvent: it writes onto
// descriptor.value, the function object itself.
const Meta =
  (key: string, value: unknown): MethodDecorator =>
  (_target, _key, descriptor) => {
    Reflect.defineMetadata(key, value, descriptor.value as object);
  };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("@Observe (legacy decorators)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  class Probe {
    factor = 3;

    @Observe()
    @Meta("meta:below", "b")
    syncM(a: number, b: number): number {
      return (a + b) * this.factor;
    }

    @Meta("meta:above", "a")
    @Observe("generation")
    async asyncM(q: string): Promise<string> {
      await sleep(2);
      return `${q}!${this.factor}`;
    }

    @Observe()
    throwM(): never {
      throw new TypeError("sync boom");
    }

    @Observe()
    async rejectM(): Promise<never> {
      await sleep(1);
      throw new RangeError("async boom");
    }

    @Observe()
    noArgs(): string {
      return "x";
    }

    @Observe({ name: "custom-name", asType: "tool", captureInput: (args) => ({ redacted: args.length }), captureOutput: false })
    custom(secret: string): string {
      return secret.toUpperCase();
    }

    @Observe()
    static staticM(x: number): number {
      return x + 1;
    }
  }

  it("keeps this, name, length and sync-ness; records input (never this) and output; default name ClassName.method", async () => {
    const p = new Probe();
    const r = p.syncM(1, 2);
    expect(r).toBe(9); // not a promise
    expect(Probe.prototype.syncM.name).toBe("syncM");
    expect(Probe.prototype.syncM.length).toBe(2);
    expect(Probe.prototype.asyncM.length).toBe(1);
    const s = await h.span("Probe.syncM");
    expect(s.attributes["langfuse.observation.type"]).toBe("span");
    expect(s.attributes["langfuse.observation.input"]).toBe("[1,2]");
    expect(s.attributes["langfuse.observation.output"]).toBe("9");
    expect(JSON.stringify(s.attributes)).not.toContain("factor");
  });

  it("keeps reflect-metadata written by decorators below and above", () => {
    expect(Reflect.getMetadata("meta:below", Probe.prototype.syncM)).toBe("b");
    expect(Reflect.getMetadata("meta:above", Probe.prototype.asyncM)).toBe("a");
    expect(getObserveOptions(Probe.prototype.asyncM)).toMatchObject({ asType: "generation" });
  });

  it("chains promises, records the resolved value and the type", async () => {
    const out = await new Probe().asyncM("q");
    expect(out).toBe("q!3");
    const s = await h.span("Probe.asyncM");
    expect(s.attributes["langfuse.observation.type"]).toBe("generation");
    expect(s.attributes["langfuse.observation.output"]).toBe("q!3");
    expect(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)).toBeGreaterThan(0n);
  });

  it("records sync throws and rejections (exception event, level ERROR, OTel ERROR) and rethrows the same error", async () => {
    const p = new Probe();
    let caught: unknown;
    try {
      p.throwM();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect((caught as Error).message).toBe("sync boom");
    await expect(p.rejectM()).rejects.toThrow(RangeError);
    for (const [name, msg] of [
      ["Probe.throwM", "sync boom"],
      ["Probe.rejectM", "async boom"],
    ]) {
      const s = await h.span(name);
      expect(s.status.code).toBe(2);
      expect(s.status.message).toBe(msg);
      expect(s.attributes["langfuse.observation.level"]).toBe("ERROR");
      expect(s.attributes["langfuse.observation.status_message"]).toBe(msg);
      expect(s.events.map((e) => e.name)).toContain("exception");
      expect(s.events[0].attributes["exception.message"]).toBe(msg);
    }
  });

  it("zero args give no input; static methods are named Class.method; capture functions and false are honoured", async () => {
    const p = new Probe();
    expect(p.noArgs()).toBe("x");
    expect(Probe.staticM(1)).toBe(2);
    expect(p.custom("hunter2")).toBe("HUNTER2");
    const spans = await h.spans();
    const noArgs = spans.find((s) => s.name === "Probe.noArgs")!;
    expect(noArgs.attributes["langfuse.observation.input"]).toBeUndefined();
    expect(spans.find((s) => s.name === "Probe.staticM")!.attributes["langfuse.observation.input"]).toBe("1");
    const custom = spans.find((s) => s.name === "custom-name")!;
    expect(custom.attributes["langfuse.observation.type"]).toBe("tool");
    expect(custom.attributes["langfuse.observation.input"]).toBe('{"redacted":1}');
    expect(custom.attributes["langfuse.observation.output"]).toBeUndefined();
    expect(JSON.stringify(custom.attributes)).not.toContain("hunter2");
  });

  it("is idempotent: decorating twice or observe(observe(fn)) traces once", async () => {
    class Twice {
      @Observe()
      @Observe()
      m(): number {
        return 1;
      }
    }
    const f = observe(function f() {
      return 2;
    });
    expect(observe(f)).toBe(f);
    new Twice().m();
    f();
    const spans = await h.spans();
    expect(spans.filter((s) => s.name === "Twice.m")).toHaveLength(1);
    expect(spans.filter((s) => s.name === "f")).toHaveLength(1);
  });

  it("nests decorated calls: child spans have the caller as parent", async () => {
    class Agent {
      @Observe({ asType: "tool" }) async tool(x: number) {
        await sleep(1);
        return x * 2;
      }
      @Observe("generation") llm(prompt: string) {
        return `answer to ${prompt}`;
      }
      @Observe({ asType: "agent" }) async run(q: string) {
        const t = await this.tool(2);
        return this.llm(`${q}:${t}`);
      }
    }
    await new Agent().run("q");
    const root = await h.span("Agent.run");
    expect(root.parentSpanId).toBeUndefined();
    expect((await h.span("Agent.tool")).parentSpanId).toBe(root.spanId);
    expect((await h.span("Agent.llm")).parentSpanId).toBe(root.spanId);
  });

  it("promise subclasses keep their identity and extra methods; other thenables are chained once", async () => {
    class APIPromise<T> extends Promise<T> {
      withResponse() {
        return "extra";
      }
    }
    let thenCalls = 0;
    const lazyThenable = {
      then(resolve: (v: number) => void) {
        thenCalls++;
        resolve(7);
      },
    };
    const subclass = new APIPromise<number>((r) => r(5));
    const returnsSubclass = observe(() => subclass, { name: "subclass" });
    const returnsThenable = observe(() => lazyThenable, { name: "thenable" });
    const got = returnsSubclass();
    expect(got).toBe(subclass);
    expect(got.withResponse()).toBe("extra");
    expect(await got).toBe(5);
    expect(await returnsThenable()).toBe(7);
    expect(thenCalls).toBe(1);
    await sleep(1);
    expect((await h.span("subclass")).attributes["langfuse.observation.output"]).toBe("5");
    expect((await h.span("thenable")).attributes["langfuse.observation.output"]).toBe("7");
  });

  it("a thenable carrying a `constructor: Promise` field is not taken for a native promise: chained once, a real promise comes back", async () => {
    let thenCalls = 0;
    const disguised = {
      constructor: Promise,
      then(resolve: (v: number) => void) {
        thenCalls++;
        resolve(9);
      },
    };
    const returnsDisguised = observe(() => disguised, { name: "disguised" });
    const got = returnsDisguised();
    expect(got).not.toBe(disguised);
    expect(got).toBeInstanceOf(Promise);
    expect(await got).toBe(9);
    expect(thenCalls).toBe(1);
    expect((await h.span("disguised")).attributes["langfuse.observation.output"]).toBe("9");
  });

  it("traces sync generators lazily: open until consumed, children parented, output collected", async () => {
    class Gen {
      @Observe() *numbers(n: number) {
        for (let i = 0; i < n; i++) {
          startObservation({ name: `step-${i}` }).end();
          yield i;
        }
      }
    }
    const it = new Gen().numbers(3);
    expect(Object.prototype.toString.call(it)).toBe("[object Generator]");
    expect(await h.spans()).toHaveLength(0); // nothing ended before consumption
    expect([...it]).toEqual([0, 1, 2]);
    const g = await h.span("Gen.numbers");
    expect(g.attributes["langfuse.observation.output"]).toBe("[0,1,2]");
    expect((await h.span("step-1")).parentSpanId).toBe(g.spanId);
  });

  it("ends a generator span on early return() with a cancellation status message", async () => {
    const gen = observe(
      function* letters() {
        yield "a";
        yield "b";
        yield "c";
      },
      { name: "letters" },
    );
    for (const l of gen()) {
      if (l === "b") break;
    }
    const s = await h.span("letters");
    expect(s.attributes["langfuse.observation.output"]).toBe("ab");
    expect(String(s.attributes["langfuse.observation.status_message"])).toMatch(/Cancelled/);
  });

  it("traces async generators lazily and records errors thrown mid-stream", async () => {
    class Stream {
      @Observe() async *tokens() {
        yield "Hel";
        await sleep(2);
        startObservation({ name: "inside-agen" }).end();
        yield "lo";
      }
      @Observe() async *broken() {
        yield 1;
        throw new Error("stream broke");
      }
    }
    const out: string[] = [];
    for await (const t of new Stream().tokens()) out.push(t);
    expect(out.join("")).toBe("Hello");
    const s = await h.span("Stream.tokens");
    expect(s.attributes["langfuse.observation.output"]).toBe("Hello");
    expect((await h.span("inside-agen")).parentSpanId).toBe(s.spanId);

    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of new Stream().broken()) got.push(v);
      })(),
    ).rejects.toThrow("stream broke");
    expect(got).toEqual([1]);
    const b = await h.span("Stream.broken");
    expect(b.attributes["langfuse.observation.level"]).toBe("ERROR");
    expect(b.status.code).toBe(2);
  });

  it("patches returned async iterables in place (identity and extra methods kept), also when resolved from a promise", async () => {
    function makeStream() {
      return {
        controller: "kept",
        async *[Symbol.asyncIterator]() {
          yield { delta: "x" };
          yield { delta: "y" };
        },
      };
    }
    let made: ReturnType<typeof makeStream> | undefined;
    const create = observe(
      async () => {
        made = makeStream();
        return made;
      },
      { name: "sdk-stream", asType: "generation" },
    );
    const stream = await create();
    expect(stream).toBe(made);
    expect(stream.controller).toBe("kept");
    expect(await h.spans()).toHaveLength(0);
    const deltas: string[] = [];
    for await (const c of stream) deltas.push(c.delta);
    expect(deltas).toEqual(["x", "y"]);
    const s = await h.span("sdk-stream");
    expect(s.attributes["langfuse.observation.output"]).toBe('[{"delta":"x"},{"delta":"y"}]');
  });

  it("traces web ReadableStreams until read to the end, and ends on cancel", async () => {
    const makeRs = () =>
      new ReadableStream<string>({
        start(c) {
          c.enqueue("a");
          c.enqueue("b");
          c.close();
        },
      });
    const produce = observe(makeRs, { name: "web-stream" });
    const rs = produce();
    expect(rs).toBeInstanceOf(ReadableStream);
    const reader = rs.getReader();
    const parts: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
    }
    expect(parts).toEqual(["a", "b"]);
    expect((await h.span("web-stream")).attributes["langfuse.observation.output"]).toBe("ab");

    const cancelled = observe(makeRs, { name: "web-cancel" })();
    await cancelled.cancel("stop");
    expect(String((await h.span("web-cancel")).attributes["langfuse.observation.status_message"])).toMatch(/Cancelled/);
  });

  it("per-call dynamic options", async () => {
    class Dyn {
      @Observe((_self, ...args) => ({ name: `dyn-${String(args[0])}` }))
      m(kind: string) {
        return kind;
      }
    }
    new Dyn().m("alpha");
    expect((await h.span("dyn-alpha")).attributes["langfuse.observation.output"]).toBe("alpha");
  });

  it("@Observable() observes own methods only, keeps @Observe options and skips accessors", async () => {
    class Base {
      inherited() {
        return "base";
      }
    }
    @Observable()
    class Service extends Base {
      get value() {
        return 1;
      }
      plain(x: number) {
        return x + this.value;
      }
      @Observe({ name: "explicit", asType: "tool" })
      withOwn() {
        return "own";
      }
    }
    const s = new Service();
    expect(s.plain(1)).toBe(2);
    expect(s.withOwn()).toBe("own");
    expect(s.inherited()).toBe("base");
    const spans = await h.spans();
    expect(spans.map((x) => x.name).sort()).toEqual(["Service.plain", "explicit"]);
    expect(spans.find((x) => x.name === "explicit")!.attributes["langfuse.observation.type"]).toBe("tool");
  });

  it("refuses fields and accessors with a clear error", () => {
    const dec = Observe() as unknown as (t: object, k: string, d?: PropertyDescriptor) => void;
    expect(() => dec({}, "field")).toThrow(LangfuseError);
    expect(() => dec({}, "acc", { get: () => 1, configurable: true })).toThrow(/accessor/);
  });
});

import { Readable } from "node:stream";
import { serializeValue } from "../../src/tracing/serialize";
import { observe } from "../../src";
import { startHarness } from "./helpers/harness";

describe("serializeValue", () => {
  it("passes strings raw and JSON-encodes everything else", () => {
    expect(serializeValue("plain", 100)).toBe("plain");
    expect(serializeValue(42, 100)).toBe("42");
    expect(serializeValue(true, 100)).toBe("true");
    expect(serializeValue(null, 100)).toBe("null");
    expect(serializeValue(undefined, 100)).toBeUndefined();
    expect(serializeValue({ a: [1, "b"] }, 100)).toBe('{"a":[1,"b"]}');
  });

  it("handles cycles without losing shared (non-circular) references", () => {
    const shared = { v: 1 };
    const a: Record<string, unknown> = { shared, again: shared };
    a.self = a;
    const arr: unknown[] = [1];
    arr.push(arr);
    expect(JSON.parse(serializeValue(a, 1000)!)).toEqual({ shared: { v: 1 }, again: { v: 1 }, self: "[Circular]" });
    expect(serializeValue(arr, 1000)).toBe('[1,"[Circular]"]');
  });

  it("encodes Map, Set, Error, BigInt, Date, typed arrays, NaN and Infinity; drops functions and symbols", () => {
    const err = new Error("outer", { cause: new Error("inner") });
    const out = JSON.parse(
      serializeValue(
        {
          m: new Map<unknown, unknown>([["k", 1]]),
          mk: new Map<unknown, unknown>([[1, "one"]]),
          s: new Set(["x"]),
          e: err,
          big: 2n ** 70n,
          d: new Date(0),
          bad: new Date(Number.NaN),
          u8: new Uint8Array(5),
          nan: Number.NaN,
          inf: -Infinity,
          fn: () => 1,
          sym: Symbol("s"),
        },
        10_000,
      )!,
    );
    expect(out).toEqual({
      m: { k: 1 },
      mk: [[1, "one"]],
      s: ["x"],
      e: { name: "Error", message: "outer", cause: { name: "Error", message: "inner" } },
      big: "1180591620717411303424",
      d: "1970-01-01T00:00:00.000Z",
      bad: "Invalid Date",
      u8: "<Uint8Array 5 bytes>",
      nan: "NaN",
      inf: "-Infinity",
    });
    expect(serializeValue(10n, 100)).toBe('"10"');
    expect(serializeValue(Number.NaN, 100)).toBe('"NaN"');
  });

  it("never throws: throwing getters, throwing toJSON, hostile proxies", () => {
    const getter = {
      get boom(): never {
        throw new Error("getter exploded");
      },
    };
    const toJson = {
      toJSON(): never {
        throw new Error("toJSON exploded");
      },
    };
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys for you");
        },
      },
    );
    expect(serializeValue(getter, 100)).toBe("<failed to serialize: getter exploded>");
    expect(serializeValue(toJson, 100)).toBe("<failed to serialize: toJSON exploded>");
    expect(serializeValue(proxy, 100)).toMatch(/^<failed to serialize/);
  });

  it("caps the length with a marker that says how long the value was", () => {
    const s = serializeValue("x".repeat(5000), 100)!;
    expect(s.length).toBe(100);
    expect(s.endsWith("...[truncated](5000 chars)")).toBe(true);
    const o = serializeValue({ big: "y".repeat(5000) }, 120)!;
    expect(o.length).toBe(120);
    expect(o).toContain("(5010 chars)");
  });
});

describe("Node streams returned from a traced function", () => {
  it("end the span when the stream finishes (piped, not iterated)", async () => {
    const h = await startHarness();
    try {
      const open = observe(() => Readable.from(["a", "b"]), { name: "node-stream" });
      const stream = open();
      expect(stream).toBeInstanceOf(Readable);
      expect(await h.spans()).toHaveLength(0);
      const chunks: string[] = [];
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (c: string) => chunks.push(c));
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      await new Promise((r) => setImmediate(r));
      expect(chunks).toEqual(["a", "b"]);
      const s = await h.span("node-stream");
      expect(s.attributes["langfuse.observation.level"]).toBeUndefined();

      const destroyed = observe(() => Readable.from(["x"]), { name: "node-stream-destroyed" })();
      destroyed.destroy();
      await new Promise((r) => setImmediate(r));
      const d = await h.span("node-stream-destroyed");
      expect(String(d.attributes["langfuse.observation.status_message"])).toMatch(/Cancelled/);
    } finally {
      await h.stop();
    }
  });
});

describe("serializeValue: top-level binary values and cycles through replaced objects", () => {
  it("a top-level Buffer, typed array or ArrayBuffer gives the same marker as a nested one", () => {
    expect(serializeValue(Buffer.from("hi"), 1000)).toBe('"<Buffer 2 bytes>"');
    expect(serializeValue(new Uint8Array(5), 1000)).toBe('"<Uint8Array 5 bytes>"');
    expect(serializeValue(new Float64Array(2), 1000)).toBe('"<Float64Array 16 bytes>"');
    expect(serializeValue(new ArrayBuffer(7), 1000)).toBe('"<ArrayBuffer 7 bytes>"');
    expect(serializeValue(new DataView(new ArrayBuffer(3)), 1000)).toBe('"<DataView 3 bytes>"');
    // A large buffer is not expanded into a number array first (the output stays tiny).
    expect(serializeValue(Buffer.alloc(5_000_000), 1_000_000)).toBe('"<Buffer 5000000 bytes>"');
    expect(serializeValue({ b: Buffer.from("abc") }, 1000)).toBe('{"b":"<Buffer 3 bytes>"}');
  });

  it("cycles through Map, Set and Error become [Circular] and keep the rest of the value", () => {
    const m = new Map<string, unknown>();
    m.set("self", m);
    m.set("n", 1);
    expect(serializeValue(m, 1000)).toBe('{"self":"[Circular]","n":1}');

    const s = new Set<unknown>();
    s.add(s);
    s.add("x");
    expect(serializeValue(s, 1000)).toBe('["[Circular]","x"]');

    const e = new Error("x") as Error & { cause?: unknown };
    e.cause = e;
    expect(serializeValue(e, 1000)).toBe('{"name":"Error","message":"x","cause":"[Circular]"}');

    const o: Record<string, unknown> = { a: 1 };
    o.m = new Map([["o", o]]);
    expect(serializeValue(o, 1000)).toBe('{"a":1,"m":{"o":"[Circular]"}}');

    const outer = new Error("outer") as Error & { cause?: unknown };
    const inner = new Error("inner") as Error & { cause?: unknown };
    outer.cause = inner;
    inner.cause = new Map([["back", outer]]);
    expect(JSON.parse(serializeValue(outer, 1000)!)).toEqual({
      name: "Error",
      message: "outer",
      cause: { name: "Error", message: "inner", cause: { back: "[Circular]" } },
    });

    const withKeys = new Map<unknown, unknown>([[{ k: 1 }, "v"]]);
    withKeys.set("self", withKeys);
    expect(serializeValue(withKeys, 1000)).toBe('[[{"k":1},"v"],["self","[Circular]"]]');

    const viaToJson: Record<string, unknown> = { n: 1 };
    viaToJson.toJSON = () => ({ child: viaToJson });
    expect(serializeValue(viaToJson, 1000)).toBe('{"child":"[Circular]"}');
  });

  it("shared (non-circular) values inside Map, Set and Error are serialized in full every time", () => {
    const shared = { s: 1 };
    const out = serializeValue({ a: shared, m: new Map([["k", shared]]), st: new Set([shared]), e: new Error("e", { cause: shared }) }, 1000);
    expect(JSON.parse(out!)).toEqual({ a: { s: 1 }, m: { k: { s: 1 } }, st: [{ s: 1 }], e: { name: "Error", message: "e", cause: { s: 1 } } });
  });
});

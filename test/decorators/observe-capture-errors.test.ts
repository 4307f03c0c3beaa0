import "reflect-metadata";
import { Observe, observe } from "../../src";
import { startHarness, type Harness } from "../tracing/helpers/harness";

const INPUT = "langfuse.observation.input";
const OUTPUT = "langfuse.observation.output";

describe("a throwing captureInput / captureOutput mapper", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("captureInput throwing: the call is still traced (children nest under it), the input records the failure", async () => {
    const child = observe((x: number) => x * 2, { name: "child" });
    const f = observe(
      (x: number) => child(x) + 1,
      {
        name: "bad-input",
        captureInput: () => {
          throw new Error("mapper exploded");
        },
      },
    );
    expect(f(20)).toBe(41);
    const spans = await h.spans();
    const parent = spans.find((s) => s.name === "bad-input")!;
    expect(parent).toBeDefined();
    expect(parent.attributes[INPUT]).toBe("<failed to capture input: mapper exploded>");
    expect(parent.attributes[OUTPUT]).toBe("41");
    expect(parent.attributes["langfuse.observation.type"]).toBe("span");
    const c = spans.find((s) => s.name === "child")!;
    expect(c.parentSpanId).toBe(parent.spanId);
    expect(c.traceId).toBe(parent.traceId);
  });

  it("captureOutput throwing: the value is returned unchanged and the output records the failure (sync and async)", async () => {
    const bad = () => {
      throw new Error("output mapper exploded");
    };
    const syncF = observe((x: number) => ({ v: x }), { name: "bad-output-sync", captureOutput: bad });
    const asyncF = observe(async (x: number) => ({ v: x }), { name: "bad-output-async", captureOutput: bad });
    expect(syncF(1)).toEqual({ v: 1 });
    await expect(asyncF(2)).resolves.toEqual({ v: 2 });
    const spans = await h.spans();
    for (const name of ["bad-output-sync", "bad-output-async"]) {
      const s = spans.find((x) => x.name === name)!;
      expect(s.attributes[OUTPUT]).toBe("<failed to capture output: output mapper exploded>");
      expect(s.attributes[INPUT]).toBeDefined();
    }
  });

  it("the same holds for @Observe on a method (this kept, span recorded)", async () => {
    class Svc {
      factor = 3;
      @Observe({
        captureInput: () => {
          throw new TypeError("nope");
        },
      })
      mul(x: number): number {
        return x * this.factor;
      }
    }
    expect(new Svc().mul(5)).toBe(15);
    const s = await h.span("Svc.mul");
    expect(s.attributes[INPUT]).toBe("<failed to capture input: nope>");
    expect(s.attributes[OUTPUT]).toBe("15");
  });
});

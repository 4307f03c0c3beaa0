import { observe } from "../../src";
import { startHarness, type Harness } from "./helpers/harness";

const OUTPUT = "langfuse.observation.output";

describe("output collected from streams", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ maxFieldChars: 1000 });
  });
  afterEach(async () => {
    await h.stop();
  });

  it("decodes a byte stream with one streaming decoder: multi-byte characters split across chunks stay whole", async () => {
    const bytes = new TextEncoder().encode("héllo 😀 wörld");
    // Split inside "é" (2 bytes) and inside the emoji (4 bytes), and one byte at a time at the end.
    const cuts = [0, 2, 8, 9, 11, 12, 13, 14, 15, bytes.length];
    const f = observe(
      () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            for (let i = 0; i + 1 < cuts.length; i++) c.enqueue(bytes.slice(cuts[i], cuts[i + 1]));
            c.close();
          },
        }),
      { name: "bytes" },
    );
    const reader = f().getReader();
    const received: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await reader.read();
      if (r.done) break;
      received.push(r.value);
    }
    // The consumer still gets the very same bytes.
    expect(Buffer.concat(received).toString("utf8")).toBe("héllo 😀 wörld");
    expect((await h.span("bytes")).attributes[OUTPUT]).toBe("héllo 😀 wörld");
  });

  it("an incomplete trailing sequence becomes one replacement character, nothing is lost before it", async () => {
    const bytes = new TextEncoder().encode("ok 😀");
    const f = observe(
      () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(bytes.slice(0, bytes.length - 1));
            c.close();
          },
        }),
      { name: "cut-bytes" },
    );
    const reader = f().getReader();
    for (let i = 0; i < 10 && !(await reader.read()).done; i++);
    expect((await h.span("cut-bytes")).attributes[OUTPUT]).toBe("ok \uFFFD");
  });

  it("stops collecting at the field cap (by characters, not only by chunk count) and says how many chunks were left out", async () => {
    const big = "a".repeat(100_000);
    const f = observe(
      async function* () {
        for (let i = 0; i < 10; i++) yield big;
      },
      { name: "big-chunks" },
    );
    let consumed = 0;
    for await (const chunk of f()) consumed += (chunk as string).length;
    expect(consumed).toBe(1_000_000); // the consumer gets everything
    const out = (await h.span("big-chunks")).attributes[OUTPUT] as string;
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out).toMatch(/^a+\.\.\.\[10 more chunks\]$/);
  });

  it("caps a decoded byte stream the same way", async () => {
    const chunk = new TextEncoder().encode("é".repeat(50_000));
    const f = observe(
      () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            for (let i = 0; i < 5; i++) c.enqueue(chunk);
            c.close();
          },
        }),
      { name: "big-bytes" },
    );
    const reader = f().getReader();
    for (let i = 0; i < 100 && !(await reader.read()).done; i++);
    const out = (await h.span("big-bytes")).attributes[OUTPUT] as string;
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out).toMatch(/^é+\.\.\.\[5 more chunks\]$/);
  });
});

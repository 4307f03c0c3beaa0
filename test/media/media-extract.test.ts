import { decodeExactBase64 } from "../../src/media/media-extract";

/** Padded base64, as the regex a careful reader would write. */
const EXACT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const reference = (text: string): Buffer | undefined => (text.length > 0 && EXACT.test(text) ? Buffer.from(text, "base64") : undefined);

/** A small deterministic PRNG (mulberry32): the same cases on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("decodeExactBase64 (the data-URI run check)", () => {
  it("accepts exactly the padded base64 texts, with the bytes Buffer.from gives, over 20,000 mutated cases", () => {
    const random = rng(11);
    const foreign = ["-", "_", "=", " ", "\n", "!", '"', "\\", "é", "A", "+", "/", "==", "%3D"];
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = Buffer.alloc(Math.floor(random() * 40) + 1, 0);
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      let text = bytes.toString("base64");
      const edits = Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (text.length + 1));
        const what = foreign[Math.floor(random() * foreign.length)];
        const kind = random();
        if (kind < 0.4) text = text.slice(0, at) + what + text.slice(at + 1);
        else if (kind < 0.8) text = text.slice(0, at) + what + text.slice(at);
        else text = text.slice(0, at);
      }
      const want = reference(text);
      const got = decodeExactBase64(text);
      if (want === undefined) {
        expect({ text, got }).toEqual({ text, got: undefined });
        rejected++;
      } else {
        expect({ text, ok: got !== undefined && got.equals(want) }).toEqual({ text, ok: true });
        accepted++;
      }
    }
    // Both sides of the check were exercised.
    expect(accepted).toBeGreaterThan(5_000);
    expect(rejected).toBeGreaterThan(5_000);
  });

  it("rejects the cases Buffer.from would quietly accept", () => {
    for (const text of ["QU-_", "QQ==QUJD", "QUJDQQ=A", "QU J", "QUJDQ===", "QUJDQ", "", "===="]) expect(decodeExactBase64(text)).toBeUndefined();
    expect(decodeExactBase64("QUJD")?.toString()).toBe("ABC");
    expect(decodeExactBase64("QUI=")?.toString()).toBe("AB");
  });
});

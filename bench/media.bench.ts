/**
 * Media: what finding media costs on the calling thread, with ratios measured in this run.
 *  1. serializing an ordinary value (no media) with the media hook installed vs without it;
 *  2. a traced call whose input holds a 512 KB image as a data URI vs the same call with the
 *     same text minus the data-URI marker (what the reference swap, decode and hash add), and the
 *     time for flush() to store the images in the embedded store afterwards.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Langfuse, observe } from "../src";
import { extractMedia } from "../src/media/media-extract";
import { serializeValue, setSerializedValueHook } from "../src/tracing/serialize";

function nsPerOp(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t) / n;
}

async function main(): Promise<void> {
  const value = { messages: [{ role: "user", content: "What is the capital of France? ".repeat(10) }], temperature: 0.2, meta: { a: 1, b: [1, 2, 3] } };
  const rows: string[] = [];
  for (let round = 0; round < 3; round++) {
    setSerializedValueHook(undefined);
    const plain = nsPerOp(100_000, () => serializeValue(value, 1_000_000));
    setSerializedValueHook(extractMedia);
    const hooked = nsPerOp(100_000, () => serializeValue(value, 1_000_000));
    rows.push(`serialize a 400-char value: ${plain.toFixed(0)} ns without the media hook, ${hooked.toFixed(0)} ns with it (ratio ${(hooked / plain).toFixed(2)})`);
  }

  const dir = mkdtempSync(join(tmpdir(), "lf-media-bench-"));
  const langfuse = new Langfuse({ localDbPath: join(dir, "bench.db"), flushInterval: 3600 });
  try {
    const N = 40;
    // Flat strings (replace() copies), like the text below: a concatenation would be flattened
    // by the first serialization, inside the timed call.
    const image = (): string => `data:image/png;base64,${randomBytes(512 * 1024).toString("base64")}`.replace("data:", "data:");
    const images = Array.from({ length: N }, image);
    // The same characters without the data-URI marker: the same serialization work, no media.
    const texts = images.map((s) => s.replace(";base64,", ";b64:,,"));
    const f = observe((input: string) => input.length, { name: "bench-media", captureOutput: false });
    for (const round of [0, 1]) {
      let t = process.hrtime.bigint();
      for (const s of texts) f(s);
      const textMs = Number(process.hrtime.bigint() - t) / 1e6 / N;
      await langfuse.flush();
      // New bytes each round: the same image twice would be deduplicated.
      const batch = round === 0 ? images : images.map(image);
      t = process.hrtime.bigint();
      for (const s of batch) f(s);
      const mediaMs = Number(process.hrtime.bigint() - t) / 1e6 / N;
      t = process.hrtime.bigint();
      const report = await langfuse.flush();
      const flushMs = Number(process.hrtime.bigint() - t) / 1e6;
      const media = report.reports.find((r) => r.name === "media");
      rows.push(
        `traced call with a 512 KB image: ${mediaMs.toFixed(2)} ms vs ${textMs.toFixed(2)} ms for the same text without the data-URI marker (ratio ${(mediaMs / textMs).toFixed(2)}); ` +
          `flush of ${N} uploads ${flushMs.toFixed(0)} ms (${media?.delivered ?? 0} delivered, ${media?.failed ?? 0} failed)`,
      );
    }
  } finally {
    await langfuse.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of rows) console.log(r);
}

void main();

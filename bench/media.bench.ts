/**
 * Media: what finding media costs on the calling thread, with ratios measured in this run.
 *  1. serializing an ordinary value (no media) with the media hook installed vs without it;
 *  2. extracting one 512 KB image from a serialized value (what the hook does on the calling
 *     thread: find the data URI, base64-decode it, check the run is exactly base64, SHA-256 the
 *     bytes for the media id, register it), with the cost of its steps measured alone: the
 *     hash cannot leave the calling thread because the media id in the reference string is the
 *     hash (Langfuse's POST /media contract) and the reference is written into the span
 *     attribute right there;
 *  3. a traced call whose input holds a 512 KB image as a data URI vs the same call with the
 *     same text minus the data-URI marker (what the reference swap, decode and hash add), and the
 *     time for flush() to store the images in the embedded store afterwards.
 * Times are per operation; "cpu" is process.cpuUsage (user + system) over the same loop, which
 * other processes on the machine disturb less than wall time.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Langfuse, observe } from "../src";
import { extractMedia } from "../src/media/media-extract";
import { mediaIdFromSha256 } from "../src/media/media-reference";
import { pendingMedia } from "../src/media/pending-media";
import { serializeValue, setSerializedValueHook } from "../src/tracing/serialize";

interface Cost {
  wallNs: number;
  cpuNs: number;
}

function perOp(n: number, fn: (i: number) => void, warmup = Math.min(n, 2000)): Cost {
  for (let i = 0; i < warmup; i++) fn(i);
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const wallNs = Number(process.hrtime.bigint() - t) / n;
  const cpu = process.cpuUsage(c);
  return { wallNs, cpuNs: ((cpu.user + cpu.system) * 1000) / n };
}

const ms = (ns: number): string => (ns / 1e6).toFixed(3);
const fmt = (c: Cost): string => `${ms(c.wallNs)} ms (cpu ${ms(c.cpuNs)} ms)`;

async function main(): Promise<void> {
  const value = { messages: [{ role: "user", content: "What is the capital of France? ".repeat(10) }], temperature: 0.2, meta: { a: 1, b: [1, 2, 3] } };
  const rows: string[] = [];
  for (let round = 0; round < 3; round++) {
    setSerializedValueHook(undefined);
    const plain = perOp(100_000, () => serializeValue(value, 1_000_000)).wallNs;
    setSerializedValueHook(extractMedia);
    const hooked = perOp(100_000, () => serializeValue(value, 1_000_000)).wallNs;
    rows.push(`serialize a 400-char value: ${plain.toFixed(0)} ns without the media hook, ${hooked.toFixed(0)} ns with it (ratio ${(hooked / plain).toFixed(2)})`);
  }

  // 2. Extraction alone. Every operation gets new bytes (the registry dedupes by id), and the
  // registry is drained between rounds (no client uploads here).
  const M = 60;
  for (let round = 0; round < 3; round++) {
    const bytes = Array.from({ length: M }, () => randomBytes(512 * 1024));
    const b64 = bytes.map((b) => b.toString("base64"));
    const values = b64.map((s) => JSON.stringify({ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${s}` } }] }));
    const decode = perOp(M, (i) => Buffer.from(b64[i], "base64"), 0);
    const reencode = perOp(M, (i) => bytes[i].toString("base64") === b64[i], 0);
    const hash = perOp(M, (i) => createHash("sha256").update(bytes[i]).digest("base64"), 0);
    let replaced = 0;
    const extract = perOp(M, (i) => (replaced += extractMedia(values[i]).length < 1000 ? 1 : 0), 0);
    drainRegistry(bytes);
    rows.push(
      `extract a 512 KB image from a serialized value: ${fmt(extract)} (${replaced}/${M} replaced); its steps alone: base64 decode ${fmt(decode)}, ` +
        `sha256 ${fmt(hash)}, re-encoding to compare (the exactness check before this change) ${fmt(reencode)}`,
    );
  }

  const dir = mkdtempSync(join(tmpdir(), "lf-media-bench-"));
  const langfuse = new Langfuse({ localDbPath: join(dir, "bench.db"), flushInterval: 3600 });
  try {
    const N = 40;
    // Flat strings (replace() copies), like the text below: a concatenation would be flattened
    // by the first serialization, inside the timed call.
    const image = (): string => `data:image/png;base64,${randomBytes(512 * 1024).toString("base64")}`.replace("data:", "data:");
    const f = observe((input: string) => input.length, { name: "bench-media", captureOutput: false });
    for (const round of [0, 1, 2]) {
      // New bytes each round (the same image twice would be deduplicated), and new texts: a
      // string serialized before is cheaper to serialize again.
      const images = Array.from({ length: N }, image);
      // The same characters without the data-URI marker: the same serialization work, no media.
      const texts = images.map((s) => s.replace(";base64,", ";b64:,,"));
      const text = perOp(N, (i) => f(texts[i]), 0);
      await langfuse.flush();
      const media = perOp(N, (i) => f(images[i]), 0);
      const t = process.hrtime.bigint();
      const report = await langfuse.flush();
      const flushMs = Number(process.hrtime.bigint() - t) / 1e6;
      const uploads = report.reports.find((r) => r.name === "media");
      rows.push(
        `traced call with a 512 KB image: ${fmt(media)} vs ${fmt(text)} for the same text without the data-URI marker ` +
          `(ratio ${(media.wallNs / text.wallNs).toFixed(2)}, cpu ratio ${(media.cpuNs / text.cpuNs).toFixed(2)}); ` +
          `flush of ${N} uploads ${flushMs.toFixed(0)} ms (${uploads?.delivered ?? 0} delivered, ${uploads?.failed ?? 0} failed)`,
      );
    }
  } finally {
    await langfuse.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of rows) console.log(r);
}

/** Releases what section 2 registered (no span claims it here): one acquire/release per id. */
function drainRegistry(contents: Buffer[]): void {
  for (const bytes of contents) {
    const id = mediaIdFromSha256(createHash("sha256").update(bytes).digest("base64"));
    if (pendingMedia.acquire(id)) pendingMedia.release(id);
  }
}

void main();

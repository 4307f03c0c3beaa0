import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Langfuse, observe } from "../src";

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lf-mprof-"));
  const langfuse = new Langfuse({ localDbPath: join(dir, "b.db"), flushInterval: 3600 });
  const N = 40;
  const image = (): string => `data:image/png;base64,${randomBytes(512 * 1024).toString("base64")}`.replace("data:", "data:");
  const f = observe((input: string) => input.length, { name: "bench-media", captureOutput: false });
  const cpu = (fn: () => void): number => { const c = process.cpuUsage(); fn(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
  for (let round = 0; round < 4; round++) {
    const images = Array.from({ length: N }, image);
    const texts = images.map((s) => s.replace(";base64,", ";b64:,,"));
    const tText = cpu(() => { for (const s of texts) f(s); });
    await langfuse.flush();
    const tImg = cpu(() => { for (const s of images) f(s); });
    await langfuse.flush();
    console.log(`round ${round}: cpu/call text ${(tText / N).toFixed(2)} ms, image ${(tImg / N).toFixed(2)} ms, diff ${((tImg - tText) / N).toFixed(2)} ms`);
  }
  await langfuse.shutdown();
}
void main();

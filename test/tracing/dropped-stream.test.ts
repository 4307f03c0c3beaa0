import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

/**
 * Streams returned from traced calls keep their span open until consumed. One that is dropped
 * unread must still end (when garbage-collected) instead of never being exported. Runs in a
 * child process with --expose-gc so collection can be forced.
 */
describe("dropped, never-consumed streams", () => {
  it("end their span with a 'Not consumed' status when garbage-collected", () => {
    const dir = mkdtempSync(join(tmpdir(), "lf-gc-"));
    try {
      const script = join(dir, "script.ts");
      writeFileSync(
        script,
        `import { InMemorySpanExporter } from ${JSON.stringify(require.resolve("@opentelemetry/sdk-trace-base"))};
import { NodeTracerProvider } from ${JSON.stringify(require.resolve("@opentelemetry/sdk-trace-node"))};
import { Langfuse, LangfuseSpanProcessor, observe } from ${JSON.stringify(join(ROOT, "src"))};
const exporter = new InMemorySpanExporter();
const processor = new LangfuseSpanProcessor({ exporter, publicKey: "pk", secretKey: "sk" });
new NodeTracerProvider({ spanProcessors: [processor] }).register();
new Langfuse({ publicKey: "pk", secretKey: "sk", baseUrl: "http://127.0.0.1:9" });
const gen = observe(function* g() { yield 1; }, { name: "dropped-gen" });
const agen = observe(async function* ag() { yield 1; }, { name: "dropped-agen" });
const iterable = observe(() => ({ async *[Symbol.asyncIterator]() { yield 1; } }), { name: "dropped-iterable" });
const web = observe(() => new ReadableStream({ start(c) { c.enqueue("x"); c.close(); } }), { name: "dropped-web" });
(function drop() { gen(); agen(); iterable(); web(); })();
(async () => {
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  for (let i = 0; i < 50 && exporter.getFinishedSpans().length + (processor as unknown as { queue: unknown[] }).queue.length < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  await processor.forceFlush();
  const out = exporter.getFinishedSpans().map((s) => [s.name, s.attributes["langfuse.observation.status_message"]]);
  process.stdout.write("RESULT " + JSON.stringify(out.sort()));
  process.exit(0);
})();
`,
      );
      const run = spawnSync(process.execPath, ["--expose-gc", "-r", require.resolve("ts-node/register/transpile-only"), script], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json") },
        timeout: 120_000,
      });
      expect([run.status, run.stderr]).toEqual([0, ""]);
      const line = run.stdout.split("\n").find((l) => l.includes("RESULT ")) ?? "RESULT []";
      const spans = JSON.parse(line.slice(line.indexOf("RESULT ") + 7)) as [string, string][];
      expect(spans.map((s) => s[0])).toEqual(["dropped-agen", "dropped-gen", "dropped-iterable", "dropped-web"]);
      for (const [, message] of spans) expect(message).toMatch(/^Not consumed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

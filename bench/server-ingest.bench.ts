/**
 * Ingestion throughput of the local server over OTLP/JSON, fed by the real
 * @opentelemetry/exporter-trace-otlp-http exporter behind a BatchSpanProcessor (what an app
 * using the official Langfuse JS SDK runs). The server runs as its own process (`serve`, as a
 * user would start it), so client and server each get a core of this 2-core machine.
 *
 * Prints spans/s (stored spans, checked by reading the count back) and the peak RSS of both
 * processes. Goal: >= 20,000 spans/s.
 *
 * Then one big request: a single OTLP/JSON post of about 27.5 MB, while another process takes
 * and releases the store's write lock in a loop; prints how long that process had to wait at
 * most (the longest time the server held the lock in one go) and how long the post took.
 *
 *   npm run bench server-ingest          # 100,000 spans
 *   BENCH_SPANS=20000 npm run bench server-ingest
 */
import { context, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const TOTAL = Number(process.env.BENCH_SPANS ?? 100_000);
const SPANS_PER_TRACE = 10;
const GOAL = 20_000;
const MAX_IN_FLIGHT = 20_000;
const PK = "pk-lf-bench";
const SK = "sk-lf-bench";

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** user+system CPU seconds a process has used so far (from /proc; clock ticks are 100 Hz on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServerProcess(dbPath: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "src/cli/main.ts"), "serve", "--port", "0", "--db", dbPath], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json"), LANGFUSE_PUBLIC_KEY: PK, LANGFUSE_SECRET_KEY: SK },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start within 60 s")), 60_000);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /LANGFUSE_BASE_URL=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  child.stdout!.resume();
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners("exit");
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function storedCount(url: string): Promise<number> {
  const res = await fetch(`${url}/api/public/observations?limit=1`, {
    headers: { authorization: "Basic " + Buffer.from(`${PK}:${SK}`).toString("base64") },
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { meta: { totalItems: number } };
  return body.meta.totalItems;
}

/** One OTLP/JSON request body of `n` spans with ~1 KB of input each (~1.1 KB per span). */
function bigOtlpBody(n: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = [];
  const filler = "x".repeat(1000);
  for (let i = 0; i < n; i++) {
    const t = (now + BigInt(i)).toString();
    spans.push({
      traceId: (0xb000000 + Math.floor(i / 10)).toString(16).padStart(32, "0"),
      spanId: (0xb000000 + i).toString(16).padStart(16, "0"),
      name: `big-${i}`,
      kind: 1,
      startTimeUnixNano: t,
      endTimeUnixNano: t,
      attributes: [{ key: "langfuse.observation.input", value: { stringValue: filler } }],
    });
  }
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: "big" }, spans }] }] });
}

/**
 * Another process that takes the write lock (BEGIN IMMEDIATE, waiting as long as needed) and
 * releases it at once, every 5 ms, until told to stop; it prints the longest wait.
 */
function startLockProbe(dbPath: string): { stop: () => Promise<number> } {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const D = require(${JSON.stringify(require.resolve("better-sqlite3"))});
       const db = new D(${JSON.stringify(dbPath)});
       db.pragma("busy_timeout = 60000");
       let max = 0, stop = false;
       process.stdin.on("data", () => { stop = true; });
       const tick = () => {
         if (stop) { process.stdout.write(String(max) + "\\n"); db.close(); process.exit(0); }
         const t0 = performance.now();
         db.exec("BEGIN IMMEDIATE");
         max = Math.max(max, performance.now() - t0);
         db.exec("COMMIT");
         setTimeout(tick, 5);
       };
       tick();`,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.on("exit", () => resolve(Number(out.trim())));
        child.stdin!.write("stop\n");
      }),
  };
}

async function bigPost(url: string, dbPath: string): Promise<[string, string][]> {
  const body = bigOtlpBody(Number(process.env.BENCH_BIG_SPANS ?? 24_000));
  const probe = startLockProbe(dbPath);
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  const res = await fetch(`${url}/api/public/otel/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Basic " + Buffer.from(`${PK}:${SK}`).toString("base64") },
    body,
    signal: AbortSignal.timeout(120_000),
  });
  await res.arrayBuffer();
  const postMs = performance.now() - t0;
  const longestWait = await probe.stop();
  return [
    ["big post: body", `${(body.length / 1e6).toFixed(1)} MB, status ${res.status}`],
    ["big post: answered after", `${(postMs / 1000).toFixed(2)} s`],
    ["big post: another process's longest wait for the write lock", `${longestWait.toFixed(0)} ms`],
  ];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lfd-bench-server-"));
  const dbPath = join(dir, "langfuse.db");
  const server = await startServerProcess(dbPath);
  let exportFailures = 0;
  let settled = 0;
  try {
    const exporter = new OTLPTraceExporter({
      url: `${server.url}/api/public/otel/v1/traces`,
      concurrencyLimit: 64,
      headers: { Authorization: "Basic " + Buffer.from(`${PK}:${SK}`).toString("base64"), "x-langfuse-ingestion-version": "4" },
    });
    const counting = {
      export: (spans: Parameters<typeof exporter.export>[0], cb: Parameters<typeof exporter.export>[1]) =>
        exporter.export(spans, (r) => {
          settled += spans.length;
          if (r.code !== 0) exportFailures += spans.length;
          cb(r);
        }),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush(),
    };
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "bench" }),
      spanProcessors: [new BatchSpanProcessor(counting, { maxQueueSize: TOTAL + 1, maxExportBatchSize: 1000, scheduledDelayMillis: 5 })],
    });
    const tracer = provider.getTracer("langfuse-sdk", "bench");

    const serverIdleRss = rssMb(server.pid);
    const serverCpuBefore = cpuSeconds(server.pid);
    const clientCpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let t = 0; t < TOTAL / SPANS_PER_TRACE; t++) {
      const root = tracer.startSpan(`request-${t}`, { attributes: { "langfuse.observation.type": "span", "langfuse.trace.name": "bench", "user.id": `u-${t % 50}` } });
      const ctx = trace.setSpan(context.active(), root);
      for (let i = 1; i < SPANS_PER_TRACE; i++) {
        const s = tracer.startSpan(
          `llm-${i}`,
          {
            attributes: {
              "langfuse.observation.type": "generation",
              "langfuse.observation.model.name": "gpt-4o-mini",
              "langfuse.observation.input": JSON.stringify([{ role: "user", content: `question ${t}.${i}` }]),
              "langfuse.observation.output": JSON.stringify({ role: "assistant", content: "answer" }),
              "langfuse.observation.usage_details": JSON.stringify({ input: 42, output: 7 }),
            },
          },
          ctx,
        );
        s.end();
      }
      root.end();
      // Let the batch processor's exports run while spans are produced, and keep at most
      // MAX_IN_FLIGHT spans unacknowledged (an app would bound its queue the same way).
      if (t % 100 === 99) {
        await new Promise((r) => setImmediate(r));
        while ((t + 1) * SPANS_PER_TRACE - settled > MAX_IN_FLIGHT) await new Promise((r) => setTimeout(r, 1));
      }
    }
    await provider.forceFlush();
    const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
    const serverCpu = cpuSeconds(server.pid) - serverCpuBefore;
    const clientUsage = process.cpuUsage(clientCpuBefore);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const stored = await storedCount(server.url);
    const serverRss = peakRssMb(server.pid);
    const clientRss = peakRssMb(process.pid);
    await provider.shutdown();

    const rate = stored / elapsedS;
    const rows: [string, string][] = [
      ["spans sent", String(TOTAL)],
      ["spans stored (read back)", String(stored)],
      ["export failures (spans)", String(exportFailures)],
      ["elapsed", `${elapsedS.toFixed(2)} s`],
      ["throughput", `${Math.round(rate).toLocaleString("en-US")} spans/s`],
      ["vs goal 20,000 spans/s", `${(rate / GOAL).toFixed(2)}x`],
      ["server CPU (share of elapsed)", `${serverCpu.toFixed(2)} s (${Math.round((serverCpu / elapsedS) * 100)} %)`],
      ["server capacity per CPU-second", `${Math.round(stored / serverCpu).toLocaleString("en-US")} spans/s`],
      ["client CPU (share of elapsed)", `${clientCpu.toFixed(2)} s (${Math.round((clientCpu / elapsedS) * 100)} %)`],
      ["load average (1 min)", loadavg()[0]!.toFixed(2)],
      ["server RSS idle (ts-node loaded)", `${serverIdleRss.toFixed(0)} MB`],
      ["server peak RSS", `${serverRss.toFixed(0)} MB`],
      ["client peak RSS", `${clientRss.toFixed(0)} MB`],
      ...(await bigPost(server.url, dbPath)),
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log("Local server ingestion: OTLP/JSON from @opentelemetry/exporter-trace-otlp-http, BatchSpanProcessor (batch 1000), 10-span traces");
    for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
    if (stored !== TOTAL) process.exitCode = 1;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

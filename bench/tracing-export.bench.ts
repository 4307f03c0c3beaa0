/**
 * Tracing on the real path: every variant exports over OTLP/HTTP to a receiver on 127.0.0.1
 * running in its own process (bench/otlp-counting-receiver.ts), which counts what it receives.
 *
 *   otel          raw OpenTelemetry startActiveSpan + end (no attributes), BatchSpanProcessor,
 *                 the stock OTLP JSON exporter (@opentelemetry/exporter-trace-otlp-http)
 *   otel-attrs    the same, setting what a Langfuse span carries (type, input and output JSON)
 *   observe       this SDK's @Observe, Langfuse client in HTTP mode (OTLP protobuf, default)
 *   observe-json  the same with exportEncoding "json"
 *   official      the official observe() (@langfuse/tracing) + LangfuseSpanProcessor (@langfuse/otel)
 *
 * Queues are sized so that no variant drops (OTEL_BSP_MAX_QUEUE_SIZE for the stock batch
 * processors, maxQueueSize for ours); every run checks delivered == produced. "hot" is time
 * inside the call loops (chunks of 1000, a setImmediate yield between chunks so batches
 * export), "total" runs until the last span was acknowledged by the receiver (the whole cost
 * per call), "CPU" is the variant process's CPU time over the total (the receiver's is not in it).
 *
 * "hot" leaves out the time spent inside the exporter's export() (serialization, request
 * set-up: a few us per span with either SDK's encoder), shown apart as "export in hot". The SDKs
 * start exports at different moments, so the timed loops used to catch different amounts of
 * it: the stock BatchSpanProcessor runs one export at a time and starts the next one when the
 * previous answer arrives (an I/O callback, between the loops), while ours starts up to 4 on a
 * microtask, which runs inside the async loop (an await per call drains microtasks) and after
 * the sync loop. The async "hot" of @Observe thus carried nearly all of its export (it read
 * 1.64x raw OTel on an idle machine), the stock one almost none. The export's cost stays in
 * "total" and "CPU"; our processor's own batch work (span checks, masking) is not subtracted.
 *
 * Then a burst with every SDK's default settings: 100,000 synchronous calls without a yield,
 * then flush; prints how many spans each delivered.
 *
 *   npm run bench tracing        BENCH_EXPORT_N=100000 BENCH_EXPORT_RUNS=5 BENCH_EXPORT_ROUNDS=3 npm run bench tracing-export
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildDist, fmt, median, printTable, ratio, reportFromChild, runChild } from "./bench-util";

const VARIANTS = ["otel", "otel-attrs", "observe", "observe-json", "official"] as const;
type Variant = (typeof VARIANTS)[number];
type Mode = "sync" | "async" | "burst";

const N = Number(process.env.BENCH_EXPORT_N ?? 50_000);
const RUNS = Number(process.env.BENCH_EXPORT_RUNS ?? 3);
const ROUNDS = Number(process.env.BENCH_EXPORT_ROUNDS ?? 3);
const BURST = Number(process.env.BENCH_EXPORT_BURST ?? 100_000);
const CHUNK = 1_000;
const KEYS = { publicKey: "pk-lf-bench", secretKey: "sk-lf-bench" };

interface Result {
  variant: Variant;
  mode: Mode;
  /** Time in the call loops minus the time spent inside exporter.export() during them. */
  hotNs: number;
  /** The time spent inside exporter.export() while the call loops ran. */
  exportInHotNs: number;
  totalNs: number;
  cpuNs: number;
  produced: number;
  delivered: number;
}


function receiverCount(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/count`, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { spans: number }).spans));
      })
      .on("error", reject);
  });
}

/** Waits (bounded) until the receiver has counted `target` spans; returns what it counted. */
async function waitForCount(url: string, target: number, maxMs: number): Promise<number> {
  const end = Date.now() + maxMs;
  let n = await receiverCount(url);
  while (n < target && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 2));
    n = await receiverCount(url);
  }
  return n;
}

/** Runs inside the child process: sets up one variant and measures it. */
async function child(variant: Variant, mode: Mode, url: string): Promise<Result> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const burst = mode === "burst";
  const syncFn = (x: number): number => x + 1;
  const asyncFn = async (x: number): Promise<number> => x + 1;
  let call: (x: number) => unknown;
  let flush: () => Promise<unknown>;
  // Time spent synchronously inside exporter.export(), whichever SDK calls it and when.
  let exportMs = 0;
  const timeExports = (target: { export: (...a: unknown[]) => unknown }): void => {
    const original = target.export;
    target.export = function (this: unknown, ...a: unknown[]): unknown {
      const t = performance.now();
      try {
        return original.apply(this, a);
      } finally {
        exportMs += performance.now() - t;
      }
    };
  };

  if (variant === "otel" || variant === "otel-attrs") {
    const { BasicTracerProvider, BatchSpanProcessor } = require("@opentelemetry/sdk-trace-base");
    const { AsyncLocalStorageContextManager } = require("@opentelemetry/context-async-hooks");
    const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http");
    const api = require("@opentelemetry/api");
    // Outside the burst, the exporter may have as many requests in flight as it needs (its
    // default limit of 30 fails exports on a busy machine; nothing may be lost here).
    const exporter = new OTLPTraceExporter({ url: `${url}/api/public/otel/v1/traces`, ...(burst ? {} : { concurrencyLimit: 100_000 }) });
    timeExports(exporter);
    const processor = new BatchSpanProcessor(exporter);
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    api.trace.setGlobalTracerProvider(provider);
    const tracer = api.trace.getTracer("bench");
    type S = { end(): void; setAttribute(k: string, v: unknown): void };
    const attrs = variant === "otel-attrs";
    call =
      mode !== "async"
        ? (x: number) =>
            tracer.startActiveSpan("fn", (span: S) => {
              try {
                if (attrs) {
                  span.setAttribute("langfuse.observation.type", "span");
                  span.setAttribute("langfuse.observation.input", JSON.stringify([x]));
                }
                const out = syncFn(x);
                if (attrs) span.setAttribute("langfuse.observation.output", JSON.stringify(out));
                return out;
              } finally {
                span.end();
              }
            })
        : (x: number) =>
            tracer.startActiveSpan("fn", async (span: S) => {
              try {
                if (attrs) {
                  span.setAttribute("langfuse.observation.type", "span");
                  span.setAttribute("langfuse.observation.input", JSON.stringify([x]));
                }
                const out = await asyncFn(x);
                if (attrs) span.setAttribute("langfuse.observation.output", JSON.stringify(out));
                return out;
              } finally {
                span.end();
              }
            });
    flush = () => processor.forceFlush();
  } else if (variant === "observe" || variant === "observe-json") {
    // The built package (what users run), like the official one; the parent builds dist/ first.
    const sdk = require("../dist/src") as typeof import("../src");
    // The client builds its exporter itself: time the class's export().
    timeExports((require("../dist/src/tracing/otlp-http-exporter") as typeof import("../src/tracing/otlp-http-exporter")).OtlpHttpExporter.prototype as never);
    const client = new sdk.Langfuse({
      ...KEYS,
      baseUrl: url,
      exportEncoding: variant === "observe-json" ? "json" : "protobuf",
      ...(burst ? {} : { maxQueueSize: 10_000_000 }),
    });
    class Service {
      @sdk.Observe({ name: "fn" })
      s(x: number): number {
        return x + 1;
      }
      @sdk.Observe({ name: "fn" })
      async a(x: number): Promise<number> {
        return x + 1;
      }
    }
    const svc = new Service();
    call = mode !== "async" ? (x) => svc.s(x) : (x) => svc.a(x);
    flush = () => client.spanProcessor.flushWithReport(120_000);
  } else {
    const { NodeTracerProvider } = require("@opentelemetry/sdk-trace-node");
    const { LangfuseSpanProcessor } = require("@langfuse/otel");
    const { observe } = require("@langfuse/tracing");
    // Outside the burst: the official processor's own exporter (same URL and headers), with
    // the concurrency limit raised so that no export fails; the burst uses its defaults.
    const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http");
    const exporter = burst
      ? undefined
      : new OTLPTraceExporter({
          url: `${url}/api/public/otel/v1/traces`,
          headers: {
            Authorization: `Basic ${Buffer.from(`${KEYS.publicKey}:${KEYS.secretKey}`).toString("base64")}`,
            "x-langfuse-sdk-name": "javascript",
            "x-langfuse-public-key": KEYS.publicKey,
          },
          concurrencyLimit: 100_000,
        });
    if (exporter) timeExports(exporter);
    const processor = new LangfuseSpanProcessor({ ...KEYS, baseUrl: url, exporter });
    new NodeTracerProvider({ spanProcessors: [processor] }).register();
    call = mode !== "async" ? observe(syncFn, { name: "fn" }) : observe(asyncFn, { name: "fn" });
    flush = () => processor.forceFlush();
  }

  if (burst) {
    const before = await receiverCount(url);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const e0 = exportMs;
    for (let i = 0; i < BURST; i++) call(41);
    const exportInHot = exportMs - e0;
    const hot = performance.now() - t0 - exportInHot;
    await flush();
    const delivered = (await waitForCount(url, before + BURST, 2_000)) - before;
    const total = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { variant, mode, hotNs: (hot * 1e6) / BURST, exportInHotNs: (exportInHot * 1e6) / BURST, totalNs: (total * 1e6) / BURST, cpuNs: ((c.user + c.system) * 1e3) / BURST, produced: BURST, delivered };
  }

  const run = async (): Promise<{ hot: number; exportInHot: number; total: number; cpu: number; delivered: number }> => {
    const before = await receiverCount(url);
    let hot = 0;
    let exportInHot = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let c = 0; c < N / CHUNK; c++) {
      const s = performance.now();
      const e0 = exportMs;
      if (mode === "sync") for (let i = 0; i < CHUNK; i++) call(41);
      else for (let i = 0; i < CHUNK; i++) await call(41);
      const e = exportMs - e0;
      hot += performance.now() - s - e;
      exportInHot += e;
      await new Promise((r) => setImmediate(r));
    }
    await flush();
    const delivered = (await waitForCount(url, before + N, 5_000)) - before;
    const total = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { hot, exportInHot, total, cpu: (c.user + c.system) / 1000, delivered };
  };
  await run(); // warm-up
  const hots: number[] = [];
  const exportsInHot: number[] = [];
  const totals: number[] = [];
  const cpus: number[] = [];
  let delivered = 0;
  for (let r = 0; r < RUNS; r++) {
    const res = await run();
    hots.push(res.hot);
    exportsInHot.push(res.exportInHot);
    totals.push(res.total);
    cpus.push(res.cpu);
    delivered += res.delivered;
  }
  return { variant, mode, hotNs: (median(hots) * 1e6) / N, exportInHotNs: (median(exportsInHot) * 1e6) / N, totalNs: (median(totals) * 1e6) / N, cpuNs: (median(cpus) * 1e6) / N, produced: N * RUNS, delivered };
}


function startReceiver(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "otlp-counting-receiver.ts")], {
    stdio: ["pipe", "pipe", "inherit"],
    env: process.env,
  });
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString("utf8");
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, proc });
    });
    proc.on("exit", (code) => reject(new Error(`receiver exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const [variantArg, modeArg, urlArg] = process.argv.slice(2);
  if (variantArg) {
    reportFromChild(await child(variantArg as Variant, modeArg as Mode, urlArg));
  }
  buildDist();
  const receiver = await startReceiver();
  const runVariant = (variant: Variant, mode: Mode, env: NodeJS.ProcessEnv): Result | undefined =>
    runChild<Result>(__filename, [variant, mode, receiver.url], env, `${variant}/${mode}`, 600_000);
  try {
    console.log(`tracing with export to an OTLP receiver on 127.0.0.1 (own process): ${N} calls x ${RUNS} runs (median) x ${ROUNDS} interleaved process rounds (median); ns per call`);
    // No variant may drop: the stock batch processors read OTEL_BSP_MAX_QUEUE_SIZE.
    const noDropEnv = { ...process.env, OTEL_BSP_MAX_QUEUE_SIZE: String(10_000_000) };
    const all: Result[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ["sync", "async"] as Mode[]) {
        for (const variant of VARIANTS) {
          const r = runVariant(variant, mode, noDropEnv);
          if (r) all.push(r);
        }
      }
    }
    const get = (v: Variant, m: Mode): Result | undefined => {
      const rs = all.filter((r) => r.variant === v && r.mode === m);
      if (rs.length === 0) return undefined;
      return {
        variant: v,
        mode: m,
        hotNs: median(rs.map((r) => r.hotNs)),
        exportInHotNs: median(rs.map((r) => r.exportInHotNs)),
        totalNs: median(rs.map((r) => r.totalNs)),
        cpuNs: median(rs.map((r) => r.cpuNs)),
        produced: rs.reduce((a, r) => a + r.produced, 0),
        delivered: rs.reduce((a, r) => a + r.delivered, 0),
      };
    };
    const rows: string[][] = [["variant", "mode", "hot ns", "export in hot ns", "total ns", "CPU ns", "hot/otel", "total/otel-attrs", "CPU/otel-attrs", "delivered/produced"]];
    for (const mode of ["sync", "async"] as Mode[]) {
      const raw = get("otel", mode);
      const attrs = get("otel-attrs", mode);
      for (const v of VARIANTS) {
        const r = get(v, mode);
        if (!r) continue;
        rows.push([
          v,
          mode,
          fmt(r.hotNs),
          fmt(r.exportInHotNs),
          fmt(r.totalNs),
          fmt(r.cpuNs),
          raw ? ratio(r.hotNs, raw.hotNs) : "-",
          attrs ? ratio(r.totalNs, attrs.totalNs) : "-",
          attrs ? ratio(r.cpuNs, attrs.cpuNs) : "-",
          `${fmt(r.delivered)}/${fmt(r.produced)}`,
        ]);
      }
    }
    printTable(rows);
    for (const mode of ["sync", "async"] as Mode[]) {
      for (const v of ["otel-attrs", "observe", "official"] as Variant[]) {
        const per = all.filter((r) => r.variant === v && r.mode === mode).map((r) => fmt(r.totalNs));
        console.log(`  ${v} ${mode} total ns/call per process round: ${per.join(", ")}`);
      }
    }
    for (const mode of ["sync", "async"] as Mode[]) {
      const ours = get("observe", mode);
      const off = get("official", mode);
      const raw = get("otel", mode);
      const attrs = get("otel-attrs", mode);
      if (ours && off && raw && attrs) {
        console.log(
          `${mode}: @Observe whole cost = ${ratio(ours.totalNs, attrs.totalNs)} raw OTel with the same attributes (goal <= 1.0x; CPU ${ratio(ours.cpuNs, attrs.cpuNs)}); ` +
            `hot path = ${ratio(ours.hotNs, raw.hotNs)} raw startActiveSpan (goal <= 1.3x); official observe() whole cost = ${ratio(off.totalNs, ours.totalNs)} ours (goal >= 3x; CPU ${ratio(off.cpuNs, ours.cpuNs)})`,
        );
      }
    }

    console.log(`\nburst with every SDK's default settings: ${BURST.toLocaleString("en-US")} synchronous calls without a yield, then flush`);
    for (const v of ["otel", "observe", "official"] as Variant[]) {
      const r = runVariant(v, "burst", process.env);
      if (r) console.log(`  ${v.padEnd(9)} delivered ${fmt(r.delivered)} of ${fmt(r.produced)} (hot ${fmt(r.hotNs)} ns/call + export in hot ${fmt(r.exportInHotNs)}, total ${fmt(r.totalNs)} ns/call)`);
    }
  } finally {
    receiver.proc.stdin?.end();
    receiver.proc.kill();
  }
}

void main();

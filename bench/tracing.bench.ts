/**
 * Tracing overhead: ns per call (median of RUNS runs, after one warm-up run) for
 *   bare      a plain function
 *   otel      raw OpenTelemetry startActiveSpan + end, BatchSpanProcessor, no-op exporter
 *   observe   this SDK's @Observe with its full processor chain (LangfuseSpanProcessor:
 *             propagation, app-root marking, sampling, filter, bounded queue, batching), no-op exporter
 *   official  the official observe() (@langfuse/tracing) with its LangfuseSpanProcessor, no-op exporter
 * in sync and async form. Every variant runs in its own process (OTel globals and JIT state
 * must not leak). Calls run in chunks of 1000 with a setImmediate yield between chunks so
 * deferred span processing and batch exports happen; "hot" is time inside the call loops,
 * "total" also counts the yields and a final forceFlush (the amortized cost); "CPU" is the
 * process's CPU time (all threads, GC included) over the same span as "total", which other
 * load on the machine disturbs less than wall-clock time.
 *
 *   npm run bench tracing            BENCH_N=200000 BENCH_ROUNDS=7 npm run bench tracing
 */
import { performance } from "node:perf_hooks";
import { buildDist, fmt, median, printTable, ratio, reportFromChild, runChild } from "./bench-util";

const VARIANTS = ["bare", "otel", "observe", "official"] as const;
type Variant = (typeof VARIANTS)[number];
type Mode = "sync" | "async";

const N = Number(process.env.BENCH_N ?? 50_000);
const CHUNK = 1_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Five process rounds: whether V8 pretenures span objects (allocates them straight into old
// space, ~25 % slower) is decided early in each process and differs between identical runs,
// so one process is one sample and the median needs a few of them.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Result {
  variant: Variant;
  mode: Mode;
  hotNs: number;
  totalNs: number;
  /** CPU time (user + system, all threads of the process incl. GC) per call over the total: less sensitive to other load. */
  cpuNs: number;
  exported: number;
}


/** Runs inside the child process: sets up one variant and measures it. */
async function child(variant: Variant, mode: Mode): Promise<Result> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  let exported = 0;
  const noopExporter = {
    export(spans: unknown[], cb: (r: { code: number }) => void) {
      exported += spans.length;
      cb({ code: 0 });
    },
    shutdown: async () => undefined,
    forceFlush: async () => undefined,
  };
  const syncFn = (x: number): number => x + 1;
  const asyncFn = async (x: number): Promise<number> => x + 1;
  let call: (x: number) => unknown;
  let flush: () => Promise<void> = async () => undefined;

  if (variant === "bare") {
    call = mode === "sync" ? syncFn : asyncFn;
  } else if (variant === "otel") {
    const { BasicTracerProvider, BatchSpanProcessor } = require("@opentelemetry/sdk-trace-base");
    const { AsyncLocalStorageContextManager } = require("@opentelemetry/context-async-hooks");
    const api = require("@opentelemetry/api");
    const processor = new BatchSpanProcessor(noopExporter);
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    api.trace.setGlobalTracerProvider(provider);
    const tracer = api.trace.getTracer("bench");
    call =
      mode === "sync"
        ? (x: number) =>
            tracer.startActiveSpan("fn", (span: { end(): void }) => {
              try {
                return syncFn(x);
              } finally {
                span.end();
              }
            })
        : (x: number) =>
            tracer.startActiveSpan("fn", async (span: { end(): void }) => {
              try {
                return await asyncFn(x);
              } finally {
                span.end();
              }
            });
    flush = () => processor.forceFlush();
  } else if (variant === "observe") {
    const { BasicTracerProvider } = require("@opentelemetry/sdk-trace-base");
    const { AsyncLocalStorageContextManager } = require("@opentelemetry/context-async-hooks");
    const api = require("@opentelemetry/api");
    // The built package (what users run), like the official one: loading ../src through ts-node
    // would put the TypeScript compiler's allocations in this variant's process only, whose
    // heap then made V8 pretenure span objects (allocate them in old space) in most runs,
    // costing ~30 % in this variant alone. The parent builds dist/ first.
    const sdk = require("../dist/src") as typeof import("../src");
    // The user's-provider set-up: our processor with a no-op exporter on the global provider.
    const processor = new sdk.LangfuseSpanProcessor({ exporter: noopExporter as never, publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", flushAt: 512 });
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [processor] }));
    const client = new sdk.Langfuse({ publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", baseUrl: "http://127.0.0.1:9" });
    void client;
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
    call = mode === "sync" ? (x) => svc.s(x) : (x) => svc.a(x);
    flush = () => processor.forceFlush();
  } else {
    const { NodeTracerProvider } = require("@opentelemetry/sdk-trace-node");
    const { LangfuseSpanProcessor } = require("@langfuse/otel");
    const { observe } = require("@langfuse/tracing");
    const processor = new LangfuseSpanProcessor({ exporter: noopExporter, publicKey: "pk-lf-bench", secretKey: "sk-lf-bench" });
    new NodeTracerProvider({ spanProcessors: [processor] }).register();
    call = mode === "sync" ? observe(syncFn, { name: "fn" }) : observe(asyncFn, { name: "fn" });
    flush = () => processor.forceFlush();
  }

  const run = async (): Promise<{ hot: number; total: number; cpu: number }> => {
    let hot = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let c = 0; c < N / CHUNK; c++) {
      const s = performance.now();
      if (mode === "sync") for (let i = 0; i < CHUNK; i++) call(41);
      else for (let i = 0; i < CHUNK; i++) await call(41);
      hot += performance.now() - s;
      await new Promise((r) => setImmediate(r));
    }
    await flush();
    const total = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { hot, total, cpu: (c.user + c.system) / 1000 };
  };
  await run(); // warm-up
  const hots: number[] = [];
  const totals: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { hot, total, cpu } = await run();
    hots.push(hot);
    totals.push(total);
    cpus.push(cpu);
  }
  return { variant, mode, hotNs: (median(hots) * 1e6) / N, totalNs: (median(totals) * 1e6) / N, cpuNs: (median(cpus) * 1e6) / N, exported };
}


async function main(): Promise<void> {
  const [variantArg, modeArg] = process.argv.slice(2);
  if (variantArg) {
    reportFromChild(await child(variantArg as Variant, modeArg as Mode));
  }
  buildDist();
  console.log(`tracing overhead: ${N} calls x ${RUNS} runs (median) x ${ROUNDS} interleaved process rounds (median), chunks of ${CHUNK}; ns per call`);
  // The machine may be shared: processes run interleaved (every variant once per round) and
  // each figure is the median over rounds, so a noisy moment hits all variants alike.
  const all: Result[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ["sync", "async"] as Mode[]) {
      for (const variant of VARIANTS) {
        const r = runChild<Result>(__filename, [variant, mode], process.env, `${variant}/${mode}`);
        if (r) all.push(r);
      }
    }
  }
  const get = (v: Variant, m: Mode): Result | undefined => {
    const rs = all.filter((r) => r.variant === v && r.mode === m);
    if (rs.length === 0) return undefined;
    return { variant: v, mode: m, hotNs: median(rs.map((r) => r.hotNs)), totalNs: median(rs.map((r) => r.totalNs)), cpuNs: median(rs.map((r) => r.cpuNs)), exported: rs[0].exported };
  };
  const rows: string[][] = [["variant", "mode", "hot ns/call", "total ns/call", "CPU ns/call", "hot vs raw OTel", "total vs raw OTel", "CPU vs raw OTel", "spans exported"]];
  for (const mode of ["sync", "async"] as Mode[]) {
    const base = get("otel", mode);
    for (const v of VARIANTS) {
      const r = get(v, mode);
      if (!r) continue;
      rows.push([
        v,
        mode,
        fmt(r.hotNs),
        fmt(r.totalNs),
        fmt(r.cpuNs),
        base ? ratio(r.hotNs, base.hotNs) : "-",
        base ? ratio(r.totalNs, base.totalNs) : "-",
        base ? ratio(r.cpuNs, base.cpuNs) : "-",
        v === "bare" ? "-" : fmt(r.exported),
      ]);
    }
  }
  printTable(rows);
  // Per-process totals show the spread behind each median (bimodal runs are visible here).
  for (const mode of ["sync", "async"] as Mode[]) {
    for (const v of ["otel", "observe", "official"] as Variant[]) {
      const per = all.filter((r) => r.variant === v && r.mode === mode).map((r) => fmt(r.totalNs));
      console.log(`  ${v} ${mode} total ns/call per process round: ${per.join(", ")}`);
    }
  }
  for (const mode of ["sync", "async"] as Mode[]) {
    const ours = get("observe", mode);
    const off = get("official", mode);
    const raw = get("otel", mode);
    if (ours && off && raw) {
      console.log(
        `${mode}: @Observe = ${ratio(ours.totalNs, raw.totalNs)} raw OTel (goal <= 1.5x); official observe() is ${ratio(off.totalNs, ours.totalNs)} slower than @Observe (goal >= 5x), total/amortized; by CPU time ${ratio(ours.cpuNs, raw.cpuNs)} and ${ratio(off.cpuNs, ours.cpuNs)}`,
      );
    }
  }
}

void main();

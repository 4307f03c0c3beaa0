/**
 * Ingestion throughput into the embedded store, in-process: spans per second through the
 * mapping (src/local/ingest) and SQLite, one transaction per batch, and peak RSS.
 * Goal on the 2-core reference machine: ≥ 100,000 spans/s with OTel's random ids (the
 * exporter cases and the "random ids" case); the table says for each case whether it is met.
 *
 * Spans look like the SDK's: a root span with trace attributes and JSON IO, then children of
 * which a third are generations with model and usage (cost computed from the price table).
 * Each case runs several rounds of fresh span ids into one store, each round timed as one
 * window: span objects are built inside the window (a batch, or 10k OTel spans for the
 * exporter cases, at a time) and the measured build time is subtracted from wall and CPU time,
 * so the CPU time of the store's WAL checkpointer thread is counted whenever it ran. The
 * machine's load average is printed because other processes on a shared 2-core box skew
 * wall-clock figures; spans per CPU-second of this process is the load-independent view (it
 * leaves out I/O waits, and counts every thread of the process, the checkpointer included).
 *
 * Span ids are sequential in the store cases (they append to the id indexes) except in the
 * "random ids" case, which shows what the OTel SDK's random ids cost as the store grows; the
 * exporter cases use the SDK's own random ids. The two LocalSpanExporter cases wait for each
 * batch's callback before the next export (one commit per batch); the "SDK path" case puts this
 * SDK's span processor with its defaults in front of the exporter, as the embedded backend
 * does, so exports overlap and share commits. Exporter cases report the longest event-loop
 * stall seen meanwhile (goal: under 5 ms), with the GC work of building the spans settled
 * before each export window, and once more from an extra round without that (see
 * runExporter), and how many spans each writer commit carried.
 * Rounds run into one growing store, and with random ids each round is slower than the one
 * before (a commit rewrites more distinct index pages as the indexes grow): the best round is
 * usually the first, the median the second.
 * BENCH_ONLY=<text> runs only the cases whose label contains <text>.
 */
import { mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { context, trace } from "@opentelemetry/api";
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { LangfuseSpanProcessor } from "../src";
import { ingestSpans, LocalSpanExporter, openLocalStore, type IngestSpan, type LocalStoreOptions } from "../src/local";

const ROUND_SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000);
const SPANS_PER_TRACE = 10;
/** Throughput goal on the 2-core reference machine (SDK path, random OTel ids). */
const GOAL = 100_000;
/** Goal for the longest event-loop stall of the traced app while the exporter works. */
const STALL_GOAL_MS = 5;

// A full GC between building a chunk of spans and exporting it (see runExporter).
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const resource = {
  "service.name": "bench",
  "service.version": "1.0.0",
  "telemetry.sdk.language": "nodejs",
  "telemetry.sdk.name": "opentelemetry",
  "telemetry.sdk.version": "2.12.1",
};
const scope = { name: "langfuse-sdk", version: "0.1.0" };

/** 32 bits of a fixed pseudo-random permutation of `x` (murmur3's finalizer), as 8 hex chars. */
function mix32(x: number): string {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, "0");
}
/** An id of `chars` hex chars for `n`: sequential, or scattered like the OTel SDK's random ids. */
function hexId(n: number, chars: 16 | 32, random: boolean): string {
  if (!random) return n.toString(16).padStart(chars, "0");
  const half = mix32(n) + mix32(n ^ 0x5bd1e995);
  return chars === 16 ? half : half + mix32(n + 0x27d4eb2f) + mix32(~n);
}

function makeSpans(offset: number, n: number, t0: number, randomIds = false): IngestSpan[] {
  const out: IngestSpan[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const i = offset + j;
    const traceNo = Math.floor(i / SPANS_PER_TRACE);
    const pos = i % SPANS_PER_TRACE;
    const common = { "user.id": `user-${traceNo % 100}`, "session.id": `session-${traceNo % 1000}` };
    const attributes: IngestSpan["attributes"] =
      pos === 0
        ? {
            ...common,
            "langfuse.trace.name": "handle-request",
            "langfuse.trace.tags": ["bench", "api"],
            "langfuse.observation.input": '{"question":"what is the answer?"}',
            "langfuse.observation.output": '{"answer":42}',
          }
        : pos % 3 === 0
          ? {
              ...common,
              "langfuse.observation.type": "generation",
              "langfuse.observation.model.name": "gpt-4o",
              "langfuse.observation.usage_details": '{"input":1200,"output":300}',
              "langfuse.observation.input": '[{"role":"user","content":"what is the answer?"}]',
              "langfuse.observation.output": '{"role":"assistant","content":"42"}',
              "langfuse.observation.metadata.step": String(pos),
            }
          : { ...common, "langfuse.observation.type": "tool", "langfuse.observation.input": '{"query":"x"}', "langfuse.observation.output": '"result"' };
    out[j] = {
      traceId: hexId(traceNo, 32, randomIds),
      spanId: hexId(i, 16, randomIds),
      parentSpanId: pos === 0 ? undefined : hexId(traceNo * SPANS_PER_TRACE, 16, randomIds),
      name: pos === 0 ? "root" : `step-${pos}`,
      startTimeMs: t0 + j,
      endTimeMs: t0 + j + 5,
      attributes,
      resource,
      scope,
      status: { code: 0 },
      events: [],
    };
  }
  return out;
}

function makeReadableSpans(n: number): ReadableSpan[] {
  // Collected straight from onEnd: OTel's InMemorySpanExporter (behind a SimpleSpanProcessor)
  // calls back through one setTimeout per span, and those 10k timers and their promise chains
  // then fired inside the export window, counted as the exporter's stall.
  const spans: ReadableSpan[] = [];
  const collect: SpanProcessor = { onStart: () => undefined, onEnd: (span) => void spans.push(span), forceFlush: async () => undefined, shutdown: async () => undefined };
  const provider = new BasicTracerProvider({ spanProcessors: [collect] });
  const tracer = provider.getTracer("langfuse-sdk", "0.1.0");
  for (let t = 0; t < n / SPANS_PER_TRACE; t++) {
    const root = tracer.startSpan("root", { attributes: { "langfuse.trace.name": "r", "user.id": "u", "langfuse.observation.input": '{"q":1}' } });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 1; c < SPANS_PER_TRACE; c++) {
      const attrs =
        c % 3 === 0
          ? { "langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o", "langfuse.observation.usage_details": '{"input":1200,"output":300}' }
          : { "langfuse.observation.type": "tool", "langfuse.observation.output": '"ok"' };
      tracer.startSpan(`step-${c}`, { attributes: attrs }, ctx).end();
    }
    root.end();
  }
  return spans;
}

interface Row {
  case: string;
  /** spans per wall-clock second, per round */
  rates: number[];
  /** spans per CPU-second of this process (user + system), per round: what an idle machine would give */
  cpuRates: number[];
  /** Exporter cases: the longest event-loop stall seen while exporting (ms), i.e. how long the application could not run. */
  maxLoopDelayMs?: number;
  /**
   * Exporter cases: the longest time the application's thread spent running (on a CPU) between
   * two event-loop turns, from the kernel's per-thread accounting. Unlike the wall-clock gap it
   * leaves out time the thread was not scheduled, so it shows what the exporter itself blocks
   * even on a machine loaded by other processes. (Linux only.) Its resolution is one scheduler
   * tick: the kernel brings a running thread's counter up to date only at ticks and context
   * switches (measured: a 1 ms busy loop reads as 0 to 4 ms with HZ=250), so a figure of N ms
   * means roughly N ± 4 ms there.
   */
  maxLoopCpuMs?: number;
  /**
   * Exporter cases: the same two figures from one more round in which the spans just built
   * were not collected first (see runExporter): the stall then includes the GC work of the
   * 10k spans the bench built in one burst right before exporting them.
   */
  rawLoopDelayMs?: number;
  rawLoopCpuMs?: number;
  /** Exporter cases: spans stored per writer transaction (exports in flight together share one). */
  spansPerCommit?: number;
}

/**
 * CPU time of the main thread in ms (/proc/thread-self/schedstat, Linux), or 0 elsewhere. The
 * probe reads it every millisecond, so the file stays open and is read with pread: opening and
 * reading it anew each time cost the app thread ~0.1 ms per read (a few % of the window).
 */
const schedstat = (() => {
  try {
    return openSync("/proc/thread-self/schedstat", "r");
  } catch {
    return undefined;
  }
})();
const schedBuf = Buffer.alloc(128);
function threadCpuMs(): number {
  if (schedstat === undefined) return 0;
  const n = readSync(schedstat, schedBuf, 0, schedBuf.length, 0);
  return Number(schedBuf.toString("latin1", 0, n).split(" ")[0]) / 1e6;
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function runStore(label: string, path: string, batch: number, options?: LocalStoreOptions, roundSpans = ROUND_SPANS, randomIds = false): Row {
  const store = openLocalStore(path, options);
  const rates: number[] = [];
  const cpuRates: number[] = [];
  try {
    ingestSpans(store, makeSpans(10_000_000, 2_000, Date.now())); // warm-up: JIT and statement cache
    for (let r = 0; r < ROUNDS; r++) {
      // The whole round is one window; the time spent building span objects (single-threaded,
      // CPU-bound: ~20 % of the round) is measured and subtracted from both wall and CPU time.
      // The WAL checkpointer thread's work is therefore all in the CPU figure, whenever it ran.
      // (Building every batch up front instead kept 100k spans alive during the window, and
      // their GC cost skewed every case.)
      const t0 = Date.now();
      const c0 = cpuMicros();
      const start = process.hrtime.bigint();
      let buildNs = 0n;
      for (let i = 0; i < roundSpans; i += batch) {
        const b0 = process.hrtime.bigint();
        const spans = makeSpans(r * roundSpans + i, Math.min(batch, roundSpans - i), t0, randomIds);
        buildNs += process.hrtime.bigint() - b0;
        ingestSpans(store, spans);
      }
      const ns = process.hrtime.bigint() - start - buildNs;
      const cpu = cpuMicros() - c0 - Number(buildNs) / 1000;
      rates.push(roundSpans / (Number(ns) / 1e9));
      cpuRates.push(roundSpans / (cpu / 1e6));
    }
  } finally {
    store.close();
  }
  return { case: label, rates, cpuRates };
}

/**
 * The exporter maps a batch in steps of at most ~1 ms per event-loop turn on this thread and
 * hands the rows to the store's writer thread, which commits the batch in one transaction; it
 * calls back after that commit, so the clock covers each batch up to its callback (timing only the synchronous part of
 * export() would count spans not yet written). The writer thread's CPU is in the CPU figure.
 * Span ids are the OTel SDK's random ones, unlike the sequential ids of the runStore cases.
 */
async function runExporter(label: string, path: string, options?: LocalStoreOptions, viaProcessor = false): Promise<Row> {
  const store = openLocalStore(path, options);
  const exporter = new LocalSpanExporter(store);
  // The SDK path: this SDK's span processor with its default settings (batches of 512, sixteen
  // exports in flight) in front of the exporter, as the embedded backend wires them. Ended
  // spans are handed to it as OTel's tracer does (onEnd), a chunk at a time, then flushed.
  const processor = viaProcessor ? new LangfuseSpanProcessor({ exporter, publicKey: "pk-lf-bench", secretKey: "sk-lf-bench" }) : undefined;
  let delivered = 0;
  const rates: number[] = [];
  const cpuRates: number[] = [];
  const exportBatch = (batch: ReturnType<typeof makeReadableSpans>) =>
    new Promise<void>((resolve, reject) =>
      exporter.export(batch, (result) => (result.code === 0 ? resolve() : reject(result.error ?? new Error("export failed")))),
    );
  // Stalls are probed only around the exports (span building, taken off the clock, blocks too)
  // by a 1 ms timer chain: its longest gap (minus the 1 ms it waits by design) is the longest
  // time the application could not run. A setImmediate chain would measure the same but spin
  // the thread at 100 % while it waits for the writer thread, taking a core from it and
  // counting that spinning as the exporter's CPU time.
  let maxGapMs = 0;
  let maxCpuGapMs = 0;
  const gaps: number[] = [];
  const cpuGaps: number[] = [];
  let probing = false;
  let last = 0;
  let lastCpu = 0;
  const probe = (): void => {
    // A timer left from the previous chunk fires after building: not part of any export.
    if (!probing) return;
    const now = performance.now();
    const cpuNow = threadCpuMs();
    maxGapMs = Math.max(maxGapMs, now - last - 1);
    maxCpuGapMs = Math.max(maxCpuGapMs, cpuNow - lastCpu);
    if (process.env.BENCH_DEBUG && now - last > 10) gaps.push(Math.round(now - last));
    if (process.env.BENCH_DEBUG && cpuNow - lastCpu > 5) cpuGaps.push(Math.round(cpuNow - lastCpu));
    last = now;
    lastCpu = cpuNow;
    if (probing) setTimeout(probe, 1);
  };
  // Building 10k OTel spans in one burst leaves them in the young generation; the first GCs of
  // the export window then copy and promote all of them (tens of ms in one pause), work that
  // belongs to building them, not to exporting. So after each build (off the clock, probe
  // paused) a full GC runs (its time subtracted like the build's: a slight undercount, as
  // its helper threads add CPU time) and the export starts 50 ms later, once its concurrent
  // sweeping is done: the stall figures show what the exporter does to the app. One extra round without
  // that (not in the rates) shows the stall with the burst's GC included.
  let settledMax = { delay: 0, cpu: 0 };
  try {
    // Warm-up, off the clock and unprobed, as in runStore: the first export runs the mapping
    // before the JIT compiled it (one such turn held the loop ~15 ms).
    const warm = makeReadableSpans(2_000);
    if (processor) {
      for (const span of warm) processor.onEnd(span);
      await processor.flushWithReport();
    } else for (let i = 0; i < warm.length; i += 512) await exportBatch(warm.slice(i, i + 512));
    delivered += warm.length;
    for (let r = 0; r <= ROUNDS; r++) {
      const settled = r < ROUNDS;
      if (!settled) {
        settledMax = { delay: maxGapMs, cpu: maxCpuGapMs };
        maxGapMs = 0;
        maxCpuGapMs = 0;
      }
      // One window per round, as in runStore: the time spent building OTel spans (10k at a
      // time, probe paused) is measured and subtracted from wall and CPU time, so the
      // checkpointer thread's CPU is counted whenever it ran.
      let n = 0;
      let buildNs = 0n;
      let settleNs = 0n;
      const c0 = cpuMicros();
      const start = process.hrtime.bigint();
      for (let chunk = 0; chunk < ROUND_SPANS / 10_000; chunk++) {
        const b0 = process.hrtime.bigint();
        const readable = makeReadableSpans(10_000);
        if (settled) collectGarbage();
        buildNs += process.hrtime.bigint() - b0;
        if (settled) {
          // Idle time: off the wall clock only (what other threads do meanwhile stays in the CPU figure).
          const s0 = process.hrtime.bigint();
          await new Promise((resolve) => setTimeout(resolve, 50));
          settleNs += process.hrtime.bigint() - s0;
        }
        // The spans end (the processor queues them) before the probe starts: ending 10k spans
        // in one go is the bench's burst, not the exporter's doing. Its time stays on the clock.
        if (processor) for (const span of readable) processor.onEnd(span);
        probing = true;
        last = performance.now();
        lastCpu = threadCpuMs();
        setTimeout(probe, 1);
        if (processor) {
          const report = await processor.flushWithReport();
          if (report.pending > 0 || report.dropped > 0) throw new Error(`${label}: the processor left ${report.pending} spans pending and dropped ${report.dropped}`);
        } else for (let i = 0; i < readable.length; i += 512) await exportBatch(readable.slice(i, i + 512));
        delivered += readable.length;
        // The last step ends the chunk: its stall runs until here, before any probe ran.
        probe();
        probing = false;
        n += readable.length;
      }
      const ns = process.hrtime.bigint() - start - buildNs - settleNs;
      const cpu = cpuMicros() - c0 - Number(buildNs) / 1000;
      if (settled) {
        rates.push(n / (Number(ns) / 1e9));
        cpuRates.push(n / (cpu / 1e6));
      }
    }
  } finally {
    await (processor ?? exporter).shutdown();
    store.close();
  }
  const spansPerCommit = delivered / Math.max(1, store.writer.transactions);
  // Every span of every round must be in the store (the processor could drop or keep some).
  const check = openLocalStore(path, { readonly: true });
  const stored = (check.db.prepare("SELECT count(*) AS n FROM observations").get() as { n: number }).n;
  check.close();
  if (stored !== delivered) throw new Error(`${label}: ${stored} of ${delivered} spans stored`);
  const raw = { delay: maxGapMs, cpu: maxCpuGapMs };
  if (process.env.BENCH_DEBUG) console.log(label, rates.map(Math.round), cpuRates.map(Math.round), "gaps > 10 ms:", gaps.join(" "), "on-CPU gaps > 5 ms:", cpuGaps.join(" "));
  const perThread = threadCpuMs() > 0;
  return {
    cpuRates,
    case: label,
    rates,
    maxLoopDelayMs: settledMax.delay,
    maxLoopCpuMs: perThread ? settledMax.cpu : undefined,
    rawLoopDelayMs: raw.delay,
    rawLoopCpuMs: perThread ? raw.cpu : undefined,
    spansPerCommit,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lfd-bench-ingest-"));
  const load = loadavg()[0]!;
  try {
    // BENCH_ONLY=<substring> runs only the cases whose label contains it (for quick iterations).
    const only = process.env.BENCH_ONLY;
    const rows: Row[] = [];
    const add = async (label: string, run: (label: string) => Row | Promise<Row>) => {
      if (!only || label.includes(only)) rows.push(await run(label));
    };
    await add(`file, WAL, synchronous=FULL, batch ${BATCH}`, (l) => runStore(l, join(dir, "full.db"), BATCH, { synchronous: "FULL" }));
    const rssFileMb = process.resourceUsage().maxRSS / 1024;
    await add(`file, WAL, synchronous=NORMAL (default), batch ${BATCH}`, (l) => runStore(l, join(dir, "normal.db"), BATCH, { synchronous: "NORMAL" }));
    // Sequential ids append to the id indexes; real OTel ids are random, so every insert lands
    // on its own index page and each commit rewrites far more pages as the store grows.
    await add(`file, WAL, NORMAL (default), batch ${BATCH}, random ids like OTel's`, (l) =>
      runStore(l, join(dir, "random.db"), BATCH, { synchronous: "NORMAL" }, ROUND_SPANS, true),
    );
    await add("file, WAL, FULL, batch 10 (one commit + fsync per 10 spans)", (l) => runStore(l, join(dir, "small.db"), 10, { synchronous: "FULL" }, 10_000));
    await add("file, WAL, NORMAL (default), batch 10 (one commit per 10 spans)", (l) => runStore(l, join(dir, "small-normal.db"), 10, { synchronous: "NORMAL" }, 10_000));
    await add("LocalSpanExporter (OTel ReadableSpan → store), file, FULL, batch 512", (l) => runExporter(l, join(dir, "exporter.db"), { synchronous: "FULL" }));
    await add("LocalSpanExporter (OTel ReadableSpan → store), file, NORMAL (default), batch 512", (l) => runExporter(l, join(dir, "exporter-normal.db"), { synchronous: "NORMAL" }));
    await add("SDK path: LangfuseSpanProcessor (defaults: batch 512, 16 exports in flight) → LocalSpanExporter, file, NORMAL (default)", (l) =>
      runExporter(l, join(dir, "processor-normal.db"), { synchronous: "NORMAL" }, true),
    );
    // Last: an in-memory database holds every row in RAM, which would dominate peak RSS.
    await add(`:memory:, batch ${BATCH}`, (l) => runStore(l, ":memory:", BATCH));
    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log(`Span ingestion into the embedded store, in-process (${ROUNDS} rounds × ${ROUND_SPANS} spans, ${SPANS_PER_TRACE} spans per trace)`);
    console.log(`goals: ≥ ${GOAL.toLocaleString("en-US")} spans/s (wall, median) for OTel's random ids; exporter stall < ${STALL_GOAL_MS} ms`);
    console.log(`1-min load average at start: ${load.toFixed(2)}, at end: ${loadavg()[0]!.toFixed(2)} on 2 cores (wall figures are only meaningful near 0)`);
    console.log(
      "| case | median spans/s (wall) | best spans/s (wall) | median vs goal | median spans per CPU-second | longest event-loop stall (wall) | longest stall on CPU (app thread) | stall incl. GC of the 10k spans just built (wall / CPU) |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
    const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
    const ms = (x: number | undefined) => (x === undefined ? "" : `${x.toFixed(1)} ms`);
    const verdict = (x: number | undefined) => (x === undefined ? "" : x < STALL_GOAL_MS ? " (met)" : " (NOT met)");
    for (const r of rows) {
      const med = median(r.rates);
      // The throughput goal is about OTel's random ids: the exporter cases and the "random ids" store case.
      const goalApplies = r.maxLoopDelayMs !== undefined || r.case.includes("random ids");
      const vsGoal = goalApplies ? `${(med / GOAL).toFixed(2)}×${med >= GOAL ? " (met)" : " (NOT met)"}` : "(sequential ids: no goal)";
      const stall = r.maxLoopDelayMs === undefined ? "(synchronous call)" : `${ms(r.maxLoopDelayMs)}${verdict(r.maxLoopDelayMs)}`;
      const raw = r.rawLoopDelayMs === undefined ? "" : `${ms(r.rawLoopDelayMs)} / ${ms(r.rawLoopCpuMs)}`;
      console.log(`| ${r.case} | ${fmt(med)} | ${fmt(Math.max(...r.rates))} | ${vsGoal} | ${fmt(median(r.cpuRates))} | ${stall} | ${ms(r.maxLoopCpuMs)}${verdict(r.maxLoopCpuMs)} | ${raw} |`);
    }
    for (const r of rows) if (r.spansPerCommit !== undefined) console.log(`${r.case}: ${Math.round(r.spansPerCommit)} spans per commit`);
    console.log("(stall on CPU: per-thread CPU time from /proc/thread-self/schedstat, resolution one scheduler tick, e.g. ±4 ms at HZ=250; the wall figure is exact but includes time the thread waited for a core)");
    console.log(`peak RSS after the first file case: ${rssFileMb.toFixed(0)} MB; after all cases (incl. :memory: holding ${ROUNDS * ROUND_SPANS} rows): ${rssMb.toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

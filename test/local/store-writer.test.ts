/**
 * The embedded store's writer thread, end to end through the SDK: another process holding the
 * write lock neither freezes the app nor loses spans; one bad span in a batch costs nothing
 * but itself, with counts that add up; reads see every write once flush() returned.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { getPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { ExportResultCode } from "@opentelemetry/core";
import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Langfuse, LangfuseSpanProcessor, observe } from "../../src";
import { LocalApi, LocalSpanExporter, openLocalStore } from "../../src/local";
import type { LocalExportResult } from "../../src/local/local-span-exporter";

const count = (dbPath: string, table: string): number => {
  const store = openLocalStore(dbPath, { readonly: true });
  try {
    return (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    store.close();
  }
};

/** CPU time of the calling thread in ms (Linux per-thread accounting), or 0 elsewhere. */
function threadCpuMs(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return 0;
  }
}

/**
 * Longest gap of a 1 ms timer chain (minus its 1 ms) while `run` is pending: how long the app could not
 * run (wall clock, which on a loaded machine includes time the thread was not scheduled), and
 * the longest time the thread spent on a CPU between two turns (what our code blocked).
 */
async function longestStall<T>(run: () => Promise<T>): Promise<{ result: T; stallMs: number; cpuStallMs: number }> {
  let last = performance.now();
  let lastCpu = threadCpuMs();
  let max = 0;
  let maxCpu = 0;
  let probing = true;
  const probe = (): void => {
    const now = performance.now();
    const cpu = threadCpuMs();
    max = Math.max(max, now - last - 1);
    maxCpu = Math.max(maxCpu, cpu - lastCpu);
    last = now;
    lastCpu = cpu;
    if (probing) setTimeout(probe, 1);
  };
  setTimeout(probe, 1);
  try {
    const result = await run();
    return { result, stallMs: max, cpuStallMs: maxCpu };
  } finally {
    probing = false;
  }
}

function endedSpans(n: number, name = (i: number) => `s-${i}`): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart() {}, onEnd: (s: ReadableSpan) => void out.push(s), forceFlush: async () => {}, shutdown: async () => {} }] });
  const tracer = provider.getTracer("langfuse-sdk", "0.1.0");
  for (let i = 0; i < n; i++) tracer.startSpan(name(i)).end();
  return out;
}


/**
 * Another process takes the store's write lock (BEGIN IMMEDIATE) for `ms`, then commits and
 * exits. Resolves once it holds the lock, with the promise of its exit code (wrapped: an async
 * function would otherwise wait for that promise too).
 */
async function holdWriteLock(dbPath: string, ms: number): Promise<{ exited: Promise<number | null> }> {
  const holder = spawn(
    process.execPath,
    [
      "-e",
      `const D = require(${JSON.stringify(require.resolve("better-sqlite3"))});
       const db = new D(${JSON.stringify(dbPath)});
       db.exec("BEGIN IMMEDIATE");
       process.stdout.write("locked\\n");
       setTimeout(() => { db.exec("COMMIT"); db.close(); }, ${ms});`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve) => holder.on("exit", resolve));
  await new Promise<void>((resolve) => holder.stdout.on("data", (d: Buffer) => d.toString().includes("locked") && resolve()));
  return { exited };
}

describe("embedded store writer thread", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lfd-writer-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("another process holds the write lock for 10 s: the app keeps running, and every span lands afterwards", async () => {
    const dbPath = join(dir, "locked.db");
    const langfuse = new Langfuse({ localDbPath: dbPath, flushAt: 512, flushInterval: 3600 });
    try {
      // The store exists and is migrated; now another process takes its write lock for 10 s.
      const { exited } = await holdWriteLock(dbPath, 10_000);

      const traced = observe((i: number) => i * 2, { name: "under-lock" });
      const started = Date.now();
      const { result: report, stallMs, cpuStallMs } = await longestStall(async () => {
        for (let i = 0; i < 2000; i++) {
          traced(i);
          if (i % 100 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        return langfuse.flush();
      });
      const waitedMs = Date.now() - started;
      console.log(`lock held 10 s by another process: flush() took ${waitedMs} ms; longest event-loop stall meanwhile ${stallMs.toFixed(1)} ms (wall), ${cpuStallMs.toFixed(1)} ms (on CPU)`);
      expect(await exited).toBe(0);
      expect(report).toMatchObject({ delivered: 2000, failed: 0, dropped: 0 });
      expect((await langfuse.api.observations.list({ name: "under-lock", limit: 1 })).meta.totalItems).toBe(2000);
    } finally {
      await langfuse.shutdown();
    }
    expect(count(dbPath, "observations")).toBe(2000);
  });

  test("a lock held longer than lockWaitMs fails the export (counted), and the next one lands once the lock is free", async () => {
    const dbPath = join(dir, "lock-timeout.db");
    openLocalStore(dbPath).close();
    const { exited } = await holdWriteLock(dbPath, 3_000);
    const store = openLocalStore(dbPath, { lockWaitMs: 300 });
    try {
      const exporter = new LocalSpanExporter(store);
      const first = await new Promise<LocalExportResult>((resolve) => exporter.export(endedSpans(10), resolve));
      expect(first.code).toBe(ExportResultCode.FAILED);
      expect(first.error?.message).toContain("locked by another connection for 300 ms");
      expect(await exited).toBe(0);
      const second = await new Promise<LocalExportResult>((resolve) => exporter.export(endedSpans(10), resolve));
      expect(second).toEqual({ code: ExportResultCode.SUCCESS });
      expect((store.db.prepare("SELECT COUNT(*) AS n FROM observations").get() as { n: number }).n).toBe(10);
    } finally {
      store.close();
    }
  });

  test("exports that queue up while the writer is busy share one commit (group commit); an export alone commits alone", async () => {
    const dbPath = join(dir, "group-commit.db");
    openLocalStore(dbPath).close();
    // The lock keeps the writer thread waiting on its first unit while the other exports queue.
    const { exited } = await holdWriteLock(dbPath, 1_000);
    const store = openLocalStore(dbPath);
    try {
      const exporter = new LocalSpanExporter(store);
      const before = store.writer.transactions;
      const results = await Promise.all([1, 2, 3, 4].map(() => new Promise<LocalExportResult>((resolve) => exporter.export(endedSpans(10), resolve))));
      expect(results).toEqual(Array(4).fill({ code: ExportResultCode.SUCCESS }));
      expect(await exited).toBe(0);
      expect(store.writer.transactions - before).toBe(1);
      // One after another, nothing to share: one commit each.
      for (let i = 0; i < 3; i++) await new Promise<LocalExportResult>((resolve) => exporter.export(endedSpans(10), resolve));
      expect(store.writer.transactions - before).toBe(4);
      expect((store.db.prepare("SELECT COUNT(*) AS n FROM observations").get() as { n: number }).n).toBe(70);
    } finally {
      store.close();
    }
  });

  test("the span processor keeps 16 exports in flight to the embedded store, and batches queued behind a busy writer share its commits", async () => {
    const run = async (exportConcurrency: number | undefined): Promise<number> => {
      const dbPath = join(dir, `processor-${exportConcurrency ?? "default"}.db`);
      openLocalStore(dbPath).close();
      const { exited } = await holdWriteLock(dbPath, 2_000);
      const store = openLocalStore(dbPath);
      try {
        const processor = new LangfuseSpanProcessor({ exporter: new LocalSpanExporter(store), publicKey: "pk-lf-t", secretKey: "sk-lf-t", flushAt: 512, exportConcurrency });
        const before = store.writer.transactions;
        for (const span of endedSpans(16 * 512)) processor.onEnd(span);
        const report = await processor.flushWithReport();
        expect(report).toMatchObject({ delivered: 16 * 512, failed: 0, dropped: 0, pending: 0 });
        expect(await exited).toBe(0);
        await processor.shutdown();
        return store.writer.transactions - before;
      } finally {
        store.close();
      }
    };
    // All 16 batches were handed over while the lock held the writer: one or two commits.
    expect(await run(undefined)).toBeLessThanOrEqual(2);
    // The option still wins: 4 in flight, so at least 4 rounds of exports, each with its commit.
    expect(await run(4)).toBeGreaterThanOrEqual(4);
  });

  // Linux only: per-thread nice values. The writer and the checkpointer are background work.
  (process.platform === "linux" ? test : test.skip)("the writer and checkpointer threads run at a lower priority than the app's thread", async () => {
    const niceThreads = (): string[] =>
      readdirSync("/proc/self/task").filter((tid) => {
        try {
          // Fields after the parenthesized name: nice is the 19th field of the line.
          const after = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
          return Number(after[16]) === 19;
        } catch {
          return false; // the thread ended meanwhile
        }
      });
    // Threads of stores closed by earlier tests may still be ending: count only new ones.
    const before = new Set(niceThreads());
    const added = () => niceThreads().filter((tid) => !before.has(tid)).length;
    const store = openLocalStore(join(dir, "nice.db"));
    try {
      const exporter = new LocalSpanExporter(store);
      await new Promise<LocalExportResult>((resolve) => exporter.export(endedSpans(5), resolve));
      // The checkpointer sets its priority when it starts, shortly after the first write.
      for (let i = 0; i < 200 && added() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(added()).toBe(2);
      expect(getPriority()).toBeLessThan(19);
    } finally {
      store.close();
    }
  });

  test("a non-string name and an invalid start time are repaired in their batch: 512 sent, 512 stored, 0 failed", async () => {
    const dbPath = join(dir, "bad-span.db");
    const langfuse = new Langfuse({ localDbPath: dbPath, flushAt: 512, flushInterval: 3600 });
    try {
      const good = observe((i: number) => i, { name: "good" });
      const badName = observe(() => 1, { name: { dynamic: "object" } as unknown as string });
      for (let i = 0; i < 255; i++) good(i);
      badName();
      langfuse.startObservation({ name: "bad-time", startTime: new Date("garbage") }).end();
      for (let i = 255; i < 510; i++) good(i);
      const report = await langfuse.flush();
      expect(report).toMatchObject({ delivered: 512, failed: 0, dropped: 0 });
      const api = langfuse.api;
      expect((await api.observations.list({ name: "good", limit: 1 })).meta.totalItems).toBe(510);
      expect((await api.observations.list({ name: '{"dynamic":"object"}', limit: 1 })).meta.totalItems).toBe(1);
      const badTime = (await api.observations.list({ name: "bad-time" })).data;
      expect(badTime).toHaveLength(1);
      expect(Number.isNaN(Date.parse(badTime[0]!.startTime))).toBe(false);
    } finally {
      await langfuse.shutdown();
    }
    expect(count(dbPath, "observations")).toBe(512);
  });

  test("a span that cannot be read at all is rejected alone and counted; the other 511 are stored", async () => {
    const dbPath = join(dir, "unreadable.db");
    const store = openLocalStore(dbPath);
    try {
      const spans = endedSpans(512);
      // A span whose context cannot be read (a broken custom span): nothing to store it under.
      spans[200] = Object.assign(Object.create(spans[200]!) as ReadableSpan, {
        spanContext: () => {
          throw new Error("broken span");
        },
      });
      const result = await new Promise<LocalExportResult>((resolve) => new LocalSpanExporter(store).export(spans, resolve));
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(result.rejectedSpans).toBe(1);
      expect(result.error?.message).toContain("broken span");
      expect((store.db.prepare("SELECT COUNT(*) AS n FROM observations").get() as { n: number }).n).toBe(511);
    } finally {
      store.close();
    }
  });

  test("span and score writes run on the writer thread; reads through LocalApi see them once they resolved", async () => {
    const store = openLocalStore(join(dir, "ryw.db"));
    try {
      expect(store.writer.threaded).toBe(true);
      const api = new LocalApi(store);
      await new Promise<void>((resolve, reject) =>
        new LocalSpanExporter(store).export(endedSpans(300), (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error))),
      );
      expect((await api.observations.list({ limit: 1 })).meta.totalItems).toBe(300);
      await api.scores.create({ id: "ryw-1", name: "q", value: 0.5, traceId: "t".repeat(32) });
      expect((await api.scores.get("ryw-1")).value).toBe(0.5);
      const batch = await api.ingestion.batch([
        { id: "e1", type: "score-create", timestamp: new Date().toISOString(), body: { id: "ryw-2", name: "q", value: 1, traceId: "t".repeat(32) } },
        { id: "e2", type: "score-create", timestamp: new Date().toISOString(), body: { id: "ryw-3", name: "no-subject", value: 1 } },
      ]);
      expect(batch.successes.map((s) => s.id)).toEqual(["e1"]);
      expect(batch.errors.map((e) => [e.id, e.status])).toEqual([["e2", 400]]);
      expect((await api.scores.list({ name: "q" })).meta.totalItems).toBe(2);
    } finally {
      store.close();
    }
  });

  test("an in-memory store writes on the main thread with the same results", async () => {
    const store = openLocalStore(":memory:");
    try {
      expect(store.writer.threaded).toBe(false);
      const api = new LocalApi(store);
      const result = await new Promise<LocalExportResult>((resolve) => new LocalSpanExporter(store).export(endedSpans(130), resolve));
      expect(result).toEqual({ code: ExportResultCode.SUCCESS });
      expect((await api.observations.list({ limit: 1 })).meta.totalItems).toBe(130);
    } finally {
      store.close();
    }
  });
});

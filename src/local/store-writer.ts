import { Worker } from "node:worker_threads";
import type { SynchronousLevel } from "../config/local-db";
import { errorMessage } from "../errors";
import { logger } from "../logger";
import {
  createRowWriter,
  decodeRows,
  encodeRows,
  lowerThreadPriority,
  runWriterThread,
  writeUnits,
  type RowWriter,
  type UnitOutcome,
  type WriterMessage,
  type WriterReply,
  type WriterThreadData,
} from "./store-writer-program";
import type { MappedSpan } from "./ingest/mapping/records";

/** What the writer needs from the store (store.ts implements it; kept small to avoid a cycle). */
export interface WriterHost {
  readonly path: string;
  readonly db: import("better-sqlite3").Database;
  /** Runs `fn` in one IMMEDIATE transaction on the main connection (nested calls join). */
  transaction<T>(fn: () => T): T;
  /** Called at each write (the store starts its WAL checkpointer at the first one). */
  noteWrite?(): void;
}

/** Settings of a file store's writer thread (from openLocalStore). */
export interface WriterThreadSettings {
  synchronous: SynchronousLevel;
  walAutocheckpointPages: number;
  journalSizeLimit: number;
  lockWaitMs: number;
}

interface PendingUnit {
  seq: number;
  /**
   * The rows (main-thread mode), or their encodeRows text as UTF-8 bytes (sent to the thread,
   * decoded here only if the thread dies first). Kept as bytes outside the JS heap rather than
   * as row objects or a string while the thread writes: the application's young-generation
   * GCs copy every live object and string, and with 16 exports in flight the units' text is
   * megabytes (measured in the ingest bench's export windows: median scavenge 1.6 -> 1.3 ms).
   */
  rows: MappedSpan[] | Uint8Array;
  resolve: (outcome: UnitOutcome) => void;
  reject: (error: Error) => void;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Longest wait in close() for the writer thread to finish its queue and close its connection. */
const CLOSE_WAIT_MS = 10_000;

const errorOf = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/**
 * The embedded store's span writes. A file store writes on its own thread with its
 * own connection, so a commit (and the WAL restart or checkpoint some commits do, and waiting
 * for another process's write lock) never holds the application's event loop; the main
 * connection reads and makes the other writes (scores, prompts, datasets: small, validated
 * there against the store), and every read after a write's promise resolved sees it (WAL: a new
 * read transaction sees every commit before it). A `:memory:` store (one connection only), a
 * read-only one, or one whose thread cannot start writes on the main thread instead, with the
 * same results.
 *
 * Writes are units (a chunk of mapped spans). Units commit together: while
 * some caller holds the writer (`hold()`, an export writing its chunks), units join one
 * transaction that commits when the last hold is released; otherwise each unit commits at
 * once. A unit's promise resolves after its commit, with what it wrote and what it rejected
 * row by row (see RowWriter.unit); it rejects when the transaction failed (nothing of it
 * was written), e.g. after waiting `lockWaitMs` for another process's lock.
 */
export class StoreWriter {
  private worker: Worker | undefined;
  private workerFailed = false;
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private rowWriter: RowWriter | undefined;
  private holds = 0;
  private seq = 0;
  /** Units sent to the thread (or buffered for the main thread) not answered yet, in order. */
  private readonly inFlight = new Map<number, PendingUnit>();
  /** Main-thread mode: units waiting for the commit. */
  private buffered: PendingUnit[] = [];
  /** Units sent since the last commit (thread mode). */
  private uncommitted = 0;
  private closed = false;
  /** Transactions that ended (committed or rolled back) with units in them; see `transactions`. */
  private ended = 0;

  constructor(
    private readonly host: WriterHost,
    private readonly thread: WriterThreadSettings | undefined,
  ) {}

  /** Whether writes run on a worker thread (false: on the main thread). */
  get threaded(): boolean {
    return this.ensureWorker() !== undefined;
  }

  /**
   * How many write transactions with units in them have ended so far (each commit answers all
   * its units at once). Units of overlapping writes share one (group commit), so units written
   * divided by this is the mean units per commit: diagnostics for tests and the ingest bench.
   */
  get transactions(): number {
    return this.ended;
  }

  /** Starts the writer thread of a file store now instead of at the first write. */
  start(): void {
    if (!this.closed) this.ensureWorker();
  }

  /** Keeps units in one transaction until the returned release is called (idempotent). */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds === 0) this.commit();
    };
  }

  /** Writes one unit; see the class comment. */
  write(rows: MappedSpan[]): Promise<UnitOutcome> {
    if (this.closed) return Promise.reject(new Error("The local store is closed"));
    this.host.noteWrite?.();
    return new Promise<UnitOutcome>((resolve, reject) => {
      const unit: PendingUnit = { seq: ++this.seq, rows, resolve, reject };
      this.inFlight.set(unit.seq, unit);
      const worker = this.ensureWorker();
      if (worker) {
        // A pending write keeps the process alive until it committed (an idle thread does not).
        if (this.inFlight.size === 1) worker.ref();
        let bytes: Uint8Array;
        try {
          bytes = utf8Encoder.encode(encodeRows(rows));
        } catch (err) {
          // Rows that cannot be encoded (a value mapping never produces): fail the unit alone.
          this.settle(unit.seq, undefined, errorOf(err));
          return;
        }
        unit.rows = bytes;
        this.post(worker, { type: "unit", seq: unit.seq, rows: bytes, commit: this.holds === 0 });
        this.uncommitted = this.holds === 0 ? 0 : this.uncommitted + 1;
      } else {
        this.buffered.push(unit);
        if (this.holds === 0) this.commit();
      }
    });
  }

  /**
   * Finishes the queue and stops the thread. Synchronous, like the store's close(): waits (at
   * most CLOSE_WAIT_MS) for the thread to commit what it has and close its connection, so the
   * store's own connection closes last and removes the WAL files as before.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.buffered.length) this.commit();
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage({ type: "close" } satisfies WriterMessage);
    if (Atomics.wait(this.state, 0, 0, CLOSE_WAIT_MS) === "timed-out") {
      logger.warnOnce("writer-close-timeout", `Embedded store ${this.host.path}: the writer thread did not finish within ${CLOSE_WAIT_MS} ms; it finishes on its own.`);
    }
  }

  private commit(): void {
    const worker = this.ensureWorker();
    if (worker) {
      if (this.uncommitted > 0) this.post(worker, { type: "commit" });
      this.uncommitted = 0;
      return;
    }
    const units = this.buffered;
    if (units.length === 0) return;
    this.buffered = [];
    this.ended++;
    this.rowWriter ??= createRowWriter(this.host.db);
    const writer = this.rowWriter;
    let outcomes: UnitOutcome[];
    try {
      const rows = units.map((u) => (u.rows instanceof Uint8Array ? decodeRows(utf8Decoder.decode(u.rows)) : u.rows));
      outcomes = writeUnits(this.host.db, (fn) => this.host.transaction(fn), writer, rows);
    } catch (err) {
      for (const u of units) this.settle(u.seq, undefined, errorOf(err));
      return;
    }
    units.forEach((u, i) => this.settle(u.seq, outcomes[i]!));
  }

  private post(worker: Worker, msg: WriterMessage): void {
    try {
      worker.postMessage(msg);
    } catch (err) {
      // A message that cannot be posted: fail the unit alone.
      if (msg.type === "unit") this.settle(msg.seq, undefined, errorOf(err));
    }
  }

  private settle(seq: number, outcome: UnitOutcome | undefined, error?: Error): void {
    const unit = this.inFlight.get(seq);
    if (!unit) return;
    this.inFlight.delete(seq);
    if (outcome) unit.resolve(outcome);
    else unit.reject(error ?? new Error("the write failed"));
    if (this.inFlight.size === 0) this.worker?.unref();
  }

  private onReply(reply: WriterReply): void {
    this.ended++;
    for (const r of reply.results) this.settle(r.seq, r.outcome, r.error === undefined ? undefined : new Error(r.error));
  }

  /** Starts the thread at the first write of a file store; undefined means: write on the main thread. */
  private ensureWorker(): Worker | undefined {
    if (this.worker || this.workerFailed || !this.thread) return this.worker;
    try {
      const data: WriterThreadData = {
        path: this.host.path,
        sqlite: require.resolve("better-sqlite3"),
        synchronous: this.thread.synchronous,
        walAutocheckpointPages: this.thread.walAutocheckpointPages,
        journalSizeLimit: this.thread.journalSizeLimit,
        lockWaitMs: this.thread.lockWaitMs,
        state: this.state,
      };
      // The functions' source is the thread's code. Run under tsx / esbuild (keepNames), that
      // source calls the bundler's `__name` helper, which the thread must define itself.
      const worker = new Worker(`var __name = (fn) => fn;\n(${runWriterThread.toString()})(${createRowWriter.toString()}, ${decodeRows.toString()}, ${lowerThreadPriority.toString()});`, {
        eval: true,
        workerData: data,
        // Not the application's flags (--require preloads, --inspect, ts-node in tests): the
        // thread needs none, and they would multiply its memory.
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: 256 },
      });
      worker.on("message", (reply: WriterReply) => this.onReply(reply));
      const gone = (err?: unknown): void => {
        Atomics.store(this.state, 0, 1);
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.workerFailed = true;
        if (this.closed) {
          for (const seq of [...this.inFlight.keys()]) this.settle(seq, undefined, new Error("The local store was closed before the write committed"));
          return;
        }
        if (err !== undefined) logger.warnOnce("writer-thread-failed", `Embedded store writer thread failed (${errorMessage(err)}); writing on the main thread.`);
        // Units the thread had not answered may or may not have committed; every write is an
        // upsert, so writing them again on the main thread is safe.
        const again = [...this.inFlight.values()];
        this.inFlight.clear();
        for (const u of again) {
          this.inFlight.set(u.seq, u);
          this.buffered.push(u);
        }
        if (this.holds === 0) this.commit();
      };
      worker.on("error", gone);
      worker.on("exit", () => gone());
      // After the listeners: adding a "message" listener re-refs the worker's port, which kept
      // a script that never calls shutdown() alive (its beforeExit flush never came). An idle
      // thread never keeps the process alive; pending writes ref it (see write()).
      worker.unref();
      this.worker = worker;
      return worker;
    } catch (err) {
      this.workerFailed = true;
      logger.warnOnce("writer-thread-failed", `Embedded store writer thread could not start (${errorMessage(err)}); writing on the main thread.`);
      return undefined;
    }
  }
}

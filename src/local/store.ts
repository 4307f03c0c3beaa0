import Database from "better-sqlite3";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { SynchronousLevel } from "../config/local-db";
import { LangfuseError } from "../errors";
import { logger } from "../logger";
import { MIGRATIONS } from "./schema";
import { StoreWriter, type WriterThreadSettings } from "./store-writer";
import { lowerThreadPriority } from "./store-writer-program";

export interface LocalStoreOptions {
  /**
   * SQLite `synchronous` level (the journal is always WAL).
   *
   * NORMAL (default, what SQLite recommends with WAL): a commit is written to the WAL file
   * before it returns, but not fsynced; the WAL is fsynced at each checkpoint. A write the
   * store acknowledged survives a killed or crashed process (the OS still holds the data), and
   * the database is never corrupted; an OS crash or power loss may lose the latest commits the
   * OS had not flushed to disk yet (the background checkpointer fsyncs the WAL within about a
   * second of new writes).
   *
   * FULL: also fsyncs the WAL at every commit, so an acknowledged write survives a power loss
   * too. It costs one fsync per commit: with random OTel span ids (many index pages per commit)
   * that fsync held the event loop 10-50 ms per span export step in the ingestion benchmark,
   * and span ingestion ran ~10% slower. Use it when losing the last seconds on power loss is
   * not acceptable.
   */
  synchronous?: SynchronousLevel;
  /** Open read-only (no migrations run). */
  readonly?: boolean;
  /**
   * How long a span or score write keeps retrying while another connection (another process,
   * or this one's main connection) holds the store's write lock, in ms. Default 30,000. The
   * waiting happens on the writer thread: the application's event loop keeps running, and the
   * write lands once the lock is free; only after this long does it fail (and is counted).
   */
  lockWaitMs?: number;
}

/**
 * The embedded store: one SQLite database (WAL journal) holding traces, observations, scores,
 * prompts, datasets and media. `LocalApi` and the ingestion mapping work on it; several of
 * them may share one store. The main connection (`db`) is synchronous, as better-sqlite3 is:
 * reads, and the management writes (prompts, datasets, media). Span and score writes go
 * through `writer`, which runs them on a worker thread with its own connection for file stores
 * (see store-writer.ts); a write's promise resolving means the data is readable through `db`
 * at once, and durable as the `synchronous` option says.
 */
export interface LocalStore {
  /** The resolved file path, or ":memory:". */
  readonly path: string;
  readonly db: Database.Database;
  readonly closed: boolean;
  /** Runs `fn` in one IMMEDIATE transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  /** Span and score writes, off the event loop for file stores. */
  readonly writer: StoreWriter;
  /** Finishes the writer's queue (bounded wait), then closes every connection. */
  close(): void;
}

/** Default of LocalStoreOptions.lockWaitMs. */
const DEFAULT_LOCK_WAIT_MS = 30_000;

/** Size of the WAL at which a commit checkpoints it (see openLocalStore). */
const WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024;

/**
 * Creates `path` empty with mode 0600 unless it exists (SQLite takes an empty file as a new
 * database). Best effort: when it cannot be created, opening it fails next with SQLite's message.
 */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch {
    // EEXIST (the usual case) or a path SQLite will refuse with a clearer error.
  }
}

/** Opens (creating if needed, parent folders included) the store at `path` and migrates it. */
export function openLocalStore(path: string, options: LocalStoreOptions = {}): LocalStore {
  if (typeof path !== "string" || path.length === 0) {
    throw new LangfuseError("CONFIG", "The local store path must be a non-empty string (or \":memory:\")");
  }
  const memory = path === ":memory:";
  const resolved = memory ? path : resolve(path);
  if (!memory && !options.readonly) {
    // Traces are private data: folders we create are 0700 and a new store file 0600 (SQLite
    // gives its -wal and -shm files the database file's mode). Existing files keep their mode.
    mkdirSync(dirname(resolved), { recursive: true, mode: 0o700 });
    createPrivateFile(resolved);
  }
  let db: Database.Database;
  try {
    db = new Database(resolved, { readonly: options.readonly ?? false });
  } catch (err) {
    throw new LangfuseError("CONFIG", `Cannot open the local store at ${resolved}: ${(err as Error).message}`, { cause: err });
  }
  const synchronous = options.synchronous ?? "NORMAL";
  try {
    db.pragma("busy_timeout = 5000");
    if (!options.readonly) {
      // 16 KB pages instead of SQLite's 4 KB default: span ingestion is B-tree inserts into
      // several indexes keyed by random ids, and bigger pages mean shallower trees and fewer
      // distinct pages dirtied (and written to the WAL) per commit. Measured on the ingest
      // bench: +10-15 % spans/s for sequential and random ids alike. Only takes effect when the
      // file is created (a WAL database keeps the page size it was created with), so stores
      // created by an earlier version keep 4 KB pages and work as before.
      db.pragma("page_size = 16384");
      if (!memory) db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma("foreign_keys = OFF");
      // Bulk span ingestion inserts into several random-keyed B-trees; the default 2 MB page
      // cache thrashes on them. 64 MB is an upper bound, allocated only as pages are used.
      db.pragma("cache_size = -65536");
      // Checkpoint the WAL every ~40 MB instead of every ~4 MB: hot index pages are then
      // copied back to the database file far less often during bulk ingestion. The checkpointer
      // thread (see startCheckpointer) copies most frames before that, so the commit crossing
      // this mark mostly just lets the WAL restart; alone, it still bounds the WAL. The pragma
      // counts pages, so the mark is derived from this file's page size (16 KB for new stores,
      // 4 KB for older ones), and a WAL grown by a burst is truncated back to the same size.
      if (!memory) {
        const pageSize = Number(db.pragma("page_size", { simple: true })) || 4096;
        db.pragma(`wal_autocheckpoint = ${Math.max(1000, Math.round(WAL_CHECKPOINT_BYTES / pageSize))}`);
        db.pragma(`journal_size_limit = ${WAL_CHECKPOINT_BYTES}`);
      }
      migrate(db);
    }
  } catch (err) {
    db.close();
    throw new LangfuseError("CONFIG", `Cannot prepare the local store at ${resolved}: ${(err as Error).message}`, { cause: err });
  }
  const fileWriter = !memory && !options.readonly;
  const pageSize = Number(db.pragma("page_size", { simple: true })) || 4096;
  return new SqliteLocalStore(
    resolved,
    db,
    fileWriter ? synchronous : undefined,
    fileWriter
      ? {
          synchronous,
          walAutocheckpointPages: Math.max(1000, Math.round(WAL_CHECKPOINT_BYTES / pageSize)),
          journalSizeLimit: WAL_CHECKPOINT_BYTES,
          lockWaitMs: Math.max(0, options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS),
        }
      : undefined,
  );
}

/**
 * The WAL checkpointer thread's code (run with `eval`, so it works the same from the compiled
 * package and from TypeScript sources under ts-node or jest). It opens its own connection (at
 * its first tick, never after the store asked it to close) and runs PASSIVE checkpoints, which
 * copy committed WAL frames into the database file without blocking the writer: every 50 ms
 * while commits come in, backing off to 1 s when idle. Its connection uses the store's
 * `synchronous` level, so checkpoints fsync exactly as before. On the "close" message it closes
 * its connection and flips `state[0]` to 1, which the store's close() waits for.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const INTERVAL = workerData.interval;
const state = workerData.state;
const Database = require(workerData.sqlite);
let db;
let timer;
let closed = false;
let delay = INTERVAL;
let lastLog = -1;
(${lowerThreadPriority.toString()})();
const tick = () => {
  if (closed) return;
  try {
    if (!db) {
      db = new Database(workerData.path, { fileMustExist: true });
      db.pragma("synchronous = " + workerData.synchronous);
    }
    // [busy, frames in the WAL, frames copied]; the frame count changes only with new commits
    // (or a WAL restart), so an unchanged count means there was nothing new to copy.
    const r = db.pragma("wal_checkpoint(PASSIVE)")[0];
    delay = r && r.log !== lastLog ? INTERVAL : Math.min(delay * 2, 1000);
    lastLog = r ? r.log : -1;
  } catch {
    delay = 1000;
  }
  timer = setTimeout(tick, delay);
};
timer = setTimeout(tick, delay);
parentPort.on("message", () => {
  closed = true;
  clearTimeout(timer);
  try { if (db) db.close(); } catch {}
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
  parentPort.close();
});
`;

/** Longest wait in close() for the checkpointer to close its connection (it normally takes ~1 ms; a thread still starting up, tens of ms). */
const CHECKPOINTER_CLOSE_WAIT_MS = 2000;

class SqliteLocalStore implements LocalStore {
  private isClosed = false;
  private checkpointer: Worker | undefined;
  /** [0]: 0 while the checkpointer may use its connection, 1 once it closed it (or died). */
  private readonly checkpointerState = new Int32Array(new SharedArrayBuffer(4));
  readonly writer: StoreWriter;
  constructor(
    readonly path: string,
    readonly db: Database.Database,
    /**
     * Set for a writable file store until its checkpointer is started (at the first write):
     * the level the checkpointer's connection must use too.
     */
    private checkpointerPending: SynchronousLevel | undefined,
    thread: WriterThreadSettings | undefined,
  ) {
    this.writer = new StoreWriter(this, thread);
  }

  /** Starts the checkpointer once something writes (the writer thread calls this too). */
  noteWrite(): void {
    if (this.checkpointerPending) this.startCheckpointer(this.checkpointerPending);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  transaction<T>(fn: () => T): T {
    if (this.isClosed) throw new LangfuseError("INTERNAL", "The local store is closed");
    if (this.db.inTransaction) return fn();
    const result = this.db.transaction(fn).immediate();
    if (this.checkpointerPending) this.startCheckpointer(this.checkpointerPending);
    return result;
  }

  /**
   * Copying the WAL back into the database file (a checkpoint) ran inside the commit that
   * crossed wal_autocheckpoint: every ~40 MB of WAL a commit held the event loop 30-90 ms
   * (profiles: ~5-9% of bulk ingestion time). A worker thread with its own connection now does
   * that copying as it goes, on the other core; the commit crossing the threshold only copies
   * the remainder, which lets the WAL restart from its beginning. If the thread cannot start,
   * checkpoints simply stay in the commits as before. Started at the first write transaction.
   */
  private startCheckpointer(synchronous: SynchronousLevel): void {
    this.checkpointerPending = undefined; // one attempt: without the thread, commits checkpoint as before
    try {
      const worker = new Worker(CHECKPOINTER_SOURCE, {
        eval: true,
        workerData: { path: this.path, synchronous, sqlite: require.resolve("better-sqlite3"), interval: 50, state: this.checkpointerState },
        // Not the application's flags (--require preloads, --inspect, ts-node in tests): with
        // them the thread cost ~70 MB of RSS instead of ~10 MB. Its own heap needs are tiny.
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, codeRangeSizeMb: 4 },
      });
      worker.unref(); // never keeps the process alive
      // A thread that failed or ended has no connection left: close() must not wait for it.
      // (The commits' own checkpoints remain, as without the thread.)
      const gone = (): void => {
        Atomics.store(this.checkpointerState, 0, 1);
      };
      worker.on("error", gone);
      worker.on("exit", gone);
      this.checkpointer = worker;
    } catch {
      /* no thread: the commits' own checkpoints remain */
    }
  }

  /**
   * Closes the checkpointer's connection first and waits for it (synchronously: close() is), so
   * this connection is the last one: its close checkpoints and removes the -wal/-shm files
   * before close() returns, as without the thread, and nothing touches the files afterwards
   * (a test removing its temporary folder right after close() saw the thread re-create them).
   */
  close(): void {
    if (this.isClosed) return;
    // The writer first: it commits what it holds on its own connection, before this one closes.
    this.writer.close();
    this.isClosed = true;
    if (this.checkpointer) {
      this.checkpointer.postMessage("close");
      if (Atomics.wait(this.checkpointerState, 0, 0, CHECKPOINTER_CLOSE_WAIT_MS) === "timed-out") {
        // A checkpoint still running on a slow disk: its connection closes (and may remove the
        // -wal/-shm files) after this returns. Nothing is lost; only that ordering is.
        logger.warnOnce(
          "checkpointer-close-timeout",
          `Embedded store ${this.path}: the WAL checkpointer did not stop within ${CHECKPOINTER_CLOSE_WAIT_MS} ms; it finishes on its own.`,
        );
      }
    }
    this.db.close();
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the database schema (version ${current}) is newer than this SDK understands (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

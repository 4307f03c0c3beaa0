/**
 * The SQL side of the embedded store's span writes, shared by the main thread (the
 * server, `:memory:` stores, and the fallback when no worker thread can start) and the writer
 * thread (store-writer.ts). The thread runs these functions from their source text (`eval`
 * worker), which works the same from the compiled package and from TypeScript sources under
 * ts-node or jest without a loader in the thread. That is why both functions are
 * self-contained: they reference nothing from the module scope (type imports only) and load
 * what they need with require() inside.
 *
 * Trace merge rules (the server's upsert merge, made order-independent): non-empty values
 * overwrite, tags are unioned, metadata is merged; a root span fixes the trace timestamp; the
 * root span's name and IO are fallbacks that never override explicit `langfuse.trace.*` values.
 */
import type Database from "better-sqlite3";
import type { SynchronousLevel } from "../config/local-db";
import type { MappedSpan } from "./ingest/mapping/records";

/** What one write unit did: rows written, rows rejected alone (with the first few reasons). */
export interface UnitOutcome {
  written: number;
  /** Traces touched (span units). */
  traces: number;
  rejected: number;
  errors: string[];
  /** Indexes (in the unit's rows) of the rejected rows, when any. */
  rejectedRows?: number[];
}

export interface RowWriter {
  /** Writes mapped spans; the caller holds the transaction. Throws if any row fails. */
  spans(rows: readonly MappedSpan[]): number;
  /**
   * Writes a unit inside the caller's transaction, in a savepoint: when the whole unit fails,
   * it is rolled back and written row by row, each row in its own savepoint, so a row SQLite
   * refuses is rejected alone and counted.
   */
  unit(rows: readonly MappedSpan[]): UnitOutcome;
  /** The caller's transaction rolled back: drops what the writer cached about rows it wrote. */
  forget(): void;
}

/**
 * Writes units in one transaction on a main-thread connection (`transaction`: the store's,
 * IMMEDIATE, joining an open one). When no transaction is open yet, the units are written
 * without savepoints first (see runWriterThread for why); if a row fails, that transaction
 * rolls back whole and the units are written again with RowWriter.unit, which rejects the bad
 * row alone. Inside a caller's transaction (which a rollback would take with it) they go
 * through RowWriter.unit at once.
 */
export function writeUnits(
  db: Database.Database,
  transaction: <T>(fn: () => T) => T,
  writer: RowWriter,
  units: readonly (readonly MappedSpan[])[],
): UnitOutcome[] {
  if (!db.inTransaction) {
    try {
      return transaction(() => units.map((rows) => ({ written: rows.length, traces: rows.length ? writer.spans(rows) : 0, rejected: 0, errors: [] })));
    } catch (err) {
      writer.forget();
      const code = (err as { code?: unknown }).code;
      if (typeof code === "string" && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CORRUPT|NOMEM|INTERRUPT)/.test(code)) throw err;
    }
  }
  try {
    return transaction(() => units.map((rows) => writer.unit(rows)));
  } catch (err) {
    writer.forget();
    throw err;
  }
}

/**
 * The writer thread's wire format for a unit: one JSON text of positional arrays (the
 * observation's fields, then the trace update's), with the resource JSON (the same for nearly
 * every span) sent once per unit. Measured against posting the MappedSpan objects themselves:
 * the structured clone cost ~11 µs per span to deserialize on the writer thread and ~4 µs to
 * serialize here; JSON of arrays ~2 µs and ~3 µs. JSON cannot carry undefined (sent as null:
 * every optional field of a trace update is either absent or a non-null value, so decodeRows
 * restores undefined) nor non-finite numbers (the two numeric columns sent alone, totalCost and
 * promptVersion, go as text when not finite; numbers inside usage, cost and metadata become
 * null, as the JSON they are stored as makes them anyway).
 */
export function encodeRows(rows: readonly MappedSpan[]): string {
  const resources: string[] = [];
  const resourceIndex = new Map<string, number>();
  const num = (x: number | null) => (x === null || Number.isFinite(x) ? x : String(x));
  const out: unknown[] = [resources];
  for (const { observation: o, trace: t } of rows) {
    let r = resourceIndex.get(o.resourceJson);
    if (r === undefined) {
      r = resources.length;
      resources.push(o.resourceJson);
      resourceIndex.set(o.resourceJson, r);
    }
    out.push([
      o.id, o.traceId, o.parentObservationId, o.type, o.name, o.environment, o.startTime, o.endTime, o.completionStartTime,
      o.version, o.input, o.output, o.metadata, r, o.level, o.statusMessage, o.model, o.modelParameters, o.usageDetails,
      o.costDetails, num(o.totalCost), o.promptName, num(o.promptVersion), o.experiment,
      t.id, t.timestamp, t.isRoot, t.name, t.nameExplicit, t.userId, t.sessionId, t.release, t.version, t.environment,
      t.environmentExplicit, t.public, t.tags, t.input, t.inputExplicit, t.output, t.outputExplicit, t.metadata,
    ]);
  }
  return JSON.stringify(out);
}

/** The inverse of encodeRows. Self-contained: see the file comment (it runs on the writer thread). */
export function decodeRows(text: string): MappedSpan[] {
  const all = JSON.parse(text) as unknown[];
  const resources = all[0] as string[];
  const out: MappedSpan[] = new Array<MappedSpan>(all.length - 1);
  const num = (x: unknown) => (typeof x === "string" ? Number(x) : (x as number | null));
  const opt = <T>(x: T | null): T | undefined => (x === null ? undefined : x);
  for (let i = 1; i < all.length; i++) {
    const a = all[i] as never[];
    out[i - 1] = {
      observation: {
        id: a[0], traceId: a[1], parentObservationId: a[2], type: a[3], name: a[4], environment: a[5], startTime: a[6],
        endTime: a[7], completionStartTime: a[8], version: a[9], input: a[10], output: a[11], metadata: a[12],
        resourceJson: resources[a[13]]!, level: a[14], statusMessage: a[15], model: a[16], modelParameters: a[17],
        usageDetails: a[18], costDetails: a[19], totalCost: num(a[20]), promptName: a[21], promptVersion: num(a[22]), experiment: a[23],
      },
      trace: {
        id: a[24], timestamp: a[25], isRoot: a[26], name: opt(a[27]), nameExplicit: a[28], userId: opt(a[29]), sessionId: opt(a[30]),
        release: opt(a[31]), version: opt(a[32]), environment: a[33], environmentExplicit: a[34], public: opt(a[35]),
        tags: opt(a[36]), input: opt(a[37]), inputExplicit: a[38], output: opt(a[39]), outputExplicit: a[40], metadata: opt(a[41]),
      },
    };
  }
  return out;
}

/** Builds the row writer of one connection (statements prepared on first use). Self-contained: see the file comment. */
export function createRowWriter(db: Database.Database): RowWriter {
  interface StoredTrace {
    id: string;
    timestamp: string;
    name: string | null;
    user_id: string | null;
    session_id: string | null;
    release: string | null;
    version: string | null;
    environment: string;
    public: number;
    tags: string;
    input: string | null;
    output: string | null;
    metadata: string;
    created_at: string;
    updated_at: string;
    name_explicit: number;
    input_explicit: number;
    output_explicit: number;
    has_root: number;
  }
  type TraceUpdate = MappedSpan["trace"];
  interface WorkingTrace {
    row: StoredTrace;
    tags?: string[];
    metadata?: Record<string, unknown>;
  }

  interface Statements {
    upsertObservation: Database.Statement;
    getTrace: Database.Statement;
    insertTraceIfNew: Database.Statement;
    updateTrace: Map<number, Database.Statement>;
    promptId: Database.Statement;
    resourceId: Database.Statement;
    insertResource: Database.Statement;
    resourceIds: Map<string, number>;
  }
  let st: Statements | undefined;
  const statements = (): Statements =>
    (st ??= {
      upsertObservation: db.prepare(
        `INSERT INTO observations (id, trace_id, parent_observation_id, type, name, environment, start_time, end_time,
           completion_start_time, version, input, output, metadata, level, status_message, model, model_parameters,
           usage_details, cost_details, total_cost, prompt_id, prompt_name, prompt_version, experiment, resource_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET trace_id = excluded.trace_id, parent_observation_id = excluded.parent_observation_id,
           type = excluded.type, name = excluded.name, environment = excluded.environment, start_time = excluded.start_time,
           end_time = excluded.end_time, completion_start_time = excluded.completion_start_time, version = excluded.version,
           input = excluded.input, output = excluded.output, metadata = excluded.metadata, level = excluded.level,
           status_message = excluded.status_message, model = excluded.model, model_parameters = excluded.model_parameters,
           usage_details = excluded.usage_details, cost_details = excluded.cost_details, total_cost = excluded.total_cost,
           prompt_id = excluded.prompt_id, prompt_name = excluded.prompt_name, prompt_version = excluded.prompt_version,
           experiment = excluded.experiment, resource_id = excluded.resource_id, updated_at = excluded.updated_at`,
      ),
      getTrace: db.prepare("SELECT * FROM traces WHERE id = ?"),
      // A trace first seen in this batch is usually new: inserting it straight away proves that
      // (one B-tree probe) instead of a SELECT followed by an upsert.
      insertTraceIfNew: db.prepare(
        `INSERT INTO traces (id, timestamp, name, name_explicit, user_id, session_id, release, version, environment, public,
           tags, input, input_explicit, output, output_explicit, metadata, has_root, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO NOTHING`,
      ),
      updateTrace: new Map(),
      promptId: db.prepare("SELECT id FROM prompts WHERE name = ? AND version = ?"),
      resourceId: db.prepare("SELECT id FROM otel_resources WHERE json = ?"),
      insertResource: db.prepare("INSERT OR IGNORE INTO otel_resources (json) VALUES (?)"),
      resourceIds: new Map(),
    });

  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const deepMerge = (base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = isObject(out[k]) && isObject(v) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
    return out;
  };

  // Tags and metadata stay parsed across all the updates of a batch and are serialized once.
  const applyTraceUpdate = (w: WorkingTrace, u: TraceUpdate, isNew: boolean): void => {
    const row = w.row;
    if (u.isRoot) {
      row.timestamp = u.timestamp;
      row.has_root = 1;
    } else if (!row.has_root && u.timestamp < row.timestamp) row.timestamp = u.timestamp;
    if (u.name !== undefined) {
      if (u.nameExplicit) ((row.name = u.name), (row.name_explicit = 1));
      else if (!row.name_explicit && (u.isRoot || row.name === null)) row.name = u.name;
    }
    if (u.input !== undefined) {
      if (u.inputExplicit) ((row.input = u.input), (row.input_explicit = 1));
      else if (!row.input_explicit) row.input = u.input;
    }
    if (u.output !== undefined) {
      if (u.outputExplicit) ((row.output = u.output), (row.output_explicit = 1));
      else if (!row.output_explicit) row.output = u.output;
    }
    if (u.userId) row.user_id = u.userId;
    if (u.sessionId) row.session_id = u.sessionId;
    if (u.release) row.release = u.release;
    if (u.version) row.version = u.version;
    if (u.public !== undefined) row.public = u.public ? 1 : 0;
    if (u.environmentExplicit || isNew) row.environment = u.environment;
    if (u.tags?.length) {
      const current = w.tags ?? (JSON.parse(row.tags) as string[]);
      const merged = [...new Set([...current, ...u.tags])];
      if (merged.length !== current.length) w.tags = merged;
    }
    if (u.metadata) {
      let any = false;
      for (const _ in u.metadata) {
        any = true;
        break;
      }
      if (any) w.metadata = deepMerge(w.metadata ?? (JSON.parse(row.metadata) as Record<string, unknown>), u.metadata);
    }
  };

  const newTrace = (u: TraceUpdate, now: string): StoredTrace => ({
    id: u.id,
    timestamp: u.timestamp,
    name: null,
    name_explicit: 0,
    user_id: null,
    session_id: null,
    release: null,
    version: null,
    environment: u.environment,
    public: 0,
    tags: "[]",
    input: null,
    input_explicit: 0,
    output: null,
    output_explicit: 0,
    metadata: "{}",
    has_root: 0,
    created_at: now,
    updated_at: now,
  });

  const finishRow = (w: WorkingTrace): StoredTrace => {
    if (w.tags) w.row.tags = JSON.stringify(w.tags);
    if (w.metadata) w.row.metadata = JSON.stringify(w.metadata);
    return w.row;
  };

  const SET_TIMESTAMP = 1;
  const SET_USER = 2;
  const SET_SESSION = 4;
  // SQLite rewrites the entries of every index on a column named in SET, changed or not, so the
  // indexed columns (timestamp, user_id, session_id) are set only when their value changed: an
  // unchanged trace keeps its index pages clean, which saves their WAL writes at commit.
  const updateTraceStatement = (mask: number): Database.Statement => {
    const s = statements();
    let stmt = s.updateTrace.get(mask);
    if (!stmt) {
      const sets = [
        "name = ?", "name_explicit = ?", "release = ?", "version = ?", "environment = ?", "public = ?", "tags = ?", "input = ?",
        "input_explicit = ?", "output = ?", "output_explicit = ?", "metadata = ?", "has_root = ?", "updated_at = ?",
      ];
      if (mask & SET_TIMESTAMP) sets.push("timestamp = ?");
      if (mask & SET_USER) sets.push("user_id = ?");
      if (mask & SET_SESSION) sets.push("session_id = ?");
      stmt = db.prepare(`UPDATE traces SET ${sets.join(", ")} WHERE id = ?`);
      s.updateTrace.set(mask, stmt);
    }
    return stmt;
  };

  const detailsJson = (d: Record<string, number>): string => {
    for (const _ in d) return JSON.stringify(d);
    return "{}";
  };

  // The ids of resources this connection inserted are cached; a rollback can undo such an
  // insert, so every failure (and forget(), for rollbacks decided elsewhere) drops the cache.
  const forget = (): void => st?.resourceIds.clear();
  const spans = (mapped: readonly MappedSpan[]): number => {
    try {
      return writeSpans(mapped);
    } catch (err) {
      forget();
      throw err;
    }
  };
  const writeSpans = (mapped: readonly MappedSpan[]): number => {
    const s = statements();
    const now = new Date().toISOString();
    const promptIds = new Map<string, string | null>();
    const traces = new Map<string, TraceUpdate[]>();
    for (const { observation: o, trace } of mapped) {
      let promptId: string | null = null;
      if (o.promptName !== null && o.promptVersion !== null) {
        const key = `${o.promptVersion}\u0000${o.promptName}`;
        if (!promptIds.has(key)) promptIds.set(key, ((s.promptId.get(o.promptName, o.promptVersion) as { id: string } | undefined)?.id) ?? null);
        promptId = promptIds.get(key)!;
      }
      let resourceId = s.resourceIds.get(o.resourceJson);
      if (resourceId === undefined) {
        s.insertResource.run(o.resourceJson);
        resourceId = (s.resourceId.get(o.resourceJson) as { id: number }).id;
        // Bounded: a process producing endless distinct resources only loses the shortcut.
        if (s.resourceIds.size >= 1000) s.resourceIds.clear();
        s.resourceIds.set(o.resourceJson, resourceId);
      }
      s.upsertObservation.run(
        o.id, o.traceId, o.parentObservationId, o.type, o.name, o.environment, o.startTime, o.endTime,
        o.completionStartTime, o.version, o.input, o.output, o.metadata, o.level, o.statusMessage, o.model, o.modelParameters,
        detailsJson(o.usageDetails), detailsJson(o.costDetails), o.totalCost, promptId, o.promptName, o.promptVersion,
        o.experiment, resourceId, now, now,
      );
      const list = traces.get(trace.id);
      if (list) list.push(trace);
      else traces.set(trace.id, [trace]);
    }
    for (const [id, updates] of traces) {
      // First as a new trace: most traces of a batch are.
      const fresh: WorkingTrace = { row: newTrace(updates[0]!, now) };
      for (let i = 0; i < updates.length; i++) applyTraceUpdate(fresh, updates[i]!, i === 0);
      let row = finishRow(fresh);
      const inserted = s.insertTraceIfNew.run(
        row.id, row.timestamp, row.name, row.name_explicit, row.user_id, row.session_id, row.release, row.version, row.environment,
        row.public, row.tags, row.input, row.input_explicit, row.output, row.output_explicit, row.metadata, row.has_root,
        row.created_at, now,
      );
      if (inserted.changes === 1) continue;
      // It existed: merge this batch's updates into the stored row.
      const existing = s.getTrace.get(id) as StoredTrace;
      const before = { timestamp: existing.timestamp, user_id: existing.user_id, session_id: existing.session_id };
      const w: WorkingTrace = { row: existing };
      for (let i = 0; i < updates.length; i++) applyTraceUpdate(w, updates[i]!, false);
      row = finishRow(w);
      const mask =
        (row.timestamp !== before.timestamp ? SET_TIMESTAMP : 0) | (row.user_id !== before.user_id ? SET_USER : 0) | (row.session_id !== before.session_id ? SET_SESSION : 0);
      const args: unknown[] = [
        row.name, row.name_explicit, row.release, row.version, row.environment, row.public, row.tags, row.input,
        row.input_explicit, row.output, row.output_explicit, row.metadata, row.has_root, now,
      ];
      if (mask & SET_TIMESTAMP) args.push(row.timestamp);
      if (mask & SET_USER) args.push(row.user_id);
      if (mask & SET_SESSION) args.push(row.session_id);
      args.push(id);
      updateTraceStatement(mask).run(args);
    }
    return traces.size;
  };

  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

  const unit = (rows: readonly MappedSpan[]): UnitOutcome => {
    if (rows.length === 0) return { written: 0, traces: 0, rejected: 0, errors: [] };
    // better-sqlite3 runs a transaction function nested in an open transaction as a savepoint.
    try {
      const traces = db.transaction(() => spans(rows))();
      return { written: rows.length, traces, rejected: 0, errors: [] };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // Lock and I/O failures are the transaction's, not a row's: the caller retries or fails it.
      if (typeof code === "string" && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CORRUPT|NOMEM|INTERRUPT)/.test(code)) throw err;
      const out: UnitOutcome = { written: 0, traces: 0, rejected: 0, errors: [], rejectedRows: [] };
      for (let i = 0; i < rows.length; i++) {
        try {
          out.traces += db.transaction(() => spans([rows[i]!]))();
          out.written++;
        } catch (e) {
          out.rejected++;
          out.rejectedRows!.push(i);
          if (out.errors.length < 5) out.errors.push(message(e));
        }
      }
      return out;
    }
  };

  return { spans, unit, forget };
}

/**
 * Puts the calling thread at nice 19, below the application's threads in the scheduler's eyes:
 * the store's writer and checkpointer threads are background work, so on a busy machine (they
 * and the app sharing two cores) the app's event loop gets a core first. Linux gives each
 * thread its own nice value; elsewhere, or where it is not permitted, the thread keeps the
 * process's priority. Self-contained: both threads run it from its source text.
 */
export function lowerThreadPriority(): void {
  try {
    const tid = Number((require("node:fs") as typeof import("node:fs")).readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) (require("node:os") as typeof import("node:os")).setPriority(tid, 19);
  } catch {
    /* not Linux, or not permitted: same priority as the app */
  }
}

/** Data the writer thread is started with. */
export interface WriterThreadData {
  path: string;
  /** require() path of better-sqlite3. */
  sqlite: string;
  synchronous: SynchronousLevel;
  walAutocheckpointPages: number;
  journalSizeLimit: number;
  /** How long a transaction keeps retrying while another connection holds the write lock, in ms. */
  lockWaitMs: number;
  /** [0]: 0 while the thread may use its connection, 1 once it closed it. */
  state: Int32Array;
}

/** A message to the writer thread. */
export type WriterMessage =
  /** `rows`: encodeRows' text, UTF-8 encoded (see StoreWriter.write). */
  | { type: "unit"; seq: number; rows: Uint8Array; commit: boolean }
  | { type: "commit" }
  | { type: "close" };

/** The writer thread's answer after each commit or rollback: one entry per unit since the previous answer. */
export interface WriterReply {
  results: { seq: number; outcome?: UnitOutcome; error?: string }[];
}

/**
 * The writer thread: one connection, units applied in arrival order inside one IMMEDIATE
 * transaction that commits after the first unit marked `commit` (or a "commit" message), together
 * with the units already waiting behind it (group commit, see scheduleFinish). When
 * another connection holds the write lock, BEGIN (or COMMIT) is retried until `lockWaitMs`
 * passed: only this thread waits, never the application's event loop, and nothing is dropped
 * meanwhile. Self-contained: see the file comment.
 *
 * Units are written without RowWriter.unit's savepoint: with a savepoint open, SQLite copies
 * every page a unit touches for the first time into the statement journal, and with random
 * span ids nearly every row touches its own index pages (measured: a third of this thread's
 * time). A row SQLite refuses is rare (mapping produces only values the schema takes), so on
 * such a failure the whole transaction is rolled back and its units written again with
 * RowWriter.unit, which isolates the bad row: the outcome is the same as with the savepoints.
 */
export function runWriterThread(makeRowWriter: typeof createRowWriter, decode: typeof decodeRows, lowerPriority: typeof lowerThreadPriority): void {
  const { parentPort, workerData } = require("node:worker_threads") as typeof import("node:worker_threads");
  const data = workerData as WriterThreadData;
  const port = parentPort!;
  const Sqlite = require(data.sqlite) as typeof Database;
  const db = new Sqlite(data.path, { fileMustExist: true });
  // Each wait inside SQLite is short so the deadline below is honoured closely.
  db.pragma("busy_timeout = 100");
  db.pragma(`synchronous = ${data.synchronous}`);
  db.pragma("foreign_keys = OFF");
  db.pragma("cache_size = -65536");
  db.pragma(`wal_autocheckpoint = ${data.walAutocheckpointPages}`);
  db.pragma(`journal_size_limit = ${data.journalSizeLimit}`);
  lowerPriority();
  const writer = makeRowWriter(db);
  const utf8 = new TextDecoder();
  const isBusy = (err: unknown) => {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
  };
  let open = false;
  let failed: string | undefined;
  let results: WriterReply["results"] = [];
  /** The units of the open transaction, kept to write them again (see the function comment). */
  /**
   * The units of the open transaction as they arrived (UTF-8 bytes, outside the JS heap), kept
   * to write them again (see the function comment). Not the decoded rows: a transaction can
   * hold thousands of spans (group commit), and keeping their row objects alive until the
   * commit made the thread's GC copy and promote all of them.
   */
  let written: { seq: number; bytes: Uint8Array }[] = [];
  /** Lock and I/O failures are the transaction's, not a row's: never retried row by row. */
  const isTransactionError = (err: unknown) => {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CORRUPT|NOMEM|INTERRUPT)/.test(code);
  };
  /** Rolls the open transaction back and writes its units again, each bad row rejected alone. */
  const rewriteRowByRow = (): void => {
    db.exec("ROLLBACK");
    writer.forget();
    withLockRetry("BEGIN IMMEDIATE");
    results = written.map((u) => ({ seq: u.seq, outcome: writer.unit(decode(utf8.decode(u.bytes))) }));
  };

  /** Runs `sql`, retrying while the lock is busy, up to lockWaitMs. */
  const withLockRetry = (sql: string): void => {
    const start = Date.now();
    for (;;) {
      try {
        db.exec(sql);
        return;
      } catch (err) {
        if (!isBusy(err) || Date.now() - start >= data.lockWaitMs) throw err;
      }
    }
  };
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

  const finish = (): void => {
    if (open) {
      try {
        if (failed === undefined) withLockRetry("COMMIT");
      } catch (err) {
        failed = `commit failed: ${message(err)}`;
      }
      if (db.inTransaction || failed !== undefined) {
        writer.forget();
        try {
          if (db.inTransaction) db.exec("ROLLBACK");
        } catch {
          /* the transaction is gone already */
        }
      }
    }
    if (results.length) {
      const reply: WriterReply = {
        results: failed === undefined ? results : results.map((r) => ({ seq: r.seq, error: r.error ?? failed })),
      };
      port.postMessage(reply);
    }
    open = false;
    failed = undefined;
    results = [];
    written = [];
  };

  // Group commit: a commit is made once the messages already waiting have been handled
  // (setImmediate runs after the current batch of port messages), so units of overlapping
  // exports that arrived while this thread was busy share one commit. With random span ids a
  // commit writes roughly one index page per span to the WAL whatever the batch size, until
  // the batch covers the index: fewer, larger commits write far fewer pages per span. No wait
  // is added: a lone unit commits as soon as it is written.
  let commitScheduled: ReturnType<typeof setImmediate> | undefined;
  const scheduleFinish = (): void => {
    commitScheduled ??= setImmediate(() => {
      commitScheduled = undefined;
      finish();
    });
  };

  port.on("message", (msg: WriterMessage) => {
    if (msg.type === "close") {
      if (commitScheduled !== undefined) clearImmediate(commitScheduled);
      commitScheduled = undefined;
      finish();
      try {
        db.close();
      } catch {
        /* closing is best effort; the data is committed */
      }
      Atomics.store(data.state, 0, 1);
      Atomics.notify(data.state, 0);
      port.close();
      return;
    }
    if (msg.type === "unit") {
      if (!open) {
        open = true;
        try {
          withLockRetry("BEGIN IMMEDIATE");
        } catch (err) {
          failed = isBusy(err) ? `the store stayed locked by another connection for ${data.lockWaitMs} ms` : message(err);
        }
      }
      if (failed !== undefined) results.push({ seq: msg.seq, error: failed });
      else {
        try {
          const rows = decode(utf8.decode(msg.rows));
          written.push({ seq: msg.seq, bytes: msg.rows });
          try {
            const traces = rows.length === 0 ? 0 : writer.spans(rows);
            results.push({ seq: msg.seq, outcome: { written: rows.length, traces, rejected: 0, errors: [] } });
          } catch (err) {
            if (isTransactionError(err)) throw err;
            rewriteRowByRow();
          }
        } catch (err) {
          failed = message(err);
          results.push({ seq: msg.seq, error: failed });
        }
      }
      if (!msg.commit) return;
    }
    scheduleFinish();
  });
}

/**
 * Writes mapped spans into the store: observations are upserted by span id, and every trace
 * touched by the batch is merged once (spans of a trace may come in several batches, in any
 * order, children before their root). One IMMEDIATE transaction per call.
 *
 * Trace merge rules (the server's upsert merge, made order-independent): non-empty values
 * overwrite, tags are unioned, metadata is merged; a root span fixes the trace timestamp; the
 * root span's name and IO are fallbacks that never override explicit `langfuse.trace.*` values.
 */
import type Database from "better-sqlite3";
import type { LocalStore } from "../store";
import type { TraceRow } from "../api/reads";
import { mapSpan } from "./mapping/map-span";
import type { MappedSpan, TraceUpdate } from "./mapping/records";
import type { IngestSpan } from "./span";

interface StoredTrace extends TraceRow {
  name_explicit: number;
  input_explicit: number;
  output_explicit: number;
  has_root: number;
}

interface Statements {
  upsertObservation: Database.Statement;
  getTrace: Database.Statement;
  insertTraceIfNew: Database.Statement;
  /** UPDATE statements by which indexed columns they set (TIMESTAMP | USER | SESSION bits). */
  updateTrace: Map<number, Database.Statement>;
  promptId: Database.Statement;
  resourceId: Database.Statement;
  insertResource: Database.Statement;
  /** resource JSON → row id (resources are few; each is stored once). */
  resourceIds: Map<string, number>;
}

const statementCache = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let s = statementCache.get(db);
  if (!s) {
    s = {
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
    };
    statementCache.set(db, s);
  }
  return s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = isObject(out[k]) && isObject(v) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/**
 * A trace row being merged: tags and metadata are kept parsed across all the updates of a
 * batch and serialized once at the end (they were parsed and re-serialized per span).
 */
interface WorkingTrace {
  row: StoredTrace;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

function applyTraceUpdate(w: WorkingTrace, u: TraceUpdate, isNew: boolean): void {
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
    // JSON round trip of the stored value once; merges are on plain objects from then on.
    if (any) w.metadata = deepMerge(w.metadata ?? (JSON.parse(row.metadata) as Record<string, unknown>), u.metadata);
  }
}

function newTrace(u: TraceUpdate, now: string): StoredTrace {
  return {
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
  };
}

const SET_TIMESTAMP = 1;
const SET_USER = 2;
const SET_SESSION = 4;

/**
 * The UPDATE of an existing trace. SQLite rewrites the entries of every index on a column named
 * in SET, changed or not, so the indexed columns (timestamp, user_id, session_id) are set only
 * when their value changed (`mask`): an unchanged trace keeps its index pages clean, which
 * saves their WAL writes at commit. Parameters: the non-indexed columns, the set indexed ones
 * in mask order, then the id.
 */
function updateTraceStatement(db: Database.Database, st: Statements, mask: number): Database.Statement {
  let stmt = st.updateTrace.get(mask);
  if (!stmt) {
    const sets = [
      "name = ?", "name_explicit = ?", "release = ?", "version = ?", "environment = ?", "public = ?", "tags = ?", "input = ?",
      "input_explicit = ?", "output = ?", "output_explicit = ?", "metadata = ?", "has_root = ?", "updated_at = ?",
    ];
    if (mask & SET_TIMESTAMP) sets.push("timestamp = ?");
    if (mask & SET_USER) sets.push("user_id = ?");
    if (mask & SET_SESSION) sets.push("session_id = ?");
    stmt = db.prepare(`UPDATE traces SET ${sets.join(", ")} WHERE id = ?`);
    st.updateTrace.set(mask, stmt);
  }
  return stmt;
}

function finishRow(w: WorkingTrace): StoredTrace {
  const row = w.row;
  if (w.tags) row.tags = JSON.stringify(w.tags);
  if (w.metadata) row.metadata = JSON.stringify(w.metadata);
  return row;
}

/** JSON of a usage/cost map; most spans have none. */
function detailsJson(d: Record<string, number>): string {
  for (const _ in d) return JSON.stringify(d);
  return "{}";
}

export interface IngestResult {
  observations: number;
  traces: number;
}

/** Maps and stores `spans` in one transaction. Mapping never throws for odd attribute values. */
export function ingestSpans(store: LocalStore, spans: readonly IngestSpan[]): IngestResult {
  if (spans.length === 0) return { observations: 0, traces: 0 };
  const mapped: MappedSpan[] = spans.map(mapSpan);
  const st = statements(store.db);
  return store.transaction(() => {
    const now = new Date().toISOString();
    const promptIds = new Map<string, string | null>();
    const traces = new Map<string, TraceUpdate[]>();
    for (const { observation: o, trace } of mapped) {
      let promptId: string | null = null;
      if (o.promptName !== null && o.promptVersion !== null) {
        const key = `${o.promptVersion}\u0000${o.promptName}`;
        if (!promptIds.has(key)) promptIds.set(key, ((st.promptId.get(o.promptName, o.promptVersion) as { id: string } | undefined)?.id) ?? null);
        promptId = promptIds.get(key)!;
      }
      let resourceId = st.resourceIds.get(o.resourceJson);
      if (resourceId === undefined) {
        st.insertResource.run(o.resourceJson);
        resourceId = (st.resourceId.get(o.resourceJson) as { id: number }).id;
        // Bounded: a process producing endless distinct resources only loses the shortcut.
        if (st.resourceIds.size >= 1000) st.resourceIds.clear();
        st.resourceIds.set(o.resourceJson, resourceId);
      }
      st.upsertObservation.run(
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
      const inserted = st.insertTraceIfNew.run(
        row.id, row.timestamp, row.name, row.name_explicit, row.user_id, row.session_id, row.release, row.version, row.environment,
        row.public, row.tags, row.input, row.input_explicit, row.output, row.output_explicit, row.metadata, row.has_root,
        row.created_at, now,
      );
      if (inserted.changes === 1) continue;
      // It existed: merge this batch's updates into the stored row.
      const existing = st.getTrace.get(id) as StoredTrace;
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
      updateTraceStatement(store.db, st, mask).run(args);
    }
    return { observations: mapped.length, traces: traces.size };
  });
}

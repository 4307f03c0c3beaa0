/**
 * Scores with the server's request validation and inflation (reference §4.1), checked against
 * their score config when they name one. `/api/public/ingestion` lives in legacy-ingestion.ts.
 */
import { randomUUID } from "node:crypto";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type { LocalStore } from "../store";
import { applyScoreConfig } from "./score-configs";
import {
  fromJsonColumn,
  inClause,
  invalidData,
  isPlainObject,
  normalizeEnvironment,
  notFound,
  nowIso,
  pageMeta,
  parsePage,
  SqlFilter,
  toJsonColumn,
  type Issue,
} from "./common";

const DATA_TYPES = new Set<T.ScoreDataType>(["NUMERIC", "CATEGORICAL", "BOOLEAN", "CORRECTION", "TEXT"]);
const SUBJECT_MESSAGE =
  "Provide exactly one of the following: traceId (with optional observationId), sessionId or datasetRunId. ObservationId requires traceId.";
export const TEXT_SCORE_MAX_LENGTH = 500;
const CORRECTION_NAME = "output";

/** One row of the scores table. */
export interface ScoreRow {
  id: string;
  name: string;
  value: number | null;
  string_value: string | null;
  data_type: T.ScoreDataType;
  source: T.ScoreSource;
  trace_id: string | null;
  observation_id: string | null;
  session_id: string | null;
  dataset_run_id: string | null;
  comment: string | null;
  metadata: string | null;
  config_id: string | null;
  queue_id: string | null;
  environment: string;
  timestamp: string;
  created_at: string;
  updated_at: string;
}

export function rowToScore(r: ScoreRow): T.Score {
  return {
    id: r.id,
    name: r.name,
    value: r.value,
    stringValue: r.string_value,
    dataType: r.data_type,
    source: r.source,
    traceId: r.trace_id,
    observationId: r.observation_id,
    sessionId: r.session_id,
    datasetRunId: r.dataset_run_id,
    comment: r.comment,
    metadata: fromJsonColumn(r.metadata),
    configId: r.config_id,
    queueId: r.queue_id,
    environment: r.environment,
    timestamp: r.timestamp,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const optString = (v: unknown) => v === undefined || v === null || typeof v === "string";
const present = (v: unknown) => v !== undefined && v !== null && v !== "";

/** Validates a score body as the server's zod schema does and inflates it into a row (minus times). */
export function validateScore(body: unknown): Omit<ScoreRow, "timestamp" | "created_at" | "updated_at"> {
  if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
  const issues: Issue[] = [];
  if (!optString(body.id)) issues.push({ path: ["id"], message: "Expected string" });
  if (typeof body.name !== "string" || body.name.length === 0) issues.push({ path: ["name"], message: "Expected non-empty string" });
  const value = body.value;
  if (typeof value !== "number" && typeof value !== "string") issues.push({ path: ["value"], message: "Expected number or string" });
  else if (typeof value === "number" && !Number.isFinite(value)) issues.push({ path: ["value"], message: "Expected a finite number" });
  let dataType = body.dataType as T.ScoreDataType | undefined;
  if (dataType !== undefined && !DATA_TYPES.has(dataType)) {
    issues.push({ path: ["dataType"], message: "Expected 'NUMERIC' | 'CATEGORICAL' | 'BOOLEAN' | 'CORRECTION' | 'TEXT'" });
    dataType = undefined;
  }
  if (dataType === "NUMERIC" && typeof value !== "number") issues.push({ path: ["value"], message: "Value must be a number for data type NUMERIC" });
  if (dataType === "CATEGORICAL" && typeof value !== "string") issues.push({ path: ["value"], message: "Value must be a string for data type CATEGORICAL" });
  if (dataType === "BOOLEAN" && (typeof value !== "number" || (value !== 0 && value !== 1)))
    issues.push({ path: ["value"], message: "Value must be a number equal to either 0 or 1 for data type BOOLEAN" });
  if (dataType === "CORRECTION") {
    if (typeof value !== "string") issues.push({ path: ["value"], message: "Value must be a string for data type CORRECTION" });
    if (present(body.configId)) issues.push({ path: ["configId"], message: "configId is not allowed for CORRECTION scores" });
  }
  if (dataType === "TEXT" && (typeof value !== "string" || value.length < 1 || value.length > TEXT_SCORE_MAX_LENGTH))
    issues.push({ path: ["value"], message: `Value must be a string of 1 to ${TEXT_SCORE_MAX_LENGTH} characters for data type TEXT` });
  for (const f of ["traceId", "observationId", "sessionId", "datasetRunId", "comment", "configId", "queueId", "environment"])
    if (!optString(body[f])) issues.push({ path: [f], message: "Expected string" });
  const hasTrace = present(body.traceId);
  const subjects = [hasTrace, present(body.sessionId), present(body.datasetRunId)].filter(Boolean).length;
  if (subjects !== 1 || (present(body.observationId) && !hasTrace)) issues.push({ path: [], message: SUBJECT_MESSAGE });
  const source = (body.source ?? "API") as T.ScoreSource;
  if (source !== "API" && source !== "ANNOTATION") issues.push({ path: ["source"], message: "Expected 'API' | 'ANNOTATION'" });
  if (source === "ANNOTATION" && !present(body.configId) && dataType !== "CORRECTION")
    issues.push({ path: ["configId"], message: "configId is required when source is ANNOTATION (except for CORRECTION scores)." });
  if (dataType === "CORRECTION" && !hasTrace) issues.push({ path: [], message: "CORRECTION scores are only allowed on traces and observations" });
  if (issues.length) throw invalidData(issues);

  const type: T.ScoreDataType = dataType ?? (typeof value === "number" ? "NUMERIC" : "CATEGORICAL");
  let numeric: number | null = typeof value === "number" ? value : 0;
  let stringValue: string | null = null;
  if (type === "BOOLEAN") stringValue = value === 1 ? "True" : "False";
  else if (type === "CATEGORICAL" || type === "TEXT" || type === "CORRECTION") ((numeric = 0), (stringValue = value as string));
  return {
    id: present(body.id) ? (body.id as string) : randomUUID(),
    name: type === "CORRECTION" ? CORRECTION_NAME : (body.name as string),
    value: numeric,
    string_value: stringValue,
    data_type: type,
    source,
    trace_id: hasTrace ? (body.traceId as string) : null,
    observation_id: present(body.observationId) ? (body.observationId as string) : null,
    session_id: present(body.sessionId) ? (body.sessionId as string) : null,
    dataset_run_id: present(body.datasetRunId) ? (body.datasetRunId as string) : null,
    comment: (body.comment as string | null | undefined) ?? null,
    metadata: toJsonColumn(body.metadata ?? null),
    config_id: (body.configId as string | null | undefined) || null,
    queue_id: (body.queueId as string | null | undefined) || null,
    environment: normalizeEnvironment(body.environment ?? "default"),
  };
}

export class LocalScoreStore {
  constructor(private readonly store: LocalStore) {}

  private get db() {
    return this.store.db;
  }

  // Prepared once: preparing the upsert per score cost more than running it. Positional
  // parameters: binding 16 named ones from an object cost more than the row's own insert work.
  private upsertStatement: ReturnType<LocalStore["db"]["prepare"]> | undefined;

  createSync(body: unknown): { id: string } {
    return this.store.transaction(() => this.createInTransaction(body, nowIso()));
  }

  /** Validates `body` (against its score config too) and writes it; the caller holds the transaction. */
  createInTransaction(body: unknown, now: string): { id: string } {
    const s = validateScore(body);
    applyScoreConfig(this.store, s, (body as { dataType?: T.ScoreDataType }).dataType);
    this.upsert(s, now);
    return { id: s.id };
  }

  /** Writes one validated score; the caller holds the transaction. */
  private upsert(s: ReturnType<typeof validateScore>, now: string): void {
    (this.upsertStatement ??= this.db.prepare(
      `INSERT INTO scores (id, name, value, string_value, data_type, source, trace_id, observation_id, session_id, dataset_run_id,
         comment, metadata, config_id, queue_id, environment, timestamp, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, value = excluded.value, string_value = excluded.string_value,
         data_type = excluded.data_type, source = excluded.source, trace_id = excluded.trace_id,
         observation_id = excluded.observation_id, session_id = excluded.session_id, dataset_run_id = excluded.dataset_run_id,
         comment = excluded.comment, metadata = excluded.metadata, config_id = excluded.config_id, queue_id = excluded.queue_id,
         environment = excluded.environment, timestamp = excluded.timestamp, updated_at = excluded.updated_at`,
    )).run(
      s.id, s.name, s.value, s.string_value, s.data_type, s.source, s.trace_id, s.observation_id, s.session_id, s.dataset_run_id,
      s.comment, s.metadata, s.config_id, s.queue_id, s.environment, now, now, now,
    );
  }

  get(id: string): T.Score {
    const row = this.db.prepare("SELECT * FROM scores WHERE id = ?").get(id) as ScoreRow | undefined;
    if (!row) throw notFound("Score not found");
    return rowToScore(row);
  }

  delete(id: string): void {
    const res = this.db.prepare("DELETE FROM scores WHERE id = ?").run(id);
    if (res.changes === 0) throw notFound("Score not found");
  }

  byTraceIds(traceIds: string[]): T.Score[] {
    if (!traceIds.length) return [];
    return (this.db.prepare(`SELECT * FROM scores WHERE trace_id IN (${inClause(traceIds.length)}) ORDER BY timestamp DESC`).all(...traceIds) as ScoreRow[]).map(rowToScore);
  }

  list(query: T.ListScoresQuery = {}): T.Paginated<T.Score> {
    const page = parsePage(query);
    const filter = new SqlFilter()
      .equals(query, [
        ["name", "name"],
        ["traceId", "trace_id"],
        ["observationId", "observation_id"],
        ["sessionId", "session_id"],
        ["datasetRunId", "dataset_run_id"],
        ["dataType", "data_type"],
        ["source", "source"],
        ["configId", "config_id"],
        ["queueId", "queue_id"],
      ])
      .environments(query.environment)
      .timeRange("timestamp", { value: query.fromTimestamp, field: "fromTimestamp" }, { value: query.toTimestamp, field: "toTimestamp" });
    if (query.userId) filter.add("trace_id IN (SELECT id FROM traces WHERE user_id = ?)", query.userId);
    const ids = query.scoreIds ? String(query.scoreIds).split(",").map((s) => s.trim()).filter(Boolean) : [];
    if (ids.length) filter.add(`id IN (${inClause(ids.length)})`, ...ids);
    if (query.value !== undefined && query.value !== null && String(query.value) !== "") {
      const op = query.operator ?? "=";
      if (!["<", ">", "<=", ">=", "!=", "="].includes(op)) throw invalidData([{ path: ["operator"], message: "Invalid enum value. Expected '<' | '>' | '<=' | '>=' | '!=' | '='" }]);
      const v = Number(query.value);
      if (!Number.isFinite(v)) throw invalidData([{ path: ["value"], message: "Expected number" }]);
      filter.add(`value ${op} ?`, v);
    }
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM scores ${filter.sql}`).get(...filter.args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM scores ${filter.sql} ORDER BY timestamp DESC, id ASC LIMIT ? OFFSET ?`)
      .all(...filter.args, page.limit, page.offset) as ScoreRow[];
    return { data: rows.map(rowToScore), meta: pageMeta(page, total) };
  }
}

export function localScores(s: LocalScoreStore): LangfuseApi["scores"] {
  return {
    create: async (body) => s.createSync(body),
    list: async (query) => s.list(query),
    get: async (id) => s.get(id),
    delete: async (id) => s.delete(id),
  };
}

/**
 * The API 4.x reads over the same tables as the v1 reads: cursor-paginated v2 observations and
 * v3 scores, experiments and experiment items (observations carrying experiment attributes),
 * plus the deletes of traces and dataset runs.
 */
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type * as V4 from "../../api/types-v4";
import type { LocalStore } from "../store";
import { asArray, badRequest, inClause, invalidData, notFound, parseDate, parseIo, type Issue } from "./common";
import { PROJECT_ID } from "./datasets";
import { filterSql, filterSqlForColumns } from "./metrics";
import { toObservation, type ObservationRow } from "./reads";
import type { ScoreRow } from "./scores";

interface TraceContextRow {
  t_user_id: string | null;
  t_session_id: string | null;
  t_name: string | null;
  t_tags: string | null;
  t_release: string | null;
  t_public: number | null;
}

const OBS_V2_SELECT = `SELECT o.*, r.json AS resource_json, t.user_id AS t_user_id, t.session_id AS t_session_id, t.name AS t_name,
  t.tags AS t_tags, t.release AS t_release, t.public AS t_public
  FROM observations o LEFT JOIN otel_resources r ON r.id = o.resource_id LEFT JOIN traces t ON t.id = o.trace_id`;

const OBS_FIELD_GROUPS: readonly V4.ObservationFieldGroup[] = ["core", "basic", "time", "io", "metadata", "model", "usage", "prompt", "metrics", "trace_context"];
const SCORE_FIELD_GROUPS: readonly V4.ScoreFieldGroupV3[] = ["core", "details", "subject", "annotation"];

function encodeCursor(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString("base64url");
}

function decodeCursor<C>(text: string, keys: (keyof C & string)[]): C {
  try {
    const c = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Record<string, unknown>;
    if (keys.every((k) => typeof c[k] === "string")) return c as C;
  } catch {
    // answered below
  }
  throw badRequest("Invalid cursor format");
}

function parseLimit(v: unknown, max: number, fallback: number): number {
  if (v === undefined || v === null || v === "") return fallback;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > max) throw invalidData([{ path: ["limit"], message: `Number must be an integer between 1 and ${max}` }]);
  return n;
}

/** `a,b,c` (or repeated params) → list; empty → undefined. */
function csv(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const parts = asArray(v as string | string[])
    .flatMap((s) => String(s).split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
}

function fieldGroups<G extends string>(v: unknown, all: readonly G[], fallback: readonly G[]): Set<G> {
  const asked = csv(v);
  // Unknown names are dropped, as the server's `unknownValues: "filter"`.
  const groups = new Set<G>(asked ? (asked.filter((g) => (all as readonly string[]).includes(g)) as G[]) : fallback);
  groups.add("core" as G);
  return groups;
}

const rawText = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v));


export function toScoreV3(r: ScoreRow, groups: Set<V4.ScoreFieldGroupV3>): V4.ScoreV3 {
  const value = r.data_type === "NUMERIC" ? (r.value ?? 0) : r.data_type === "BOOLEAN" ? r.value === 1 : (r.string_value ?? "");
  const out: V4.ScoreV3 = {
    id: r.id,
    projectId: PROJECT_ID,
    name: r.name,
    source: r.source,
    timestamp: r.timestamp,
    environment: r.environment,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    dataType: r.data_type,
    value,
  };
  if (groups.has("details")) {
    out.comment = r.comment;
    out.configId = r.config_id;
    const md = r.metadata === null ? null : (JSON.parse(r.metadata) as unknown);
    out.metadata = md && typeof md === "object" && !Array.isArray(md) ? (md as Record<string, unknown>) : {};
  }
  if (groups.has("subject")) {
    if (r.observation_id) out.subject = { kind: "observation", id: r.observation_id, ...(r.trace_id ? { traceId: r.trace_id } : {}) };
    else if (r.trace_id) out.subject = { kind: "trace", id: r.trace_id };
    else if (r.session_id) out.subject = { kind: "session", id: r.session_id };
    else if (r.dataset_run_id) out.subject = { kind: "experiment", id: r.dataset_run_id };
  }
  if (groups.has("annotation")) {
    out.authorUserId = null;
    out.queueId = r.queue_id;
  }
  return out;
}

const SCORES_V3_KEYS = new Set([
  "limit", "cursor", "fields", "id", "name", "source", "dataType", "environment", "configId", "queueId", "authorUserId", "value", "valueMin",
  "valueMax", "traceId", "sessionId", "observationId", "experimentId", "fromTimestamp", "toTimestamp", "userId", "traceTags",
]);
const SCORE_SOURCES = ["ANNOTATION", "API", "EVAL"];
const SCORE_DATA_TYPES = ["NUMERIC", "CATEGORICAL", "BOOLEAN", "CORRECTION", "TEXT"];

interface ExperimentJson {
  id?: string;
  name?: string;
  description?: string;
  datasetId?: string;
  itemId?: string;
  itemRootObservationId?: string;
  itemExpectedOutput?: unknown;
  itemVersion?: string;
  metadata?: Record<string, unknown>;
  itemMetadata?: Record<string, unknown>;
}

/** Observations that are the root of an experiment item (the runner marks them; else the trace root). */
const EXPERIMENT_ITEM_WHERE = `o.experiment IS NOT NULL AND json_extract(o.experiment, '$.id') IS NOT NULL
  AND (json_extract(o.experiment, '$.itemRootObservationId') = o.id
       OR (json_extract(o.experiment, '$.itemRootObservationId') IS NULL AND o.parent_observation_id IS NULL))`;

export class LocalReadsV4 {
  constructor(private readonly store: LocalStore) {}

  private get db() {
    return this.store.db;
  }

  listObservationsV2(query: V4.ListObservationsV2Query = {}): V4.CursorPage<V4.ObservationV2> {
    const q = query as Record<string, unknown>;
    const limit = parseLimit(q.limit, 1000, 50);
    const groups = fieldGroups(q.fields, OBS_FIELD_GROUPS, OBS_FIELD_GROUPS);
    const parseJson = q.parseIoAsJson === true || q.parseIoAsJson === "true";
    const where: string[] = [];
    const args: unknown[] = [];
    const eq = (key: string, column: string) => {
      const v = q[key];
      if (v !== undefined && v !== null && v !== "") (where.push(`${column} = ?`), args.push(v));
    };
    eq("traceId", "o.trace_id");
    eq("userId", "t.user_id");
    eq("sessionId", "t.session_id");
    eq("level", "o.level");
    eq("name", "o.name");
    eq("type", "o.type");
    eq("parentObservationId", "o.parent_observation_id");
    eq("version", "o.version");
    const envs = asArray(q.environment as string | string[] | undefined).flatMap((e) => String(e).split(",")).filter(Boolean);
    if (envs.length) (where.push(`o.environment IN (${inClause(envs.length)})`), args.push(...envs));
    if (q.isRootObservation === true || q.isRootObservation === "true") where.push("o.parent_observation_id IS NULL");
    if (q.isRootObservation === false || q.isRootObservation === "false") where.push("o.parent_observation_id IS NOT NULL");
    const from = parseDate(q.fromStartTime, "fromStartTime");
    const to = parseDate(q.toStartTime, "toStartTime");
    if (from) (where.push("o.start_time >= ?"), args.push(from.toISOString()));
    if (to) (where.push("o.start_time < ?"), args.push(to.toISOString()));
    if (typeof q.filter === "string" && q.filter) {
      const f = filterSql("observations", parseFilterParam(q.filter));
      where.push(...f.clauses);
      args.push(...f.args);
    }
    if (typeof q.cursor === "string" && q.cursor) {
      const c = decodeCursor<{ lastStartTimeTo: string; lastTraceId: string; lastId: string }>(q.cursor, ["lastStartTimeTo", "lastTraceId", "lastId"]);
      where.push("(o.start_time, o.trace_id, o.id) < (?, ?, ?)");
      args.push(c.lastStartTimeTo, c.lastTraceId, c.lastId);
    }
    const sql = `${OBS_V2_SELECT} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY o.start_time DESC, o.trace_id DESC, o.id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, limit + 1) as (ObservationRow & TraceContextRow)[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const data = page.map((r) => observationV2(r, groups, parseJson));
    const last = page[page.length - 1];
    return { data, meta: more && last ? { cursor: encodeCursor({ lastStartTimeTo: last.start_time, lastTraceId: last.trace_id, lastId: last.id }) } : {} };
  }

  listScoresV3(query: V4.ListScoresV3Query = {}): V4.CursorPage<V4.ScoreV3> {
    const q = query as Record<string, unknown>;
    const issues: Issue[] = [];
    for (const k of Object.keys(q)) if (q[k] !== undefined && !SCORES_V3_KEYS.has(k)) issues.push({ path: [], message: `Unrecognized key(s) in object: '${k}'` });
    if (q.userId) issues.push({ path: [], message: "userId filter requires a trace JOIN and is not supported in v3 — use v2 or omit this filter" });
    if (q.traceTags) issues.push({ path: [], message: "traceTags filter requires a trace JOIN and is not supported in v3 — use v2 or omit this filter" });
    const sources = csv(q.source)?.map((s) => s.toUpperCase());
    const dataTypes = csv(q.dataType)?.map((s) => s.toUpperCase());
    for (const s of sources ?? []) if (!SCORE_SOURCES.includes(s)) issues.push({ path: ["source"], message: `Invalid source value: "${s}". Allowed: ${SCORE_SOURCES.join(", ")}` });
    for (const s of dataTypes ?? [])
      if (!SCORE_DATA_TYPES.includes(s)) issues.push({ path: ["dataType"], message: `Invalid dataType value: "${s}". Allowed: ${SCORE_DATA_TYPES.join(", ")}` });
    const values = csv(q.value);
    if (values) {
      if (!dataTypes || dataTypes.length !== 1) issues.push({ path: [], message: "value filter requires a single dataType from: NUMERIC, BOOLEAN, CATEGORICAL" });
      else if (!["NUMERIC", "BOOLEAN", "CATEGORICAL"].includes(dataTypes[0]!))
        issues.push({ path: [], message: `value filter requires dataType to be NUMERIC, BOOLEAN, or CATEGORICAL (got "${dataTypes[0]}")` });
      else if (dataTypes[0] === "NUMERIC")
        for (const v of values) if (!Number.isFinite(Number(v))) issues.push({ path: [], message: `value filter with dataType=NUMERIC requires each value to be a finite number (got "${v}")` });
      if (dataTypes?.[0] === "BOOLEAN")
        for (const v of values) if (v !== "true" && v !== "false") issues.push({ path: [], message: `value filter with dataType=BOOLEAN requires each value to be "true" or "false" (got "${v}")` });
    }
    const num = (k: string) => (q[k] === undefined || q[k] === "" ? undefined : Number(q[k]));
    const valueMin = num("valueMin");
    const valueMax = num("valueMax");
    if ((valueMin !== undefined || valueMax !== undefined) && !(dataTypes?.length === 1 && dataTypes[0] === "NUMERIC"))
      issues.push({ path: [], message: "valueMin and valueMax require dataType=NUMERIC as a single value" });
    for (const [k, v] of [["valueMin", valueMin], ["valueMax", valueMax]] as const) if (v !== undefined && !Number.isFinite(v)) issues.push({ path: [k], message: "Expected number, received nan" });
    if (csv(q.observationId) && !csv(q.traceId)) issues.push({ path: [], message: "observationId filter requires traceId — observation IDs are scoped to a trace" });
    if (issues.length) throw invalidData(issues);

    const limit = parseLimit(q.limit, 100, 50);
    const groups = fieldGroups(q.fields, SCORE_FIELD_GROUPS, ["core"]);
    const where: string[] = [];
    const args: unknown[] = [];
    const anyOf = (values: string[] | undefined, column: string) => {
      if (values) (where.push(`${column} IN (${inClause(values.length)})`), args.push(...values));
    };
    anyOf(csv(q.id), "id");
    anyOf(csv(q.name), "name");
    anyOf(sources, "source");
    anyOf(dataTypes, "data_type");
    anyOf(csv(q.environment), "environment");
    anyOf(csv(q.configId), "config_id");
    anyOf(csv(q.queueId), "queue_id");
    if (csv(q.authorUserId)) where.push("0"); // scores stored here have no author
    anyOf(csv(q.traceId), "trace_id");
    anyOf(csv(q.sessionId), "session_id");
    anyOf(csv(q.observationId), "observation_id");
    anyOf(csv(q.experimentId), "dataset_run_id");
    if (values) {
      const dt = dataTypes![0];
      if (dt === "NUMERIC") (where.push(`value IN (${inClause(values.length)})`), args.push(...values.map(Number)));
      else if (dt === "BOOLEAN") anyOf(values.map((v) => (v === "true" ? "True" : "False")), "string_value");
      else anyOf(values, "string_value");
    }
    if (valueMin !== undefined) (where.push("value >= ?"), args.push(valueMin));
    if (valueMax !== undefined) (where.push("value <= ?"), args.push(valueMax));
    const from = parseDate(q.fromTimestamp, "fromTimestamp");
    const to = parseDate(q.toTimestamp, "toTimestamp");
    if (from) (where.push("timestamp >= ?"), args.push(from.toISOString()));
    if (to) (where.push("timestamp < ?"), args.push(to.toISOString()));
    if (typeof q.cursor === "string" && q.cursor) {
      const c = decodeCursor<{ lastTimestamp: string; lastId: string }>(q.cursor, ["lastTimestamp", "lastId"]);
      where.push("(timestamp, id) < (?, ?)");
      args.push(c.lastTimestamp, c.lastId);
    }
    const rows = this.db
      .prepare(`SELECT * FROM scores ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY timestamp DESC, id DESC LIMIT ?`)
      .all(...args, limit + 1) as ScoreRow[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      data: page.map((r) => toScoreV3(r, groups)),
      meta: { limit, ...(more && last ? { cursor: encodeCursor({ lastTimestamp: last.timestamp, lastId: last.id }) } : {}) },
    };
  }

  private experimentScores(experimentIds: string[], scoreLimit: number): Map<string, V4.ScoreV3[]> {
    const out = new Map<string, V4.ScoreV3[]>();
    if (!experimentIds.length) return out;
    const rows = this.db
      .prepare(`SELECT * FROM scores WHERE dataset_run_id IN (${inClause(experimentIds.length)}) ORDER BY timestamp DESC, id DESC`)
      .all(...experimentIds) as ScoreRow[];
    for (const r of rows) {
      const list = out.get(r.dataset_run_id!) ?? [];
      if (list.length < scoreLimit) list.push(toScoreV3(r, new Set(["core", "details", "subject"])));
      out.set(r.dataset_run_id!, list);
    }
    return out;
  }

  listExperiments(query: V4.ListExperimentsQuery): V4.CursorPage<V4.Experiment> {
    const q = query as unknown as Record<string, unknown>;
    const from = parseDate(q.fromStartTime, "fromStartTime");
    if (!from) throw invalidData([{ path: ["fromStartTime"], message: "Required" }]);
    const to = parseDate(q.toStartTime, "toStartTime");
    const limit = parseLimit(q.limit, 100, 50);
    const scoreLimit = parseLimit(q.scoreLimit, 50, 50);
    const groups = fieldGroups(q.fields, ["core", "metadata", "scores"] as const, ["core"]);
    const where = [EXPERIMENT_ITEM_WHERE, "o.start_time >= ?"];
    const args: unknown[] = [from.toISOString()];
    if (to) (where.push("o.start_time < ?"), args.push(to.toISOString()));
    const ids = csv(q.id);
    const names = csv(q.name);
    const datasets = csv(q.datasetId);
    if (ids) (where.push(`json_extract(o.experiment, '$.id') IN (${inClause(ids.length)})`), args.push(...ids));
    if (names) (where.push(`json_extract(o.experiment, '$.name') IN (${inClause(names.length)})`), args.push(...names));
    if (datasets) (where.push(`json_extract(o.experiment, '$.datasetId') IN (${inClause(datasets.length)})`), args.push(...datasets));
    if (typeof q.filter === "string" && q.filter) {
      const f = filterSqlForColumns(
        { id: "json_extract(o.experiment, '$.id')", name: "json_extract(o.experiment, '$.name')", datasetId: "json_extract(o.experiment, '$.datasetId')" },
        parseFilterParam(q.filter),
      );
      where.push(...f.clauses);
      args.push(...f.args);
    }
    const grouped = `SELECT json_extract(o.experiment, '$.id') AS id, MIN(o.start_time) AS start_time, MAX(COALESCE(o.end_time, o.start_time)) AS end_time,
        COUNT(DISTINCT COALESCE(json_extract(o.experiment, '$.itemId'), o.id)) AS item_count, MAX(o.experiment) AS experiment
      FROM observations o WHERE ${where.join(" AND ")} GROUP BY json_extract(o.experiment, '$.id')`;
    let sql = `SELECT * FROM (${grouped})`;
    const outer: unknown[] = [];
    if (typeof q.cursor === "string" && q.cursor) {
      const c = decodeCursor<{ lastTime: string; lastExperimentId: string }>(q.cursor, ["lastTime", "lastExperimentId"]);
      sql += " WHERE (start_time, id) < (?, ?)";
      outer.push(c.lastTime, c.lastExperimentId);
    }
    sql += " ORDER BY start_time DESC, id DESC LIMIT ?";
    const rows = this.db.prepare(sql).all(...args, ...outer, limit + 1) as { id: string; start_time: string; end_time: string; item_count: number; experiment: string }[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const scores = groups.has("scores") ? this.experimentScores(page.map((r) => r.id), scoreLimit) : undefined;
    const data = page.map((r) => {
      const e = JSON.parse(r.experiment) as ExperimentJson;
      const out: V4.Experiment = {
        id: r.id,
        name: e.name ?? r.id,
        description: e.description ?? null,
        startTime: r.start_time,
        endTime: r.end_time,
        itemCount: r.item_count,
        datasetId: e.datasetId ?? null,
      };
      if (groups.has("metadata")) out.metadata = e.metadata ?? null;
      if (scores) out.scores = scores.get(r.id) ?? [];
      return out;
    });
    const last = page[page.length - 1];
    return {
      data,
      meta: { limit, ...(more && last ? { cursor: encodeCursor({ v: 1, lastTime: last.start_time, lastTraceId: "", lastId: last.id, lastExperimentId: last.id }) } : {}) },
    };
  }

  listExperimentItems(query: V4.ListExperimentItemsQuery): V4.CursorPage<V4.ExperimentItemRecord> {
    const q = query as unknown as Record<string, unknown>;
    const from = parseDate(q.fromStartTime, "fromStartTime");
    if (!from) throw invalidData([{ path: ["fromStartTime"], message: "Required" }]);
    const to = parseDate(q.toStartTime, "toStartTime");
    const limit = parseLimit(q.limit, 100, 50);
    const scoreLimit = parseLimit(q.scoreLimit, 50, 50);
    const groups = fieldGroups(q.fields, ["core", "dataset", "io", "metadata", "itemMetadata", "experimentMetadata", "scores"] as const, ["core", "dataset"]);
    const where = [EXPERIMENT_ITEM_WHERE, "o.start_time >= ?"];
    const args: unknown[] = [from.toISOString()];
    if (to) (where.push("o.start_time < ?"), args.push(to.toISOString()));
    for (const [key, path] of [
      ["experimentId", "$.id"],
      ["experimentName", "$.name"],
      ["experimentItemId", "$.itemId"],
      ["datasetId", "$.datasetId"],
    ] as const) {
      const vals = csv(q[key]);
      if (vals) (where.push(`json_extract(o.experiment, '${path}') IN (${inClause(vals.length)})`), args.push(...vals));
    }
    if (typeof q.filter === "string" && q.filter) {
      const f = filterSqlForColumns(
        {
          experimentId: "json_extract(o.experiment, '$.id')",
          experimentName: "json_extract(o.experiment, '$.name')",
          experimentItemId: "json_extract(o.experiment, '$.itemId')",
          datasetId: "json_extract(o.experiment, '$.datasetId')",
        },
        parseFilterParam(q.filter),
      );
      where.push(...f.clauses);
      args.push(...f.args);
    }
    if (typeof q.cursor === "string" && q.cursor) {
      const c = decodeCursor<{ lastTime: string; lastTraceId: string; lastId: string }>(q.cursor, ["lastTime", "lastTraceId", "lastId"]);
      where.push("(o.start_time, o.trace_id, o.id) < (?, ?, ?)");
      args.push(c.lastTime, c.lastTraceId, c.lastId);
    }
    const rows = this.db
      .prepare(`${OBS_V2_SELECT} WHERE ${where.join(" AND ")} ORDER BY o.start_time DESC, o.trace_id DESC, o.id DESC LIMIT ?`)
      .all(...args, limit + 1) as (ObservationRow & { experiment: string })[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const traceScores = new Map<string, V4.ScoreV3[]>();
    if (groups.has("scores") && page.length) {
      const ids = [...new Set(page.map((r) => r.trace_id))];
      const scoreRows = this.db.prepare(`SELECT * FROM scores WHERE trace_id IN (${inClause(ids.length)}) ORDER BY timestamp DESC, id DESC`).all(...ids) as ScoreRow[];
      for (const s of scoreRows) {
        const list = traceScores.get(s.trace_id!) ?? [];
        if (list.length < scoreLimit) list.push(toScoreV3(s, new Set(["core", "details", "subject"])));
        traceScores.set(s.trace_id!, list);
      }
    }
    const data = page.map((r) => {
      const e = JSON.parse(r.experiment) as ExperimentJson;
      const out: V4.ExperimentItemRecord = {
        id: r.id,
        traceId: r.trace_id,
        startTime: r.start_time,
        endTime: r.end_time,
        level: r.level,
        environment: r.environment,
        experimentId: e.id ?? "",
        experimentName: e.name ?? e.id ?? "",
        experimentItemId: e.itemId ?? r.id,
      };
      if (groups.has("dataset")) {
        out.experimentDatasetId = e.datasetId ?? null;
        out.experimentItemVersion = e.itemVersion ?? null;
      }
      if (groups.has("io")) {
        out.input = parseIo(r.input);
        out.output = parseIo(r.output);
        out.expectedOutput = typeof e.itemExpectedOutput === "string" ? parseIo(e.itemExpectedOutput) : (e.itemExpectedOutput ?? null);
      }
      if (groups.has("metadata")) out.metadata = toObservation(r).metadata as Record<string, unknown>;
      if (groups.has("itemMetadata")) out.itemMetadata = e.itemMetadata ?? null;
      if (groups.has("experimentMetadata")) {
        out.experimentMetadata = e.metadata ?? null;
        out.experimentDescription = e.description ?? null;
      }
      if (groups.has("scores")) out.scores = traceScores.get(r.trace_id) ?? [];
      return out;
    });
    const last = page[page.length - 1];
    return {
      data,
      meta: { limit, ...(more && last ? { cursor: encodeCursor({ v: 1, lastTime: last.start_time, lastTraceId: last.trace_id, lastId: last.id, lastExperimentId: "" }) } : {}) },
    };
  }

  /** Deletes traces with their observations and scores; 404 when none of them exists. */
  deleteTraces(traceIds: string[]): number {
    if (!Array.isArray(traceIds) || traceIds.length === 0 || traceIds.some((id) => typeof id !== "string" || id.length === 0))
      throw invalidData([{ path: ["traceIds"], message: "Expected a non-empty array of trace ids" }]);
    return this.store.transaction(() => {
      let deleted = 0;
      for (let i = 0; i < traceIds.length; i += 500) {
        const chunk = traceIds.slice(i, i + 500);
        const list = inClause(chunk.length);
        this.db.prepare(`DELETE FROM observations WHERE trace_id IN (${list})`).run(...chunk);
        this.db.prepare(`DELETE FROM scores WHERE trace_id IN (${list})`).run(...chunk);
        this.db.prepare(`DELETE FROM comments WHERE object_type = 'TRACE' AND object_id IN (${list})`).run(...chunk);
        deleted += this.db.prepare(`DELETE FROM traces WHERE id IN (${list})`).run(...chunk).changes;
      }
      return deleted;
    });
  }

  deleteDatasetRun(datasetName: string, runName: string): { message: string } {
    const dataset = this.db.prepare("SELECT id FROM datasets WHERE name = ?").get(datasetName) as { id: string } | undefined;
    if (!dataset) throw notFound("Dataset not found");
    const run = this.db.prepare("SELECT id FROM dataset_runs WHERE dataset_id = ? AND name = ?").get(dataset.id, runName) as { id: string } | undefined;
    if (!run) throw notFound("Dataset run not found");
    this.store.transaction(() => {
      this.db.prepare("DELETE FROM dataset_run_items WHERE dataset_run_id = ?").run(run.id);
      this.db.prepare("DELETE FROM dataset_runs WHERE id = ?").run(run.id);
    });
    return { message: "Dataset run successfully deleted" };
  }
}

function parseFilterParam(text: string): V4.MetricsFilter[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest("Invalid JSON in filter parameter");
  }
  if (!Array.isArray(parsed)) throw badRequest("filter must be a JSON array of filter conditions");
  return parsed as V4.MetricsFilter[];
}

function observationV2(r: ObservationRow & TraceContextRow, groups: Set<V4.ObservationFieldGroup>, parseJson: boolean): V4.ObservationV2 {
  const o = toObservation(r);
  const out: V4.ObservationV2 = {
    id: o.id,
    traceId: o.traceId,
    startTime: o.startTime,
    endTime: o.endTime,
    projectId: PROJECT_ID,
    parentObservationId: o.parentObservationId,
    type: o.type,
    modelId: null,
    inputPrice: null,
    outputPrice: null,
    totalPrice: null,
  };
  if (groups.has("basic")) {
    Object.assign(out, {
      name: o.name,
      level: o.level,
      statusMessage: o.statusMessage,
      version: o.version,
      environment: o.environment,
      bookmarked: false,
      public: r.t_public === 1,
      userId: r.t_user_id,
      sessionId: r.t_session_id,
      isRootObservation: o.parentObservationId === null,
    });
  }
  if (groups.has("time")) Object.assign(out, { completionStartTime: o.completionStartTime, createdAt: r.created_at, updatedAt: r.updated_at });
  if (groups.has("io")) {
    out.input = parseJson ? o.input : rawText(r.input);
    out.output = parseJson ? o.output : rawText(r.output);
  }
  if (groups.has("metadata")) out.metadata = o.metadata;
  if (groups.has("model")) Object.assign(out, { providedModelName: o.model, internalModelId: null, modelParameters: o.modelParameters });
  if (groups.has("usage")) Object.assign(out, { usageDetails: o.usageDetails, costDetails: o.costDetails, totalCost: r.total_cost, usagePricingTierName: null });
  if (groups.has("prompt")) Object.assign(out, { promptId: o.promptId, promptName: o.promptName, promptVersion: o.promptVersion });
  if (groups.has("metrics")) Object.assign(out, { latency: o.latency, timeToFirstToken: o.timeToFirstToken });
  if (groups.has("trace_context")) Object.assign(out, { tags: r.t_tags ? (JSON.parse(r.t_tags) as string[]) : [], release: r.t_release, traceName: r.t_name });
  return out;
}

export function localReadsV4(r: LocalReadsV4): Pick<LangfuseApi, "scoresV3" | "experiments"> & {
  listV2: LangfuseApi["observations"]["listV2"];
  deleteTrace: LangfuseApi["traces"]["delete"];
  deleteTraces: LangfuseApi["traces"]["deleteMany"];
  deleteRun: LangfuseApi["datasets"]["deleteRun"];
} {
  return {
    scoresV3: { list: async (q) => r.listScoresV3(q) },
    experiments: { list: async (q) => r.listExperiments(q), listItems: async (q) => r.listExperimentItems(q) },
    listV2: async (q) => r.listObservationsV2(q),
    // As the server (which deletes in the background): no 404 for an unknown id.
    deleteTrace: async (id) => {
      r.deleteTraces([id]);
      return { message: "Trace deleted successfully" };
    },
    deleteTraces: async (ids) => {
      r.deleteTraces(ids);
      return { message: "Traces deleted successfully" };
    },
    deleteRun: async (dataset, run) => r.deleteDatasetRun(dataset, run),
  };
}

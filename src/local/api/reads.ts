/**
 * Read APIs over ingested traces (reference §7.1-§7.4, the v3 shapes): IO and metadata
 * values come back JSON-parsed when they parse, as the server renders them.
 */
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type { LocalStore } from "../store";
import { asArray, inClause, invalidField, notFound, pageMeta, parseDate, parseIo, parsePage, SqlFilter } from "./common";
import { PROJECT_ID } from "./datasets";
import type { LocalScoreStore } from "./scores";

export interface TraceRow {
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
}

export interface ObservationRow {
  id: string;
  trace_id: string;
  parent_observation_id: string | null;
  type: T.ObservationType;
  name: string | null;
  environment: string;
  start_time: string;
  end_time: string | null;
  completion_start_time: string | null;
  version: string | null;
  input: string | null;
  output: string | null;
  metadata: string;
  level: T.ObservationLevel;
  status_message: string | null;
  model: string | null;
  model_parameters: string | null;
  usage_details: string;
  cost_details: string;
  total_cost: number | null;
  prompt_id: string | null;
  prompt_name: string | null;
  prompt_version: number | null;
  resource_json?: string | null;
  created_at: string;
  updated_at: string;
}

/** Observations with their OTel resource/scope (stored once per resource) joined in. */
const OBS_SELECT = "SELECT o.*, r.json AS resource_json FROM observations o LEFT JOIN otel_resources r ON r.id = o.resource_id";

/** Metadata is stored as an object of raw values; each value is JSON-parsed on read when possible. */
function parseMetadata(text: string): Record<string, unknown> {
  const obj = JSON.parse(text) as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) if (typeof v === "string") obj[k] = parseIo(v);
  return obj;
}

function toTrace(r: TraceRow): T.Trace & { externalId: null; projectId: string; bookmarked: boolean } {
  return {
    id: r.id,
    externalId: null,
    projectId: PROJECT_ID,
    timestamp: r.timestamp,
    name: r.name,
    userId: r.user_id,
    sessionId: r.session_id,
    release: r.release,
    version: r.version,
    environment: r.environment,
    public: r.public === 1,
    bookmarked: false,
    tags: JSON.parse(r.tags) as string[],
    input: parseIo(r.input),
    output: parseIo(r.output),
    metadata: parseMetadata(r.metadata),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const seconds = (fromIso: string | null, toIso: string | null) =>
  fromIso && toIso ? (Date.parse(toIso) - Date.parse(fromIso)) / 1000 : null;

export function toObservation(r: ObservationRow): T.Observation {
  const usage = JSON.parse(r.usage_details) as Record<string, number>;
  const cost = JSON.parse(r.cost_details) as Record<string, number>;
  const out = {
    id: r.id,
    projectId: PROJECT_ID,
    traceId: r.trace_id,
    parentObservationId: r.parent_observation_id,
    type: r.type,
    name: r.name,
    environment: r.environment,
    startTime: r.start_time,
    endTime: r.end_time,
    completionStartTime: r.completion_start_time,
    version: r.version,
    input: parseIo(r.input),
    output: parseIo(r.output),
    metadata: r.resource_json ? Object.assign(parseMetadata(r.metadata), JSON.parse(r.resource_json) as object) : parseMetadata(r.metadata),
    level: r.level,
    statusMessage: r.status_message,
    model: r.model,
    modelParameters: r.model_parameters === null ? null : (JSON.parse(r.model_parameters) as unknown),
    usageDetails: usage,
    costDetails: cost,
    calculatedInputCost: cost.input ?? null,
    calculatedOutputCost: cost.output ?? null,
    calculatedTotalCost: r.total_cost ?? 0,
    usage: { unit: "TOKENS", input: usage.input ?? 0, output: usage.output ?? 0, total: usage.total ?? 0 },
    promptTokens: usage.input ?? 0,
    completionTokens: usage.output ?? 0,
    totalTokens: usage.total ?? 0,
    promptId: r.prompt_id,
    promptName: r.prompt_name,
    promptVersion: r.prompt_version,
    latency: seconds(r.start_time, r.end_time),
    timeToFirstToken: seconds(r.start_time, r.completion_start_time),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  return out;
}

const TRACE_ORDER_FIELDS: Record<string, string> = {
  id: "id",
  timestamp: "timestamp",
  name: "name",
  userId: "user_id",
  release: "release",
  version: "version",
  public: "public",
  sessionId: "session_id",
};

export class LocalReads {
  constructor(
    private readonly store: LocalStore,
    private readonly scores: LocalScoreStore,
  ) {}

  private get db() {
    return this.store.db;
  }

  private traceStats(ids: string[]): Map<string, { cost: number; start: string | null; end: string | null; obsIds: string[] }> {
    const map = new Map<string, { cost: number; start: string | null; end: string | null; obsIds: string[] }>();
    for (const id of ids) map.set(id, { cost: 0, start: null, end: null, obsIds: [] });
    if (!ids.length) return map;
    const rows = this.db
      .prepare(`SELECT id, trace_id, start_time, end_time, total_cost FROM observations WHERE trace_id IN (${inClause(ids.length)}) ORDER BY start_time`)
      .all(...ids) as { id: string; trace_id: string; start_time: string; end_time: string | null; total_cost: number | null }[];
    for (const r of rows) {
      const s = map.get(r.trace_id)!;
      s.cost += r.total_cost ?? 0;
      s.obsIds.push(r.id);
      if (!s.start || r.start_time < s.start) s.start = r.start_time;
      const end = r.end_time ?? r.start_time;
      if (!s.end || end > s.end) s.end = end;
    }
    return map;
  }

  getTrace(traceId: string): T.TraceWithDetails {
    const row = this.db.prepare("SELECT * FROM traces WHERE id = ?").get(traceId) as TraceRow | undefined;
    if (!row) throw notFound(`Trace ${traceId} not found within authorized project`);
    const observations = (this.db.prepare(`${OBS_SELECT} WHERE o.trace_id = ? ORDER BY o.start_time, o.id`).all(traceId) as ObservationRow[]).map(
      toObservation,
    );
    const stats = this.traceStats([traceId]).get(traceId)!;
    return {
      ...toTrace(row),
      htmlPath: `/project/${PROJECT_ID}/traces/${row.id}`,
      observations,
      scores: this.scores.byTraceIds([traceId]),
      totalCost: stats.cost,
      latency: seconds(stats.start, stats.end),
    } as T.TraceWithDetails;
  }

  listTraces(query: T.ListTracesQuery = {}): T.Paginated<T.TraceListItem> {
    const page = parsePage(query);
    const filter = new SqlFilter().equals(query, [
      ["userId", "user_id"],
      ["name", "name"],
      ["sessionId", "session_id"],
      ["version", "version"],
      ["release", "release"],
    ]);
    // Every requested tag present: one clause over a JSON array of them, however many there are
    // (one EXISTS per tag nested past SQLite's expression depth of 1,000).
    const tags = [...new Set(asArray(query.tags))];
    if (tags.length)
      filter.add("NOT EXISTS (SELECT 1 FROM json_each(?) want WHERE want.value NOT IN (SELECT value FROM json_each(traces.tags)))", JSON.stringify(tags));
    filter
      .environments(query.environment)
      .timeRange("timestamp", { value: query.fromTimestamp, field: "fromTimestamp" }, { value: query.toTimestamp, field: "toTimestamp" });
    let order = "timestamp DESC";
    if (query.orderBy) {
      const m = /^(\w+)\.(asc|desc)$/i.exec(query.orderBy);
      // Own keys only: `constructor.asc` must not find Object.prototype.constructor.
      const col = m && Object.hasOwn(TRACE_ORDER_FIELDS, m[1]!) ? TRACE_ORDER_FIELDS[m[1]!] : undefined;
      if (!m || !col) throw invalidField("orderBy", "Expected '<field>.asc' or '<field>.desc' with field one of " + Object.keys(TRACE_ORDER_FIELDS).join(", "));
      order = `${col} ${m[2]!.toUpperCase()}`;
    }
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM traces ${filter.sql}`).get(...filter.args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM traces ${filter.sql} ORDER BY ${order}, id ASC LIMIT ? OFFSET ?`)
      .all(...filter.args, page.limit, page.offset) as TraceRow[];
    const ids = rows.map((r) => r.id);
    const stats = this.traceStats(ids);
    const scores = this.scores.byTraceIds(ids);
    const data = rows.map((r) => {
      const s = stats.get(r.id)!;
      return {
        ...toTrace(r),
        htmlPath: `/project/${PROJECT_ID}/traces/${r.id}`,
        observations: s.obsIds,
        scores: scores.filter((sc) => sc.traceId === r.id).map((sc) => sc.id),
        totalCost: s.cost,
        latency: seconds(s.start, s.end),
      };
    });
    return { data, meta: pageMeta(page, total) };
  }

  getObservation(id: string): T.Observation {
    const row = this.db.prepare(`${OBS_SELECT} WHERE o.id = ?`).get(id) as ObservationRow | undefined;
    if (!row) throw notFound(`Observation ${id} not found within authorized project`);
    return toObservation(row);
  }

  listObservations(query: T.ListObservationsQuery = {}): T.Paginated<T.Observation> {
    const page = parsePage(query);
    const filter = new SqlFilter()
      .equals(query, [
        ["traceId", "trace_id"],
        ["type", "type"],
        ["name", "name"],
        ["parentObservationId", "parent_observation_id"],
        ["level", "level"],
        ["version", "version"],
      ])
      .environments(query.environment)
      .timeRange("start_time", { value: query.fromStartTime, field: "fromStartTime" }, { value: query.toStartTime, field: "toStartTime" });
    if (query.userId) filter.add("trace_id IN (SELECT id FROM traces WHERE user_id = ?)", query.userId);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM observations ${filter.sql}`).get(...filter.args) as { n: number }).n;
    const rows = this.db
      .prepare(`${OBS_SELECT} ${filter.sql} ORDER BY o.start_time DESC, o.id ASC LIMIT ? OFFSET ?`)
      .all(...filter.args, page.limit, page.offset) as ObservationRow[];
    return { data: rows.map(toObservation), meta: pageMeta(page, total) };
  }

  getSession(sessionId: string): T.SessionWithTraces {
    const rows = this.db.prepare("SELECT * FROM traces WHERE session_id = ? ORDER BY timestamp ASC, id ASC").all(sessionId) as TraceRow[];
    if (!rows.length) throw notFound(`Session not found: ${sessionId}`);
    return {
      id: sessionId,
      projectId: PROJECT_ID,
      createdAt: rows.reduce((m, r) => (r.created_at < m ? r.created_at : m), rows[0]!.created_at),
      environment: rows[0]!.environment,
      traces: rows.map(toTrace),
    } as T.SessionWithTraces;
  }

  listSessions(query: T.ListSessionsQuery = {}): T.Paginated<T.Session> {
    const page = parsePage(query);
    const where = ["session_id IS NOT NULL"];
    const args: unknown[] = [];
    const envs = asArray(query.environment);
    if (envs.length) (where.push(`environment IN (${inClause(envs.length)})`), args.push(...envs));
    const having: string[] = [];
    const from = parseDate(query.fromTimestamp, "fromTimestamp");
    const to = parseDate(query.toTimestamp, "toTimestamp");
    if (from) (having.push("MIN(created_at) >= ?"), args.push(from.toISOString()));
    if (to) (having.push("MIN(created_at) < ?"), args.push(to.toISOString()));
    const grouped = `SELECT session_id AS id, MIN(created_at) AS createdAt, MIN(environment) AS environment FROM traces WHERE ${where.join(" AND ")}
      GROUP BY session_id ${having.length ? `HAVING ${having.join(" AND ")}` : ""}`;
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM (${grouped})`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`${grouped} ORDER BY createdAt DESC, id ASC LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as T.Session[];
    return { data: rows.map((r) => ({ ...r, projectId: PROJECT_ID })), meta: pageMeta(page, total) };
  }
}

export function localTraces(r: LocalReads): Omit<LangfuseApi["traces"], "delete" | "deleteMany"> {
  return { get: async (id) => r.getTrace(id), list: async (q) => r.listTraces(q) };
}
export function localObservations(r: LocalReads): Omit<LangfuseApi["observations"], "listV2"> {
  return { get: async (id) => r.getObservation(id), list: async (q) => r.listObservations(q) };
}
export function localSessions(r: LocalReads): LangfuseApi["sessions"] {
  return { get: async (id) => r.getSession(id), list: async (q) => r.listSessions(q) };
}

/**
 * The metrics API (GET /api/public/v2/metrics, and the deprecated v1 /api/public/metrics) over
 * the embedded store: the query object of the server (view, dimensions, metrics with
 * aggregations, filters, timeDimension granularity, orderBy, config.row_limit), its views'
 * dimension and measure names, its validation rules and messages (packages/shared/src/features/
 * query: types.ts, dataModel.ts, validateQuery.ts, server/queryBuilder.ts).
 *
 * Each view is a SQL row source whose dimensions and per-row measure values are SQL
 * expressions; rows matching the filters are grouped and aggregated here (percentiles by
 * linear interpolation between closest ranks). Dimensions and measures the server has but
 * this store cannot compute answer 400 naming what is not supported.
 */
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as V4 from "../../api/types-v4";
import type { LocalStore } from "../store";
import { badRequest, invalidData, isPlainObject, type Issue } from "./common";

interface Dimension {
  sql: string;
  highCardinality?: boolean;
  /** JSON array text: filters use arrayOptions (any of / none of / all of). */
  array?: boolean;
  type?: "string" | "number" | "boolean";
}

interface Measure {
  /** Per-row value; NULL rows are skipped by every aggregation except count. */
  sql: string;
  type: "integer" | "decimal" | "string";
}

interface View {
  from: string;
  /** Column of the time range and the time dimension. */
  time: string;
  /** The name filters use for the time column. */
  timeName: string;
  segment?: string;
  dimensions: Record<string, Dimension>;
  measures: Record<string, Measure>;
  /** Names the server knows that this store cannot compute (400 with a clear message). */
  unsupported?: string[];
}

const ms = (a: string, b: string) => `CAST(ROUND((julianday(${b}) - julianday(${a})) * 86400000) AS INTEGER)`;
const jsonSum = (col: string, needle: string) => `(SELECT SUM(value) FROM json_each(${col}) WHERE instr(lower(key), '${needle}') > 0)`;
const experimentOf = (path: string, traceCol: string, runCol: string, runField: string) =>
  `COALESCE((SELECT json_extract(eo.experiment, '$.${path}') FROM observations eo WHERE eo.trace_id = ${traceCol} AND eo.experiment IS NOT NULL LIMIT 1),
     (SELECT dr.${runField} FROM dataset_run_items dri JOIN dataset_runs dr ON dr.id = dri.dataset_run_id WHERE dri.trace_id = ${traceCol} LIMIT 1),
     (SELECT dr.${runField} FROM dataset_runs dr WHERE dr.id = ${runCol}))`;

const OBSERVATIONS: View = {
  from: "observations o LEFT JOIN traces t ON t.id = o.trace_id",
  time: "o.start_time",
  timeName: "startTime",
  dimensions: {
    id: { sql: "o.id", highCardinality: true },
    traceId: { sql: "o.trace_id", highCardinality: true },
    environment: { sql: "o.environment" },
    parentObservationId: { sql: "o.parent_observation_id", highCardinality: true },
    isRootObservation: { sql: "(o.parent_observation_id IS NULL)", type: "boolean" },
    type: { sql: "o.type" },
    name: { sql: "o.name" },
    level: { sql: "o.level" },
    version: { sql: "o.version" },
    userId: { sql: "t.user_id", highCardinality: true },
    sessionId: { sql: "t.session_id", highCardinality: true },
    tags: { sql: "t.tags", array: true },
    release: { sql: "t.release" },
    traceName: { sql: "t.name" },
    traceRelease: { sql: "t.release" },
    traceVersion: { sql: "t.version" },
    providedModelName: { sql: "o.model" },
    promptName: { sql: "o.prompt_name" },
    promptVersion: { sql: "o.prompt_version", type: "number" },
    startTimeMonth: { sql: "strftime('%Y-%m', o.start_time)" },
    experimentName: { sql: "json_extract(o.experiment, '$.name')", highCardinality: true },
    experimentDatasetId: { sql: "json_extract(o.experiment, '$.datasetId')", highCardinality: true },
    experimentId: { sql: "json_extract(o.experiment, '$.id')", highCardinality: true },
  },
  measures: {
    count: { sql: "1", type: "integer" },
    traceId: { sql: "o.trace_id", type: "string" },
    uniqueUserIds: { sql: "t.user_id", type: "string" },
    uniqueSessionIds: { sql: "t.session_id", type: "string" },
    latency: { sql: ms("o.start_time", "o.end_time"), type: "integer" },
    streamingLatency: { sql: ms("o.completion_start_time", "o.end_time"), type: "integer" },
    inputTokens: { sql: jsonSum("o.usage_details", "input"), type: "integer" },
    outputTokens: { sql: jsonSum("o.usage_details", "output"), type: "integer" },
    totalTokens: { sql: "json_extract(o.usage_details, '$.total')", type: "integer" },
    outputTokensPerSecond: {
      sql: `${jsonSum("o.usage_details", "output")} / NULLIF(CAST((julianday(o.end_time) - julianday(o.completion_start_time)) * 86400 AS INTEGER), 0)`,
      type: "decimal",
    },
    tokensPerSecond: {
      sql: `json_extract(o.usage_details, '$.total') / NULLIF(CAST((julianday(o.end_time) - julianday(o.start_time)) * 86400 AS INTEGER), 0)`,
      type: "decimal",
    },
    inputCost: { sql: jsonSum("o.cost_details", "input"), type: "decimal" },
    outputCost: { sql: jsonSum("o.cost_details", "output"), type: "decimal" },
    totalCost: { sql: "o.total_cost", type: "decimal" },
    timeToFirstToken: { sql: ms("o.start_time", "o.completion_start_time"), type: "integer" },
    countScores: { sql: "(SELECT COUNT(*) FROM scores sc WHERE sc.observation_id = o.id)", type: "integer" },
  },
  unsupported: ["toolNames", "calledToolNames", "costType", "usageType", "toolDefinitions", "toolCalls", "costByType", "usageByType"],
};

function scoresView(segment: string, valueDimension: Record<string, Dimension>, measures: Record<string, Measure>): View {
  return {
    from: "scores s LEFT JOIN traces t ON t.id = s.trace_id LEFT JOIN observations so ON so.id = s.observation_id",
    time: "s.timestamp",
    timeName: "timestamp",
    segment,
    dimensions: {
      id: { sql: "s.id", highCardinality: true },
      environment: { sql: "s.environment" },
      name: { sql: "s.name" },
      source: { sql: "s.source" },
      dataType: { sql: "s.data_type" },
      traceId: { sql: "s.trace_id", highCardinality: true },
      configId: { sql: "s.config_id" },
      timestampMonth: { sql: "strftime('%Y-%m', s.timestamp)" },
      timestampDay: { sql: "strftime('%Y-%m-%d', s.timestamp)" },
      observationId: { sql: "s.observation_id", highCardinality: true },
      sessionId: { sql: "s.session_id", highCardinality: true },
      datasetRunId: { sql: "s.dataset_run_id", highCardinality: true },
      traceName: { sql: "t.name" },
      userId: { sql: "t.user_id", highCardinality: true },
      tags: { sql: "t.tags", array: true },
      traceRelease: { sql: "t.release" },
      traceVersion: { sql: "t.version" },
      observationName: { sql: "so.name" },
      observationModelName: { sql: "so.model" },
      observationPromptName: { sql: "so.prompt_name" },
      observationPromptVersion: { sql: "so.prompt_version", type: "number" },
      experimentName: { sql: experimentOf("name", "s.trace_id", "s.dataset_run_id", "name"), highCardinality: true },
      experimentId: { sql: experimentOf("id", "s.trace_id", "s.dataset_run_id", "id"), highCardinality: true },
      ...valueDimension,
    },
    measures: { count: { sql: "1", type: "integer" }, ...measures },
    unsupported: ["evaluatorId"],
  };
}

const TRACES: View = {
  from: "traces t",
  time: "t.timestamp",
  timeName: "timestamp",
  dimensions: {
    id: { sql: "t.id" },
    name: { sql: "t.name" },
    tags: { sql: "t.tags", array: true },
    userId: { sql: "t.user_id" },
    sessionId: { sql: "t.session_id" },
    release: { sql: "t.release" },
    version: { sql: "t.version" },
    environment: { sql: "t.environment" },
    timestampMonth: { sql: "strftime('%Y-%m', t.timestamp)" },
  },
  measures: {
    count: { sql: "1", type: "integer" },
    observationsCount: { sql: "(SELECT COUNT(*) FROM observations x WHERE x.trace_id = t.id)", type: "integer" },
    scoresCount: { sql: "(SELECT COUNT(*) FROM scores x WHERE x.trace_id = t.id)", type: "integer" },
    uniqueUserIds: { sql: "t.user_id", type: "string" },
    uniqueSessionIds: { sql: "t.session_id", type: "string" },
    latency: { sql: `(SELECT ${ms("MIN(x.start_time)", "MAX(x.end_time)")} FROM observations x WHERE x.trace_id = t.id)`, type: "integer" },
    totalTokens: { sql: "(SELECT SUM(json_extract(x.usage_details, '$.total')) FROM observations x WHERE x.trace_id = t.id)", type: "integer" },
    totalCost: { sql: "(SELECT SUM(x.total_cost) FROM observations x WHERE x.trace_id = t.id)", type: "decimal" },
  },
};

const VIEWS_V2: Record<string, View> = {
  observations: OBSERVATIONS,
  "scores-numeric": scoresView("s.data_type IN ('NUMERIC', 'BOOLEAN')", { value: { sql: "s.value", type: "number" } }, { value: { sql: "s.value", type: "decimal" } }),
  "scores-categorical": scoresView("s.data_type = 'CATEGORICAL'", { stringValue: { sql: "s.string_value" } }, {}),
  "scores-boolean": scoresView("s.data_type = 'BOOLEAN'", { booleanValue: { sql: "(s.value = 1)", type: "boolean" } }, { value: { sql: "s.value", type: "decimal" } }),
};
const VIEWS_V1: Record<string, View> = { traces: TRACES, ...VIEWS_V2 };

const AGGREGATIONS = ["sum", "avg", "count", "max", "min", "p50", "p75", "p90", "p95", "p99", "histogram", "uniq"] as const;
const STRING_AGGREGATIONS = ["count", "uniq"];
const GRANULARITIES = ["auto", "minute", "hour", "day", "week", "month"];
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const DEFAULT_ROW_LIMIT = 100;

/** Validates the query object as the server's zod schema does (400 "Invalid request data"). */
function parseQuery(input: unknown, views: Record<string, View>): V4.MetricsQuery {
  if (!isPlainObject(input)) throw invalidData([{ path: ["query"], message: "Expected object" }]);
  const issues: Issue[] = [];
  const viewNames = Object.keys(views);
  if (typeof input.view !== "string" || !viewNames.includes(input.view))
    issues.push({ path: ["view"], message: `Invalid enum value. Expected ${viewNames.map((v) => `'${v}'`).join(" | ")}, received '${String(input.view)}'` });
  if (!Array.isArray(input.metrics)) issues.push({ path: ["metrics"], message: "Required" });
  else
    input.metrics.forEach((m, i) => {
      if (!isPlainObject(m) || typeof m.measure !== "string") issues.push({ path: ["metrics", i, "measure"], message: "Required" });
      if (!isPlainObject(m) || !(AGGREGATIONS as readonly string[]).includes(String(m.aggregation)))
        issues.push({ path: ["metrics", i, "aggregation"], message: `Invalid enum value. Expected ${AGGREGATIONS.map((a) => `'${a}'`).join(" | ")}` });
    });
  if (input.dimensions !== undefined && (!Array.isArray(input.dimensions) || input.dimensions.some((d) => !isPlainObject(d) || typeof d.field !== "string")))
    issues.push({ path: ["dimensions"], message: "Expected an array of {field}" });
  if (input.filters !== undefined && !Array.isArray(input.filters)) issues.push({ path: ["filters"], message: "Expected array" });
  if (input.timeDimension !== undefined && input.timeDimension !== null) {
    if (!isPlainObject(input.timeDimension) || !GRANULARITIES.includes(String(input.timeDimension.granularity)))
      issues.push({ path: ["timeDimension", "granularity"], message: `Invalid enum value. Expected ${GRANULARITIES.map((g) => `'${g}'`).join(" | ")}` });
  }
  for (const k of ["fromTimestamp", "toTimestamp"])
    if (typeof input[k] !== "string" || !ISO_WITH_OFFSET.test(input[k] as string) || Number.isNaN(Date.parse(input[k] as string)))
      issues.push({ path: [k], message: "Invalid datetime" });
  if (input.orderBy !== undefined && input.orderBy !== null) {
    if (!Array.isArray(input.orderBy) || input.orderBy.some((o) => !isPlainObject(o) || typeof o.field !== "string" || (o.direction !== "asc" && o.direction !== "desc")))
      issues.push({ path: ["orderBy"], message: "Expected an array of {field, direction: 'asc' | 'desc'}" });
  }
  if (input.config !== undefined) {
    const c = input.config;
    if (!isPlainObject(c)) issues.push({ path: ["config"], message: "Expected object" });
    else if (c.row_limit !== undefined && !(typeof c.row_limit === "number" && Number.isInteger(c.row_limit) && c.row_limit > 0 && c.row_limit <= 1000))
      issues.push({ path: ["config", "row_limit"], message: "Number must be a positive integer less than or equal to 1000" });
  }
  if (!issues.length && Date.parse(input.fromTimestamp as string) >= Date.parse(input.toTimestamp as string))
    issues.push({ path: [], message: "fromTimestamp must be before toTimestamp" });
  if (issues.length) throw invalidData(issues);
  return input as unknown as V4.MetricsQuery;
}

/** validateQuery(query, "v2"): high-cardinality dimensions need a top-N query. */
function highCardinalityProblem(q: V4.MetricsQuery, view: View): string | undefined {
  const high = (q.dimensions ?? []).map((d) => d.field).filter((f) => view.dimensions[f]?.highCardinality);
  if (!high.length) return undefined;
  const names = high.join(", ");
  if (q.timeDimension)
    return `High cardinality dimension(s) '${names}' cannot be used with timeDimension. Time series queries with high cardinality dimensions produce unbounded result sets.`;
  const desc = (q.orderBy ?? []).filter((o) => o.direction === "desc");
  if (q.config?.row_limit === undefined || desc.length === 0)
    return `High cardinality dimension(s) '${names}' require both 'config.row_limit' and 'orderBy' with direction 'desc' on a measure field.`;
  const measures = q.metrics.map((m) => m.measure);
  const bad = desc.filter((o) => !measures.some((m) => o.field === m || o.field.endsWith(`_${m}`))).map((o) => o.field);
  if (bad.length)
    return `High cardinality dimension(s) '${names}' require 'orderBy' with direction 'desc' on a measure field. '${bad.join(", ")}' ${bad.length === 1 ? "is" : "are"} not a measure in this query.`;
  return undefined;
}

export interface SqlConditions {
  clauses: string[];
  args: unknown[];
}

const VIEW_BY_NAME: Record<string, View> = { observations: OBSERVATIONS, traces: TRACES, ...VIEWS_V2 };

/**
 * SQL conditions for the server's filter objects on `viewName` (used by the metrics query and
 * the `filter` parameter of the v2 list endpoints).
 */
export function filterSql(viewName: string, filters: readonly V4.MetricsFilter[]): SqlConditions {
  const view = VIEW_BY_NAME[viewName]!;
  const metadata = viewName === "observations" ? "o.metadata" : viewName === "traces" ? "t.metadata" : "s.metadata";
  return conditions(view, metadata, filters);
}

/** The same filter objects over plain columns (name → SQL expression), e.g. experiments. */
export function filterSqlForColumns(columns: Record<string, string>, filters: readonly V4.MetricsFilter[]): SqlConditions {
  const dimensions: Record<string, Dimension> = {};
  for (const [name, sql] of Object.entries(columns)) dimensions[name] = { sql };
  return conditions({ from: "", time: "", timeName: "", dimensions, measures: {} }, undefined, filters);
}

function conditions(view: View, metadataColumn: string | undefined, filters: readonly V4.MetricsFilter[]): SqlConditions {
  const clauses: string[] = [];
  const args: unknown[] = [];
  for (const f of filters) {
    if (!isPlainObject(f) || typeof f.column !== "string" || typeof f.operator !== "string" || typeof f.type !== "string")
      throw badRequest("Each filter needs column, operator, type and value");
    let col: string;
    let dim: Dimension | undefined;
    if (view.time && (f.column === view.timeName || f.column === view.time.split(".")[1])) col = view.time;
    else if (f.column === "metadata" && metadataColumn) col = metadataColumn;
    else {
      dim = view.dimensions[f.column];
      if (!dim) {
        if (view.unsupported?.includes(f.column)) throw badRequest(`Filter column ${f.column} is not supported by the local server`);
        throw badRequest(`Invalid filter column ${f.column}. Must be one of ${Object.keys(view.dimensions)}${view.timeName ? ` or ${view.timeName}` : ""}`);
      }
      col = dim.sql;
    }
    const op = f.operator;
    const v = f.value;
    switch (f.type) {
      case "datetime": {
        if (![">", "<", ">=", "<="].includes(op)) throw badRequest(`Invalid operator ${op} for datetime filter`);
        const d = new Date(String(v));
        if (Number.isNaN(d.getTime())) throw badRequest(`Invalid filter for field '${f.column}': invalid date`);
        clauses.push(`${col} ${op} ?`);
        args.push(d.toISOString());
        break;
      }
      case "string": {
        const s = String(v);
        if (op === "=") (clauses.push(`${col} = ?`), args.push(s));
        else if (op === "contains") (clauses.push(`instr(${col}, ?) > 0`), args.push(s));
        else if (op === "does not contain") (clauses.push(`(${col} IS NULL OR instr(${col}, ?) = 0)`), args.push(s));
        else if (op === "starts with") (clauses.push(`substr(${col}, 1, length(?)) = ?`), args.push(s, s));
        else if (op === "ends with") (clauses.push(`substr(${col}, -length(?)) = ?`), args.push(s, s));
        else throw badRequest(`Invalid operator ${op} for string filter`);
        break;
      }
      case "stringOptions":
      case "categoryOptions": {
        if (!Array.isArray(v)) throw badRequest(`Invalid filter for field '${f.column}': ${f.type} requires an array of values`);
        const list = v.map(String);
        const ph = list.map(() => "?").join(", ") || "NULL";
        if (op === "any of") clauses.push(`${col} IN (${ph})`);
        else if (op === "none of") clauses.push(`(${col} IS NULL OR ${col} NOT IN (${ph}))`);
        else throw badRequest(`Invalid operator ${op} for ${f.type} filter`);
        args.push(...list);
        break;
      }
      case "arrayOptions": {
        if (!Array.isArray(v)) throw badRequest(`Invalid filter for field '${f.column}': arrayOptions type requires an array of values, not '${typeof v}'.`);
        const list = v.map(String);
        const member = `EXISTS (SELECT 1 FROM json_each(${col}) WHERE value = ?)`;
        if (op === "any of") clauses.push(list.length ? `(${list.map(() => member).join(" OR ")})` : "0");
        else if (op === "all of") clauses.push(list.length ? `(${list.map(() => member).join(" AND ")})` : "1");
        else if (op === "none of") clauses.push(list.length ? `NOT (${list.map(() => member).join(" OR ")})` : "1");
        else throw badRequest(`Invalid operator ${op} for arrayOptions filter`);
        args.push(...list);
        break;
      }
      case "number": {
        if (!["=", ">", "<", ">=", "<="].includes(op)) throw badRequest(`Invalid operator ${op} for number filter`);
        clauses.push(`${col} ${op} ?`);
        args.push(Number(v));
        break;
      }
      case "boolean": {
        if (op !== "=" && op !== "<>") throw badRequest(`Invalid operator ${op} for boolean filter`);
        clauses.push(`(${col}) ${op === "=" ? "=" : "<>"} ?`);
        args.push(v === true || v === "true" ? 1 : 0);
        break;
      }
      case "null": {
        if (op === "is null") clauses.push(`${col} IS NULL`);
        else if (op === "is not null") clauses.push(`${col} IS NOT NULL`);
        else throw badRequest(`Invalid operator ${op} for null filter`);
        break;
      }
      case "stringObject": {
        if (typeof f.key !== "string")
          throw badRequest(
            `Invalid filter for field '${f.column}': stringObject type requires a 'key' property to specify which metadata field to filter on. ` +
              `Example: {"column": "metadata", "type": "stringObject", "key": "environment", "operator": "=", "value": "production"}`,
          );
        const expr = `CAST(json_extract(${col}, ?) AS TEXT)`;
        const path = `$."${f.key.replace(/"/g, '\\"')}"`;
        const s = String(v);
        if (op === "=") (clauses.push(`${expr} = ?`), args.push(path, s));
        else if (op === "contains") (clauses.push(`instr(${expr}, ?) > 0`), args.push(path, s));
        else if (op === "does not contain") (clauses.push(`(${expr} IS NULL OR instr(${expr}, ?) = 0)`), args.push(path, path, s));
        else if (op === "starts with") (clauses.push(`substr(${expr}, 1, length(?)) = ?`), args.push(path, s, s));
        else if (op === "ends with") (clauses.push(`substr(${expr}, -length(?)) = ?`), args.push(path, s, s));
        else throw badRequest(`Invalid operator ${op} for stringObject filter`);
        break;
      }
      default:
        throw badRequest(`Invalid query dimension '${f.column}': Unsupported filter type '${f.type}'.`);
    }
  }
  return { clauses, args };
}

function granularityFor(q: V4.MetricsQuery): Exclude<V4.MetricsGranularity, "auto"> {
  const g = q.timeDimension!.granularity;
  if (g !== "auto") return g;
  const span = Date.parse(q.toTimestamp) - Date.parse(q.fromTimestamp);
  const hour = 3600_000;
  if (span <= 2 * hour) return "minute";
  if (span <= 72 * hour) return "hour";
  if (span <= 60 * 24 * hour) return "day";
  if (span <= 365 * 24 * hour) return "week";
  return "month";
}

function bucketSql(col: string, g: Exclude<V4.MetricsGranularity, "auto">): string {
  switch (g) {
    case "minute":
      return `strftime('%Y-%m-%dT%H:%M:00.000Z', ${col})`;
    case "hour":
      return `strftime('%Y-%m-%dT%H:00:00.000Z', ${col})`;
    case "day":
      return `strftime('%Y-%m-%dT00:00:00.000Z', ${col})`;
    case "week":
      // Monday of the week (ISO weeks, as toStartOfWeek(…, 1)).
      return `strftime('%Y-%m-%dT00:00:00.000Z', ${col}, 'weekday 0', '-6 days')`;
    case "month":
      return `strftime('%Y-%m-01T00:00:00.000Z', ${col})`;
  }
}

/** Bucket starts (ISO, as bucketSql renders them) from the bucket of `from` up to, not including, `to`; at most 10,000. */
function buckets(from: string, to: string, g: Exclude<V4.MetricsGranularity, "auto">): string[] {
  const end = Date.parse(to);
  const d = new Date(from);
  d.setUTCSeconds(0, 0);
  if (g !== "minute") d.setUTCMinutes(0);
  if (g === "day" || g === "week" || g === "month") d.setUTCHours(0);
  if (g === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (g === "month") d.setUTCDate(1);
  const out: string[] = [];
  while (d.getTime() < end && out.length < 10_000) {
    out.push(d.toISOString());
    if (g === "minute") d.setUTCMinutes(d.getUTCMinutes() + 1);
    else if (g === "hour") d.setUTCHours(d.getUTCHours() + 1);
    else if (g === "day") d.setUTCDate(d.getUTCDate() + 1);
    else if (g === "week") d.setUTCDate(d.getUTCDate() + 7);
    else d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}

/** Linear interpolation between closest ranks over sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

function aggregate(values: unknown[], aggregation: string, type: Measure["type"]): number | null {
  if (aggregation === "count") return values.filter((v) => v !== null && v !== undefined).length;
  if (aggregation === "uniq") return new Set(values.filter((v) => v !== null && v !== undefined)).size;
  const nums = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (type === "string") return null;
  if (!nums.length) return aggregation === "sum" ? 0 : null;
  switch (aggregation) {
    case "sum":
      return nums.reduce((a, b) => a + b, 0);
    case "avg":
      return nums.reduce((a, b) => a + b, 0) / nums.length;
    case "max":
      return Math.max(...nums);
    case "min":
      return Math.min(...nums);
    default: {
      const p = Number(aggregation.slice(1)) / 100;
      return percentile([...nums].sort((a, b) => a - b), p);
    }
  }
}

export function runMetricsQuery(store: LocalStore, input: unknown, version: "v1" | "v2"): V4.MetricsResponse {
  const views = version === "v2" ? VIEWS_V2 : VIEWS_V1;
  const q = parseQuery(input, views);
  const view = views[q.view]!;
  if (version === "v2") {
    const problem = highCardinalityProblem(q, view);
    if (problem) throw badRequest(problem);
  }
  const dims = (q.dimensions ?? []).map((d) => d.field);
  for (const d of dims) {
    if (view.unsupported?.includes(d)) throw badRequest(`Dimension ${d} is not supported by the local server`);
    if (!view.dimensions[d]) throw badRequest(`Invalid dimension ${d}. Must be one of ${Object.keys(view.dimensions)}`);
  }
  for (const m of q.metrics) {
    if (view.unsupported?.includes(m.measure)) throw badRequest(`Measure ${m.measure} is not supported by the local server`);
    const def = view.measures[m.measure];
    if (!def) throw badRequest(`Invalid metric ${m.measure}. Must be one of ${Object.keys(view.measures)}`);
    if (m.aggregation === "histogram") throw badRequest("Aggregation \"histogram\" is not supported by the local server");
    if (def.type === "string" && !STRING_AGGREGATIONS.includes(m.aggregation))
      throw badRequest(`Aggregation "${m.aggregation}" is not valid for measure "${m.measure}" (type: ${def.type}). Valid aggregations: ${STRING_AGGREGATIONS.join(", ")}`);
  }
  const granularity = q.timeDimension ? granularityFor(q) : undefined;
  const select: string[] = [];
  dims.forEach((d, i) => select.push(`${view.dimensions[d]!.sql} AS d${i}`));
  if (granularity) select.push(`${bucketSql(view.time, granularity)} AS tb`);
  const measureNames = [...new Set(q.metrics.map((m) => m.measure))];
  measureNames.forEach((m, i) => select.push(`${view.measures[m]!.sql} AS m${i}`));
  const where = [`${view.time} >= ?`, `${view.time} < ?`];
  const args: unknown[] = [new Date(q.fromTimestamp).toISOString(), new Date(q.toTimestamp).toISOString()];
  if (view.segment) where.push(view.segment);
  const f = filterSql(q.view, q.filters ?? []);
  where.push(...f.clauses);
  args.push(...f.args);
  const rows = store.db.prepare(`SELECT ${select.join(", ")} FROM ${view.from} WHERE ${where.join(" AND ")}`).raw(true).all(...args) as unknown[][];

  const groups = new Map<string, { keys: unknown[]; bucket?: string; values: unknown[][] }>();
  const nd = dims.length;
  const offset = nd + (granularity ? 1 : 0);
  for (const r of rows) {
    const keys = r.slice(0, nd).map((v, i) => (view.dimensions[dims[i]!]!.type === "boolean" && typeof v === "number" ? v === 1 : v));
    const bucket = granularity ? (r[nd] as string) : undefined;
    const key = JSON.stringify([keys, bucket]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { keys, bucket, values: measureNames.map(() => []) }));
    measureNames.forEach((_, i) => g!.values[i]!.push(r[offset + i]));
  }
  if (!groups.size && !nd && !granularity) groups.set("[]", { keys: [], values: measureNames.map(() => []) });

  let data: Record<string, string | number | null>[] = [...groups.values()].map((g) => {
    const row: Record<string, string | number | null> = {};
    dims.forEach((d, i) => (row[d] = g.keys[i] as string | number | null));
    if (granularity) row.time_dimension = g.bucket ?? null;
    for (const m of q.metrics) {
      const i = measureNames.indexOf(m.measure);
      row[`${m.aggregation}_${m.measure}`] = aggregate(g.values[i]!, m.aggregation, view.measures[m.measure]!.type);
    }
    return row;
  });

  // As ClickHouse's ORDER BY … WITH FILL (time series without an explicit orderBy): buckets of
  // the range with no row at all get one row of defaults (dimensions null, metrics 0).
  if (granularity && !(q.orderBy && q.orderBy.length)) {
    const present = new Set(data.map((r) => r.time_dimension));
    for (const bucket of buckets(q.fromTimestamp, q.toTimestamp, granularity)) {
      if (present.has(bucket)) continue;
      const row: Record<string, string | number | null> = {};
      for (const d of dims) row[d] = null;
      row.time_dimension = bucket;
      for (const m of q.metrics) row[`${m.aggregation}_${m.measure}`] = 0;
      data.push(row);
    }
  }

  const order = q.orderBy ?? [];
  const known = new Set([...dims, ...q.metrics.map((m) => `${m.aggregation}_${m.measure}`), "time_dimension"]);
  for (const o of order) if (!known.has(o.field)) throw badRequest(`Invalid orderBy field: ${o.field}. Must be one of the dimension or metric fields.`);
  const sortKeys = order.length
    ? order
    : [...(granularity ? [{ field: "time_dimension", direction: "asc" as const }] : []), ...dims.map((d) => ({ field: d, direction: "asc" as const }))];
  data.sort((a, b) => {
    for (const { field, direction } of sortKeys) {
      const x = a[field] ?? null;
      const y = b[field] ?? null;
      if (x === y) continue;
      const cmp = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return direction === "asc" ? cmp : -cmp;
    }
    return 0;
  });
  data = data.slice(0, q.config?.row_limit ?? (version === "v2" ? DEFAULT_ROW_LIMIT : data.length));
  return { data };
}

export function localMetrics(store: LocalStore): LangfuseApi["metrics"] {
  return {
    query: async (q) => runMetricsQuery(store, q, "v2"),
    queryV1: async (q) => runMetricsQuery(store, q, "v1"),
  };
}

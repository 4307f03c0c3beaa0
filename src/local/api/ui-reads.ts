/**
 * Reads the local web UI needs and the public API has no endpoint for: the trace list with
 * search, an experiment comparison of dataset runs, per-run aggregates, an item's version
 * history and the dashboard's aggregates. Every list is paginated or bounded in SQL.
 */
import type * as T from "../../api/types";
import type { LocalStore } from "../store";
import { fromJsonColumn, inClause, invalidField, notFound, pageMeta, parseDate, parseIo, parsePage } from "./common";
import { LocalReads, type TraceSearchQuery } from "./reads";
import { LocalScoreStore } from "./scores";

export type { TraceSearchQuery } from "./reads";

export interface ScoreAggregate {
  /** Mean of numeric and boolean values; null when the score only has categorical values. */
  mean: number | null;
  count: number;
}

export interface RunSummary {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  itemCount: number;
  /** Item-level scores (on each item's trace), aggregated per score name. */
  scores: Record<string, ScoreAggregate>;
  /** Run-level scores (attached to the run, e.g. by run evaluators). */
  runScores: Record<string, number | string | null>;
  /** Mean trace latency in seconds over the run's items that have observations. */
  avgLatency: number | null;
  totalCost: number;
}

export interface CompareCell {
  traceId: string;
  output: unknown;
  scores: Record<string, number | string | null>;
  latency: number | null;
  cost: number;
}

export interface CompareItem {
  itemId: string;
  input: unknown;
  expectedOutput: unknown;
  /** One entry per compared run, in the order asked; null when that run has no result for the item. */
  runs: (CompareCell | null)[];
}

export interface CompareResult {
  datasetName: string;
  runs: RunSummary[];
  items: CompareItem[];
  meta: T.PageMeta;
}

export interface ItemVersion {
  validFrom: string;
  validTo: string | null;
  deleted: boolean;
  status: string;
  input: unknown;
  expectedOutput: unknown;
  metadata: unknown;
}

export interface DashboardQuery {
  fromTimestamp?: string;
  toTimestamp?: string;
  environment?: string;
}

export interface DashboardResult {
  from: string;
  to: string;
  bucket: "hour" | "day";
  totals: { traces: number; observations: number; cost: number; avgLatency: number | null };
  overTime: { bucket: string; traces: number; cost: number; avgLatency: number | null }[];
  byModel: { model: string; count: number; cost: number; inputTokens: number; outputTokens: number }[];
  byUser: { userId: string; traces: number; cost: number }[];
}

/** The port the server's UI routes use; `LocalUiReads` implements it over the embedded store. */
export interface UiReads {
  listTraces(query: TraceSearchQuery): T.Paginated<T.TraceListItem>;
  runSummaries(datasetName: string): RunSummary[];
  compareRuns(datasetName: string, runNames: string[], page?: T.PageQuery): CompareResult;
  itemHistory(itemId: string): ItemVersion[];
  dashboard(query: DashboardQuery): DashboardResult;
}

interface ScoreValueRow {
  trace_id: string;
  name: string;
  value: number | null;
  string_value: string | null;
  data_type: string;
}

const MAX_COMPARED_RUNS = 10;
const DAY_MS = 86_400_000;
/** Per-trace latency (seconds) and cost from its observations. */
const TRACE_TIMING = `SELECT trace_id, SUM(COALESCE(total_cost, 0)) AS cost,
  (julianday(MAX(COALESCE(end_time, start_time))) - julianday(MIN(start_time))) * 86400.0 AS latency
  FROM observations`;

const scoreValue = (r: { value: number | null; string_value: string | null; data_type: string }) =>
  r.data_type === "CATEGORICAL" ? r.string_value : r.value;

export class LocalUiReads implements UiReads {
  private readonly reads: LocalReads;

  constructor(private readonly store: LocalStore) {
    this.reads = new LocalReads(store, new LocalScoreStore(store));
  }

  private get db() {
    return this.store.db;
  }

  listTraces(query: TraceSearchQuery): T.Paginated<T.TraceListItem> {
    return this.reads.listTraces(query);
  }

  private datasetId(name: string): string {
    const row = this.db.prepare("SELECT id FROM datasets WHERE name = ?").get(name) as { id: string } | undefined;
    if (!row) throw notFound(`Dataset ${name} not found`);
    return row.id;
  }

  runSummaries(datasetName: string): RunSummary[] {
    const datasetId = this.datasetId(datasetName);
    const runs = this.db
      .prepare("SELECT id, name, description, created_at FROM dataset_runs WHERE dataset_id = ? ORDER BY created_at DESC, id LIMIT 200")
      .all(datasetId) as { id: string; name: string; description: string | null; created_at: string }[];
    return this.summarize(runs);
  }

  private summarize(runs: { id: string; name: string; description: string | null; created_at: string }[]): RunSummary[] {
    if (!runs.length) return [];
    const ids = runs.map((r) => r.id);
    const inRuns = inClause(ids.length);
    const counts = new Map(
      (this.db.prepare(`SELECT dataset_run_id AS id, COUNT(*) AS n FROM dataset_run_items WHERE dataset_run_id IN (${inRuns}) GROUP BY 1`).all(...ids) as {
        id: string;
        n: number;
      }[]).map((r) => [r.id, r.n]),
    );
    const timing = new Map(
      (this.db
        .prepare(
          `SELECT ri.dataset_run_id AS id, AVG(t.latency) AS latency, SUM(t.cost) AS cost FROM dataset_run_items ri
           JOIN (${TRACE_TIMING} WHERE trace_id IN (SELECT trace_id FROM dataset_run_items WHERE dataset_run_id IN (${inRuns})) GROUP BY trace_id) t
             ON t.trace_id = ri.trace_id
           WHERE ri.dataset_run_id IN (${inRuns}) GROUP BY 1`,
        )
        .all(...ids, ...ids) as { id: string; latency: number | null; cost: number | null }[]).map((r) => [r.id, r]),
    );
    const itemScores = this.db
      .prepare(
        `SELECT ri.dataset_run_id AS id, s.name AS name, AVG(CASE WHEN s.data_type = 'CATEGORICAL' THEN NULL ELSE s.value END) AS mean, COUNT(*) AS n
         FROM dataset_run_items ri JOIN scores s ON s.trace_id = ri.trace_id
         WHERE ri.dataset_run_id IN (${inRuns}) GROUP BY 1, 2 ORDER BY 2`,
      )
      .all(...ids) as { id: string; name: string; mean: number | null; n: number }[];
    const runScores = this.db
      .prepare(`SELECT dataset_run_id AS id, name, value, string_value, data_type FROM scores WHERE dataset_run_id IN (${inRuns}) AND trace_id IS NULL ORDER BY timestamp`)
      .all(...ids) as { id: string; name: string; value: number | null; string_value: string | null; data_type: string }[];
    return runs.map((r) => {
      const t = timing.get(r.id);
      const scores: Record<string, ScoreAggregate> = {};
      for (const s of itemScores) if (s.id === r.id) scores[s.name] = { mean: s.mean, count: s.n };
      const runLevel: Record<string, number | string | null> = {};
      for (const s of runScores) if (s.id === r.id) runLevel[s.name] = scoreValue(s);
      return {
        id: r.id,
        name: r.name,
        description: r.description,
        createdAt: r.created_at,
        itemCount: counts.get(r.id) ?? 0,
        scores,
        runScores: runLevel,
        avgLatency: t?.latency ?? null,
        totalCost: t?.cost ?? 0,
      };
    });
  }

  compareRuns(datasetName: string, runNames: string[], pageQuery: T.PageQuery = {}): CompareResult {
    const names = [...new Set(runNames.filter((n) => typeof n === "string" && n !== ""))];
    if (names.length < 1 || names.length > MAX_COMPARED_RUNS) throw invalidField("runs", `Name between 1 and ${MAX_COMPARED_RUNS} runs of the dataset`);
    const datasetId = this.datasetId(datasetName);
    const runRows = this.db
      .prepare(`SELECT id, name, description, created_at FROM dataset_runs WHERE dataset_id = ? AND name IN (${inClause(names.length)})`)
      .all(datasetId, ...names) as { id: string; name: string; description: string | null; created_at: string }[];
    const byName = new Map(runRows.map((r) => [r.name, r]));
    const missing = names.filter((n) => !byName.has(n));
    if (missing.length) throw notFound(`Dataset run ${missing[0]} not found in dataset ${datasetName}`);
    const runs = names.map((n) => byName.get(n)!);
    const runIds = runs.map((r) => r.id);
    const inRuns = inClause(runIds.length);

    const page = parsePage(pageQuery, 50, 100);
    const total = (this.db.prepare(`SELECT COUNT(DISTINCT dataset_item_id) AS n FROM dataset_run_items WHERE dataset_run_id IN (${inRuns})`).get(...runIds) as { n: number }).n;
    const itemIds = (this.db
      .prepare(`SELECT DISTINCT dataset_item_id AS id FROM dataset_run_items WHERE dataset_run_id IN (${inRuns}) ORDER BY dataset_item_id LIMIT ? OFFSET ?`)
      .all(...runIds, page.limit, page.offset) as { id: string }[]).map((r) => r.id);

    const items: CompareItem[] = [];
    if (itemIds.length) {
      const inItems = inClause(itemIds.length);
      // The latest version of each item (deleted items still show what they were).
      const itemRows = this.db
        .prepare(
          `SELECT d.id, d.input, d.expected_output FROM dataset_items d
           WHERE d.dataset_id = ? AND d.id IN (${inItems}) AND d.valid_from = (SELECT MAX(valid_from) FROM dataset_items x WHERE x.id = d.id)`,
        )
        .all(datasetId, ...itemIds) as { id: string; input: string | null; expected_output: string | null }[];
      const itemById = new Map(itemRows.map((r) => [r.id, r]));
      // The latest run item per (run, item): a re-run of one item replaces its result.
      const runItems = this.db
        .prepare(
          `SELECT dataset_run_id AS runId, dataset_item_id AS itemId, trace_id AS traceId FROM dataset_run_items
           WHERE dataset_run_id IN (${inRuns}) AND dataset_item_id IN (${inItems}) ORDER BY created_at, id`,
        )
        .all(...runIds, ...itemIds) as { runId: string; itemId: string; traceId: string }[];
      const cellTrace = new Map<string, string>();
      for (const ri of runItems) cellTrace.set(`${ri.runId}\u0000${ri.itemId}`, ri.traceId);
      const traceIds = [...new Set(runItems.map((r) => r.traceId))];
      const inTraces = inClause(traceIds.length);
      const outputs = new Map(
        (this.db.prepare(`SELECT id, output FROM traces WHERE id IN (${inTraces})`).all(...traceIds) as { id: string; output: string | null }[]).map((r) => [
          r.id,
          parseIo(r.output),
        ]),
      );
      const timing = new Map(
        (this.db.prepare(`${TRACE_TIMING} WHERE trace_id IN (${inTraces}) GROUP BY trace_id`).all(...traceIds) as {
          trace_id: string;
          latency: number | null;
          cost: number;
        }[]).map((r) => [r.trace_id, r]),
      );
      const scores = this.db
        .prepare(`SELECT trace_id, name, value, string_value, data_type FROM scores WHERE trace_id IN (${inTraces}) ORDER BY timestamp`)
        .all(...traceIds) as ScoreValueRow[];
      const scoresByTrace = new Map<string, Record<string, number | string | null>>();
      for (const s of scores) {
        const rec = scoresByTrace.get(s.trace_id) ?? {};
        rec[s.name] = scoreValue(s);
        scoresByTrace.set(s.trace_id, rec);
      }
      for (const itemId of itemIds) {
        const item = itemById.get(itemId);
        items.push({
          itemId,
          input: fromJsonColumn(item?.input),
          expectedOutput: fromJsonColumn(item?.expected_output),
          runs: runs.map((run) => {
            const traceId = cellTrace.get(`${run.id}\u0000${itemId}`);
            if (!traceId) return null;
            const t = timing.get(traceId);
            return { traceId, output: outputs.get(traceId) ?? null, scores: scoresByTrace.get(traceId) ?? {}, latency: t?.latency ?? null, cost: t?.cost ?? 0 };
          }),
        });
      }
    }
    return { datasetName, runs: this.summarize(runs), items, meta: pageMeta(page, total) };
  }

  itemHistory(itemId: string): ItemVersion[] {
    const rows = this.db
      .prepare("SELECT valid_from, valid_to, is_deleted, status, input, expected_output, metadata FROM dataset_items WHERE id = ? ORDER BY valid_from DESC LIMIT 100")
      .all(itemId) as { valid_from: number; valid_to: number | null; is_deleted: number; status: string; input: string | null; expected_output: string | null; metadata: string | null }[];
    if (!rows.length) throw notFound(`Dataset item ${itemId} not found`);
    return rows.map((r) => ({
      validFrom: new Date(r.valid_from).toISOString(),
      validTo: r.valid_to === null ? null : new Date(r.valid_to).toISOString(),
      deleted: r.is_deleted === 1,
      status: r.status,
      input: fromJsonColumn(r.input),
      expectedOutput: fromJsonColumn(r.expected_output),
      metadata: fromJsonColumn(r.metadata),
    }));
  }

  dashboard(query: DashboardQuery): DashboardResult {
    const to = parseDate(query.toTimestamp, "toTimestamp") ?? new Date();
    const from = parseDate(query.fromTimestamp, "fromTimestamp") ?? new Date(to.getTime() - 7 * DAY_MS);
    if (from >= to) throw invalidField("fromTimestamp", "Must be before toTimestamp");
    const bucket = to.getTime() - from.getTime() <= 3 * DAY_MS ? "hour" : "day";
    const width = bucket === "hour" ? 13 : 10;
    const args: unknown[] = [from.toISOString(), to.toISOString()];
    let env = "";
    if (query.environment) (env = " AND environment = ?"), args.push(query.environment);
    // Traces in range (traces_timestamp index), then their observations (observations_trace index).
    const inRange = `WITH t AS (SELECT id, user_id, substr(timestamp, 1, ${width}) AS b FROM traces WHERE timestamp >= ? AND timestamp < ?${env}),
      o AS (${TRACE_TIMING.replace("FROM observations", "FROM observations JOIN t ON t.id = observations.trace_id")} GROUP BY trace_id)`;
    const overTime = this.db
      .prepare(`${inRange} SELECT t.b AS bucket, COUNT(*) AS traces, COALESCE(SUM(o.cost), 0) AS cost, AVG(o.latency) AS avgLatency FROM t LEFT JOIN o ON o.trace_id = t.id GROUP BY t.b ORDER BY t.b`)
      .all(...args) as DashboardResult["overTime"];
    const byUser = this.db
      .prepare(
        `${inRange} SELECT t.user_id AS userId, COUNT(*) AS traces, COALESCE(SUM(o.cost), 0) AS cost FROM t LEFT JOIN o ON o.trace_id = t.id
         WHERE t.user_id IS NOT NULL GROUP BY t.user_id ORDER BY traces DESC, userId LIMIT 20`,
      )
      .all(...args) as DashboardResult["byUser"];
    const byModel = this.db
      .prepare(
        `WITH t AS (SELECT id FROM traces WHERE timestamp >= ? AND timestamp < ?${env})
         SELECT ob.model AS model, COUNT(*) AS count, COALESCE(SUM(ob.total_cost), 0) AS cost,
           COALESCE(SUM(json_extract(ob.usage_details, '$.input')), 0) AS inputTokens, COALESCE(SUM(json_extract(ob.usage_details, '$.output')), 0) AS outputTokens
         FROM observations ob JOIN t ON t.id = ob.trace_id WHERE ob.model IS NOT NULL GROUP BY ob.model ORDER BY cost DESC, count DESC LIMIT 20`,
      )
      .all(...args) as DashboardResult["byModel"];
    const obsCount = (this.db
      .prepare(`WITH t AS (SELECT id FROM traces WHERE timestamp >= ? AND timestamp < ?${env}) SELECT COUNT(*) AS n FROM observations ob JOIN t ON t.id = ob.trace_id`)
      .get(...args) as { n: number }).n;
    const traces = overTime.reduce((n, b) => n + b.traces, 0);
    const cost = overTime.reduce((n, b) => n + b.cost, 0);
    const latencies = overTime.filter((b) => b.avgLatency !== null);
    const avgLatency = latencies.length && traces ? latencies.reduce((n, b) => n + b.avgLatency! * b.traces, 0) / latencies.reduce((n, b) => n + b.traces, 0) : null;
    return { from: from.toISOString(), to: to.toISOString(), bucket, totals: { traces, observations: obsCount, cost, avgLatency }, overTime, byModel, byUser };
  }
}

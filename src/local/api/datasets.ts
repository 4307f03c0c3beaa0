/**
 * Datasets, versioned dataset items (SCD type 2), dataset runs and run items with the server's
 * semantics (reference/langfuse-server-api.md §3): upsert by name / id with merging, 409 for an
 * id owned by another dataset, JSON-schema validation, ACTIVE-only lists, snapshots by time.
 */
import { randomUUID } from "node:crypto";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type { LocalStore } from "../store";
import {
  badRequest,
  conflict,
  fromJsonColumn,
  invalidData,
  invalidField,
  isPlainObject,
  nameIssues,
  notFound,
  nowIso,
  pageMeta,
  parseDate,
  parsePage,
  toJsonColumn,
  type Issue,
} from "./common";
import { schemaProblem, validateAgainst } from "./json-schema";

export const PROJECT_ID = "local";

interface DatasetRow {
  id: string;
  name: string;
  description: string | null;
  metadata: string | null;
  input_schema: string | null;
  expected_output_schema: string | null;
  created_at: string;
  updated_at: string;
}

interface ItemRow {
  id: string;
  dataset_id: string;
  dataset_name?: string;
  valid_from: number;
  valid_to: number | null;
  is_deleted: number;
  status: T.DatasetStatus;
  input: string | null;
  expected_output: string | null;
  metadata: string | null;
  source_trace_id: string | null;
  source_observation_id: string | null;
  created_at: string;
  updated_at: string;
}

interface RunRow {
  id: string;
  dataset_id: string;
  dataset_name: string;
  name: string;
  description: string | null;
  metadata: string | null;
  created_at: string;
  updated_at: string;
}

interface RunItemRow {
  id: string;
  dataset_run_id: string;
  dataset_run_name: string;
  dataset_item_id: string;
  trace_id: string;
  observation_id: string | null;
  created_at: string;
  updated_at: string;
}

function toDataset(r: DatasetRow): T.Dataset {
  return {
    id: r.id,
    projectId: PROJECT_ID,
    name: r.name,
    description: r.description,
    metadata: fromJsonColumn(r.metadata),
    inputSchema: fromJsonColumn(r.input_schema),
    expectedOutputSchema: fromJsonColumn(r.expected_output_schema),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toItem(r: ItemRow): T.DatasetItem {
  return {
    id: r.id,
    status: r.status,
    input: fromJsonColumn(r.input),
    expectedOutput: fromJsonColumn(r.expected_output),
    metadata: fromJsonColumn(r.metadata),
    sourceTraceId: r.source_trace_id,
    sourceObservationId: r.source_observation_id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name ?? "",
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRun(r: RunRow): T.DatasetRun {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    metadata: fromJsonColumn(r.metadata),
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRunItem(r: RunItemRow): T.DatasetRunItem {
  return {
    id: r.id,
    datasetRunId: r.dataset_run_id,
    datasetRunName: r.dataset_run_name,
    datasetItemId: r.dataset_item_id,
    traceId: r.trace_id,
    observationId: r.observation_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const ITEM_SELECT = "SELECT i.*, d.name AS dataset_name FROM dataset_items i JOIN datasets d ON d.id = i.dataset_id";
const RUN_SELECT = "SELECT r.*, d.name AS dataset_name FROM dataset_runs r JOIN datasets d ON d.id = r.dataset_id";
const RUN_ITEM_SELECT =
  "SELECT ri.*, r.name AS dataset_run_name FROM dataset_run_items ri JOIN dataset_runs r ON r.id = ri.dataset_run_id";

/** null and undefined both mean "not given" (the server maps null to undefined before merging). */
const given = (v: unknown) => v !== undefined && v !== null;

export class LocalDatasetStore {
  constructor(private readonly store: LocalStore) {}

  private get db() {
    return this.store.db;
  }

  datasetByName(name: string): DatasetRow | undefined {
    return this.db.prepare("SELECT * FROM datasets WHERE name = ?").get(name) as DatasetRow | undefined;
  }

  private requireDataset(name: string): DatasetRow {
    const d = this.datasetByName(name);
    if (!d) throw notFound("Dataset not found");
    return d;
  }

  // ------------------------------------------------------------ datasets

  createDataset(body: T.CreateDatasetRequest): T.Dataset {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [...nameIssues(body.name)];
    if (given(body.description) && typeof body.description !== "string") issues.push({ path: ["description"], message: "Expected string" });
    for (const field of ["inputSchema", "expectedOutputSchema"] as const) {
      if (given(body[field])) {
        const problem = schemaProblem(body[field]);
        if (problem) issues.push({ path: [field], message: problem });
      }
    }
    if (issues.length) throw invalidData(issues);
    const name = body.name.trim();
    return this.store.transaction(() => {
      const now = nowIso();
      const existing = this.datasetByName(name);
      if (!existing) {
        const row: DatasetRow = {
          id: randomUUID(),
          name,
          description: body.description ?? null,
          metadata: toJsonColumn(body.metadata ?? null),
          input_schema: given(body.inputSchema) ? JSON.stringify(body.inputSchema) : null,
          expected_output_schema: given(body.expectedOutputSchema) ? JSON.stringify(body.expectedOutputSchema) : null,
          created_at: now,
          updated_at: now,
        };
        this.db
          .prepare(
            `INSERT INTO datasets (id, name, description, metadata, input_schema, expected_output_schema, created_at, updated_at)
             VALUES (@id, @name, @description, @metadata, @input_schema, @expected_output_schema, @created_at, @updated_at)`,
          )
          .run(row);
        return toDataset(row);
      }
      // Update: only the provided fields change; an explicit null clears a schema.
      const row: DatasetRow = { ...existing, updated_at: now };
      if (body.description !== undefined) row.description = body.description ?? null;
      if (body.metadata !== undefined) row.metadata = toJsonColumn(body.metadata);
      if (body.inputSchema !== undefined) row.input_schema = given(body.inputSchema) ? JSON.stringify(body.inputSchema) : null;
      if (body.expectedOutputSchema !== undefined)
        row.expected_output_schema = given(body.expectedOutputSchema) ? JSON.stringify(body.expectedOutputSchema) : null;
      if (row.input_schema !== existing.input_schema || row.expected_output_schema !== existing.expected_output_schema) {
        const items = this.db
          .prepare("SELECT * FROM dataset_items WHERE dataset_id = ? AND valid_to IS NULL AND is_deleted = 0")
          .all(existing.id) as ItemRow[];
        const failures: string[] = [];
        for (const it of items) {
          const problems = this.itemProblems(row, fromJsonColumn(it.input), fromJsonColumn(it.expected_output));
          if (problems.length) failures.push(`item ${it.id}: ${problems.join(", ")}`);
        }
        if (failures.length)
          throw badRequest(`Schema validation failed for ${failures.length} item(s). Details: ${failures.slice(0, 10).join("; ")}`);
      }
      this.db
        .prepare(
          `UPDATE datasets SET description = @description, metadata = @metadata, input_schema = @input_schema,
           expected_output_schema = @expected_output_schema, updated_at = @updated_at WHERE id = @id`,
        )
        .run(row);
      return toDataset(row);
    });
  }

  getDataset(name: string): T.Dataset {
    return toDataset(this.requireDataset(name));
  }

  listDatasets(query?: T.PageQuery): T.Paginated<T.Dataset> {
    const page = parsePage(query);
    const total = (this.db.prepare("SELECT COUNT(*) AS n FROM datasets").get() as { n: number }).n;
    const rows = this.db
      .prepare("SELECT * FROM datasets ORDER BY created_at DESC, id ASC LIMIT ? OFFSET ?")
      .all(page.limit, page.offset) as DatasetRow[];
    return { data: rows.map(toDataset), meta: pageMeta(page, total) };
  }

  listRuns(datasetName: string, query?: T.PageQuery): T.Paginated<T.DatasetRun> {
    const page = parsePage(query);
    const d = this.requireDataset(datasetName);
    const total = (this.db.prepare("SELECT COUNT(*) AS n FROM dataset_runs WHERE dataset_id = ?").get(d.id) as { n: number }).n;
    const rows = this.db
      .prepare(`${RUN_SELECT} WHERE r.dataset_id = ? ORDER BY r.created_at DESC, r.id ASC LIMIT ? OFFSET ?`)
      .all(d.id, page.limit, page.offset) as RunRow[];
    return { data: rows.map(toRun), meta: pageMeta(page, total) };
  }

  getRun(datasetName: string, runName: string): T.DatasetRunWithItems {
    const d = this.requireDataset(datasetName);
    const run = this.db.prepare(`${RUN_SELECT} WHERE r.dataset_id = ? AND r.name = ?`).get(d.id, runName) as RunRow | undefined;
    if (!run) throw notFound("Dataset run not found");
    const items = this.db.prepare(`${RUN_ITEM_SELECT} WHERE ri.dataset_run_id = ? ORDER BY ri.created_at DESC, ri.id ASC`).all(run.id) as RunItemRow[];
    return { ...toRun(run), datasetRunItems: items.map(toRunItem) };
  }

  // ------------------------------------------------------------ items

  private itemProblems(dataset: DatasetRow, input: unknown, expectedOutput: unknown): string[] {
    const problems: string[] = [];
    if (dataset.input_schema && given(input)) problems.push(...validateAgainst(dataset.input_schema, input, "input"));
    if (dataset.expected_output_schema && given(expectedOutput))
      problems.push(...validateAgainst(dataset.expected_output_schema, expectedOutput, "expectedOutput"));
    return problems;
  }

  private currentRow(id: string): ItemRow | undefined {
    return this.db.prepare(`${ITEM_SELECT} WHERE i.id = ? AND i.valid_to IS NULL`).get(id) as ItemRow | undefined;
  }

  upsertItem(body: T.UpsertDatasetItemRequest): T.DatasetItem {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [];
    if (typeof body.datasetName !== "string" || body.datasetName.length === 0) issues.push({ path: ["datasetName"], message: "Expected non-empty string" });
    if (body.id !== undefined && (typeof body.id !== "string" || body.id.length < 1 || body.id.length > 255))
      issues.push({ path: ["id"], message: "Expected a string of 1 to 255 characters" });
    if (given(body.status) && body.status !== "ACTIVE" && body.status !== "ARCHIVED")
      issues.push({ path: ["status"], message: "Expected 'ACTIVE' | 'ARCHIVED'" });
    for (const f of ["sourceTraceId", "sourceObservationId"] as const)
      if (given(body[f]) && typeof body[f] !== "string") issues.push({ path: [f], message: "Expected string" });
    if (issues.length) throw invalidData(issues);
    const dataset = this.datasetByName(body.datasetName);
    if (!dataset) throw notFound(`Dataset ${body.datasetName} not found for project ${PROJECT_ID}`);
    return this.store.transaction(() => {
      const id = body.id ?? randomUUID();
      const current = this.currentRow(id);
      if (current && !current.is_deleted && current.dataset_id !== dataset.id)
        throw conflict(`Dataset item id ${id} already exists in another dataset. Dataset item ids must be unique within a project.`);
      const base = current && !current.is_deleted ? current : undefined;
      const pick = (v: unknown, old: string | null | undefined) => (given(v) ? JSON.stringify(v) : (old ?? null));
      const input = pick(body.input, base?.input);
      const expected = pick(body.expectedOutput, base?.expected_output);
      const problems = this.itemProblems(dataset, fromJsonColumn(input), fromJsonColumn(expected));
      if (problems.length) throw badRequest(`Dataset item validation failed: ${problems.join("; ")}`);
      const nowMs = Date.now();
      const validFrom = current ? Math.max(nowMs, current.valid_from + 1) : nowMs;
      const now = new Date(validFrom).toISOString();
      if (current) this.db.prepare("UPDATE dataset_items SET valid_to = ? WHERE id = ? AND valid_to IS NULL").run(validFrom, id);
      const row: ItemRow = {
        id,
        dataset_id: dataset.id,
        valid_from: validFrom,
        valid_to: null,
        is_deleted: 0,
        status: given(body.status) ? (body.status as T.DatasetStatus) : (base?.status ?? "ACTIVE"),
        input,
        expected_output: expected,
        metadata: pick(body.metadata, base?.metadata),
        source_trace_id: given(body.sourceTraceId) ? (body.sourceTraceId as string) : (base?.source_trace_id ?? null),
        source_observation_id: given(body.sourceObservationId) ? (body.sourceObservationId as string) : (base?.source_observation_id ?? null),
        created_at: now,
        updated_at: now,
      };
      this.insertItemRow(row);
      return toItem({ ...row, dataset_name: dataset.name });
    });
  }

  private insertItemRow(row: ItemRow): void {
    this.db
      .prepare(
        `INSERT INTO dataset_items (id, dataset_id, valid_from, valid_to, is_deleted, status, input, expected_output, metadata,
           source_trace_id, source_observation_id, created_at, updated_at)
         VALUES (@id, @dataset_id, @valid_from, @valid_to, @is_deleted, @status, @input, @expected_output, @metadata,
           @source_trace_id, @source_observation_id, @created_at, @updated_at)`,
      )
      .run({ ...row, dataset_name: undefined });
  }

  getItem(id: string): T.DatasetItem {
    const row = this.currentRow(id);
    if (!row || row.is_deleted) throw notFound("Dataset item not found");
    return toItem(row);
  }

  deleteItem(id: string): void {
    this.store.transaction(() => {
      const current = this.currentRow(id);
      if (!current || current.is_deleted) throw notFound("Dataset item not found");
      const validFrom = Math.max(Date.now(), current.valid_from + 1);
      const now = new Date(validFrom).toISOString();
      this.db.prepare("UPDATE dataset_items SET valid_to = ? WHERE id = ? AND valid_to IS NULL").run(validFrom, id);
      this.insertItemRow({ ...current, valid_from: validFrom, valid_to: null, is_deleted: 1, created_at: now, updated_at: now });
    });
  }

  listItems(query: T.ListDatasetItemsQuery = {}): T.Paginated<T.DatasetItem> {
    const page = parsePage(query);
    const version = parseDate(query.version, "version");
    if (version && !query.datasetName) throw badRequest("datasetName is required when version parameter is provided");
    const where = ["i.is_deleted = 0", "i.status = 'ACTIVE'"];
    const args: unknown[] = [];
    if (query.datasetName) {
      const d = this.requireDataset(query.datasetName);
      where.push("i.dataset_id = ?");
      args.push(d.id);
    }
    if (version) {
      where.push("i.valid_from <= ? AND (i.valid_to IS NULL OR i.valid_to > ?)");
      args.push(version.getTime(), version.getTime());
    } else where.push("i.valid_to IS NULL");
    if (query.sourceTraceId) (where.push("i.source_trace_id = ?"), args.push(query.sourceTraceId));
    if (query.sourceObservationId) (where.push("i.source_observation_id = ?"), args.push(query.sourceObservationId));
    const filter = where.join(" AND ");
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM dataset_items i WHERE ${filter}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`${ITEM_SELECT} WHERE ${filter} ORDER BY i.valid_from DESC, i.id ASC LIMIT ? OFFSET ?`)
      .all(...args, page.limit, page.offset) as ItemRow[];
    return { data: rows.map(toItem), meta: pageMeta(page, total) };
  }

  // ------------------------------------------------------------ run items

  createRunItem(body: T.CreateDatasetRunItemRequest): T.DatasetRunItem {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const allowed = new Set(["runName", "runDescription", "metadata", "datasetItemId", "observationId", "traceId", "datasetVersion", "createdAt"]);
    const unknown = Object.keys(body).filter((k) => !allowed.has(k));
    const issues: Issue[] = [];
    if (unknown.length) issues.push({ path: [], message: `Unrecognized key(s) in object: ${unknown.map((k) => `'${k}'`).join(", ")}` });
    if (typeof body.runName !== "string" || body.runName.length === 0) issues.push({ path: ["runName"], message: "Expected non-empty string" });
    if (typeof body.datasetItemId !== "string" || body.datasetItemId.length === 0)
      issues.push({ path: ["datasetItemId"], message: "Expected non-empty string" });
    for (const f of ["traceId", "observationId", "runDescription"] as const)
      if (given(body[f]) && typeof body[f] !== "string") issues.push({ path: [f], message: "Expected string" });
    if (!given(body.traceId) && !given(body.observationId)) issues.push({ path: [], message: "observationId or traceId must be provided" });
    if (issues.length) throw invalidData(issues);
    const version = parseDate(body.datasetVersion, "datasetVersion");
    const createdAt = parseDate(body.createdAt, "createdAt");
    return this.store.transaction(() => {
      const item = (
        version
          ? this.db
              .prepare(`${ITEM_SELECT} WHERE i.id = ? AND i.valid_from <= ? AND (i.valid_to IS NULL OR i.valid_to > ?)`)
              .get(body.datasetItemId, version.getTime(), version.getTime())
          : this.currentRow(body.datasetItemId)
      ) as ItemRow | undefined;
      if (!item || item.is_deleted || item.status !== "ACTIVE") throw notFound("Dataset item not found");
      let traceId = given(body.traceId) ? (body.traceId as string) : undefined;
      if (!traceId) {
        const obs = this.db.prepare("SELECT trace_id FROM observations WHERE id = ?").get(body.observationId) as { trace_id: string } | undefined;
        if (!obs) throw notFound("Observation not found");
        traceId = obs.trace_id;
      }
      const now = nowIso();
      let run = this.db.prepare(`${RUN_SELECT} WHERE r.dataset_id = ? AND r.name = ?`).get(item.dataset_id, body.runName) as RunRow | undefined;
      if (!run) {
        let metadata: unknown = given(body.metadata) ? (isPlainObject(body.metadata) ? body.metadata : { metadata: body.metadata }) : undefined;
        if (version) metadata = { ...((metadata as object) ?? {}), dataset_version: version.toISOString() };
        run = {
          id: randomUUID(),
          dataset_id: item.dataset_id,
          dataset_name: item.dataset_name ?? "",
          name: body.runName,
          description: body.runDescription ?? null,
          metadata: toJsonColumn(metadata ?? null),
          created_at: now,
          updated_at: now,
        };
        this.db
          .prepare(
            `INSERT INTO dataset_runs (id, dataset_id, name, description, metadata, created_at, updated_at)
             VALUES (@id, @dataset_id, @name, @description, @metadata, @created_at, @updated_at)`,
          )
          .run({ ...run, dataset_name: undefined });
      }
      const row: RunItemRow = {
        id: randomUUID(),
        dataset_run_id: run.id,
        dataset_run_name: run.name,
        dataset_item_id: item.id,
        trace_id: traceId,
        observation_id: given(body.observationId) ? (body.observationId as string) : null,
        created_at: createdAt ? createdAt.toISOString() : now,
        updated_at: now,
      };
      this.db
        .prepare(
          `INSERT INTO dataset_run_items (id, dataset_run_id, dataset_item_id, trace_id, observation_id, dataset_version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(row.id, row.dataset_run_id, row.dataset_item_id, row.trace_id, row.observation_id,
          version ? new Date(item.valid_from).toISOString() : null, row.created_at, row.updated_at);
      return toRunItem(row);
    });
  }

  listRunItems(query: T.ListDatasetRunItemsQuery): T.Paginated<T.DatasetRunItem> {
    const page = parsePage(query);
    const issues: Issue[] = [];
    if (!query || typeof query.datasetId !== "string" || !query.datasetId) issues.push({ path: ["datasetId"], message: "Required" });
    if (!query || typeof query.runName !== "string" || !query.runName) issues.push({ path: ["runName"], message: "Required" });
    if (issues.length) throw invalidData(issues);
    const d = this.db.prepare("SELECT id FROM datasets WHERE id = ?").get(query.datasetId);
    if (!d) throw notFound("Dataset not found");
    const run = this.db.prepare("SELECT id FROM dataset_runs WHERE dataset_id = ? AND name = ?").get(query.datasetId, query.runName) as
      | { id: string }
      | undefined;
    if (!run) return { data: [], meta: pageMeta(page, 0) };
    const total = (this.db.prepare("SELECT COUNT(*) AS n FROM dataset_run_items WHERE dataset_run_id = ?").get(run.id) as { n: number }).n;
    const rows = this.db
      .prepare(`${RUN_ITEM_SELECT} WHERE ri.dataset_run_id = ? ORDER BY ri.created_at DESC, ri.id ASC LIMIT ? OFFSET ?`)
      .all(run.id, page.limit, page.offset) as RunItemRow[];
    return { data: rows.map(toRunItem), meta: pageMeta(page, total) };
  }
}

export function localDatasets(s: LocalDatasetStore): Omit<LangfuseApi["datasets"], "deleteRun"> {
  return {
    create: async (body) => s.createDataset(body),
    get: async (name) => s.getDataset(name),
    list: async (query) => s.listDatasets(query),
    listRuns: async (name, query) => s.listRuns(name, query),
    getRun: async (name, run) => s.getRun(name, run),
  };
}

export function localDatasetItems(s: LocalDatasetStore): LangfuseApi["datasetItems"] {
  return {
    upsert: async (body) => s.upsertItem(body),
    get: async (id) => s.getItem(id),
    list: async (query) => s.listItems(query),
    delete: async (id) => s.deleteItem(id),
  };
}

export function localDatasetRunItems(s: LocalDatasetStore): LangfuseApi["datasetRunItems"] {
  return {
    create: async (body) => s.createRunItem(body),
    list: async (query) => s.listRunItems(query),
  };
}

/**
 * Score configs (/api/public/score-configs) and the check of a score against its config, with
 * the server's rules and messages (web/src/features/public-api/types/score-configs.ts,
 * packages/shared/src/server/ingestion/validateAndInflateScore.ts).
 */
import { randomUUID } from "node:crypto";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type * as V4 from "../../api/types-v4";
import type { LocalStore } from "../store";
import { apiError, badRequest, invalidData, isPlainObject, notFound, nowIso, pageMeta, parsePage, type Issue } from "./common";
import { PROJECT_ID } from "./datasets";
import { scoreConfigProblem, UNKNOWN_SCORE_CONFIG_MESSAGE } from "../../api/score-config-rules";

interface ScoreConfigRow {
  id: string;
  name: string;
  data_type: V4.ScoreConfig["dataType"];
  is_archived: number;
  min_value: number | null;
  max_value: number | null;
  categories: string | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}

const CONFIG_DATA_TYPES = new Set(["NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT"]);
const BOOLEAN_CATEGORIES: V4.ConfigCategory[] = [
  { label: "True", value: 1 },
  { label: "False", value: 0 },
];
const CATEGORY_SHAPE_MESSAGE = "Category must be an array of objects with label value pairs, where labels and values are unique.";

function toConfig(r: ScoreConfigRow): V4.ScoreConfig {
  const out: V4.ScoreConfig = {
    id: r.id,
    projectId: PROJECT_ID,
    name: r.name,
    dataType: r.data_type,
    isArchived: r.is_archived === 1,
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.data_type === "NUMERIC") {
    out.minValue = r.min_value;
    out.maxValue = r.max_value;
  }
  if (r.categories !== null) out.categories = JSON.parse(r.categories) as V4.ConfigCategory[];
  return out;
}

function categoryIssues(value: unknown): Issue[] {
  if (!Array.isArray(value) || value.some((c) => !isPlainObject(c) || typeof c.label !== "string" || typeof c.value !== "number"))
    return [{ path: ["categories"], message: CATEGORY_SHAPE_MESSAGE }];
  const issues: Issue[] = [];
  const labels = new Set<string>();
  const values = new Set<number>();
  for (const c of value as V4.ConfigCategory[]) {
    if (labels.has(c.label)) issues.push({ path: ["categories"], message: `Duplicate category label: ${c.label}, category labels must be unique` });
    if (values.has(c.value)) issues.push({ path: ["categories"], message: `Duplicate category value: ${c.value}, category values must be unique` });
    labels.add(c.label);
    values.add(c.value);
  }
  return issues;
}

function rangeIssues(min: unknown, max: unknown): Issue[] {
  const issues: Issue[] = [];
  for (const [k, v] of [["minValue", min], ["maxValue", max]] as const)
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isFinite(v))) issues.push({ path: [k], message: "Expected number" });
  if (typeof min === "number" && typeof max === "number" && max <= min) issues.push({ path: [], message: "Maximum value must be greater than Minimum value" });
  return issues;
}

function nameIssue(name: unknown): Issue[] {
  if (typeof name !== "string" || name.trim().length === 0) return [{ path: ["name"], message: "Name is required" }];
  if (name.length > 35) return [{ path: ["name"], message: "String must contain at most 35 character(s)" }];
  return [];
}

export class LocalScoreConfigStore {
  constructor(private readonly store: LocalStore) {}

  private get db() {
    return this.store.db;
  }

  private row(id: string): ScoreConfigRow | undefined {
    return this.db.prepare("SELECT * FROM score_configs WHERE id = ?").get(id) as ScoreConfigRow | undefined;
  }

  create(body: unknown): V4.ScoreConfig {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [...nameIssue(body.name)];
    const dataType = body.dataType;
    if (typeof dataType !== "string" || !CONFIG_DATA_TYPES.has(dataType))
      issues.push({ path: ["dataType"], message: "Invalid discriminator value. Expected 'NUMERIC' | 'CATEGORICAL' | 'BOOLEAN' | 'TEXT'" });
    if (body.description !== undefined && body.description !== null && typeof body.description !== "string") issues.push({ path: ["description"], message: "Expected string" });
    let categories: V4.ConfigCategory[] | null = null;
    if (dataType === "NUMERIC") issues.push(...rangeIssues(body.minValue, body.maxValue));
    if (dataType === "CATEGORICAL") {
      const ci = categoryIssues(body.categories);
      issues.push(...ci);
      if (!ci.length) categories = body.categories as V4.ConfigCategory[];
    }
    if (dataType !== "NUMERIC" && ((body.minValue ?? null) !== null || (body.maxValue ?? null) !== null) && dataType !== "BOOLEAN")
      issues.push({ path: ["minValue"], message: "minValue and maxValue are only allowed for NUMERIC configs" });
    if ((dataType === "BOOLEAN" || dataType === "TEXT") && body.categories !== undefined)
      issues.push({ path: ["categories"], message: "Expected undefined, received " + (Array.isArray(body.categories) ? "array" : typeof body.categories) });
    if (dataType === "BOOLEAN") categories = BOOLEAN_CATEGORIES;
    if (issues.length) throw invalidData(issues);
    const now = nowIso();
    const row: ScoreConfigRow = {
      id: randomUUID(),
      name: (body.name as string).trim(),
      data_type: dataType as ScoreConfigRow["data_type"],
      is_archived: 0,
      min_value: dataType === "NUMERIC" ? ((body.minValue as number | null | undefined) ?? null) : null,
      max_value: dataType === "NUMERIC" ? ((body.maxValue as number | null | undefined) ?? null) : null,
      categories: categories ? JSON.stringify(categories) : null,
      description: (body.description as string | null | undefined) ?? null,
      created_at: now,
      updated_at: now,
    };
    this.store.transaction(() =>
      this.db
        .prepare(
          `INSERT INTO score_configs (id, name, data_type, is_archived, min_value, max_value, categories, description, created_at, updated_at)
           VALUES (@id, @name, @data_type, @is_archived, @min_value, @max_value, @categories, @description, @created_at, @updated_at)`,
        )
        .run(row),
    );
    return toConfig(row);
  }

  get(id: string): V4.ScoreConfig {
    const row = this.row(id);
    if (!row) throw notFound("Score config not found within authorized project");
    return toConfig(row);
  }

  list(query?: T.PageQuery): T.Paginated<V4.ScoreConfig> {
    const page = parsePage(query);
    const total = (this.db.prepare("SELECT COUNT(*) AS n FROM score_configs").get() as { n: number }).n;
    const rows = this.db.prepare("SELECT * FROM score_configs ORDER BY created_at DESC, id LIMIT ? OFFSET ?").all(page.limit, page.offset) as ScoreConfigRow[];
    return { data: rows.map(toConfig), meta: pageMeta(page, total) };
  }

  update(id: string, body: unknown): V4.ScoreConfig {
    if (!isPlainObject(body) || Object.keys(body).length === 0)
      throw invalidData([{ path: [], message: "Request body cannot be empty. At least one field must be provided for update." }]);
    const row = this.row(id);
    if (!row) throw notFound("Score config not found within authorized project");
    const issues: Issue[] = [];
    if (body.name !== undefined) issues.push(...nameIssue(body.name));
    if (body.isArchived !== undefined && typeof body.isArchived !== "boolean") issues.push({ path: ["isArchived"], message: "Expected boolean" });
    if (row.data_type === "NUMERIC") {
      const min = body.minValue !== undefined ? body.minValue : row.min_value;
      const max = body.maxValue !== undefined ? body.maxValue : row.max_value;
      issues.push(...rangeIssues(min, max));
    } else if ((body.minValue ?? null) !== null || (body.maxValue ?? null) !== null)
      issues.push({ path: ["minValue"], message: "minValue and maxValue are only allowed for NUMERIC configs" });
    if (body.categories !== undefined) {
      if (row.data_type !== "CATEGORICAL") issues.push({ path: ["categories"], message: "categories are only allowed for CATEGORICAL configs" });
      else issues.push(...categoryIssues(body.categories));
    }
    if (issues.length) throw invalidData(issues);
    if (typeof body.name === "string") row.name = body.name.trim();
    if (typeof body.isArchived === "boolean") row.is_archived = body.isArchived ? 1 : 0;
    if (body.minValue !== undefined) row.min_value = (body.minValue as number | null) ?? null;
    if (body.maxValue !== undefined) row.max_value = (body.maxValue as number | null) ?? null;
    if (body.categories !== undefined) row.categories = JSON.stringify(body.categories);
    if (body.description !== undefined) row.description = (body.description as string | null) ?? null;
    row.updated_at = nowIso();
    this.store.transaction(() =>
      this.db
        .prepare(
          `UPDATE score_configs SET name = @name, is_archived = @is_archived, min_value = @min_value, max_value = @max_value,
             categories = @categories, description = @description, updated_at = @updated_at WHERE id = @id`,
        )
        .run(row),
    );
    return toConfig(row);
  }
}

/** The parts of a validated score that a config can change. */
export interface ConfigurableScore {
  name: string;
  value: number | null;
  string_value: string | null;
  data_type: T.ScoreDataType;
  source: T.ScoreSource;
  config_id: string | null;
}

/**
 * Checks a score that names a `configId` against that config, as the server does before it
 * stores it: the config must exist (404), not be archived, agree on the data type, and the value
 * must fit its range or categories (400 with the server's message). The score takes the
 * config's name; a categorical score carries the category's numeric value.
 */
export function applyScoreConfig(store: LocalStore, score: ConfigurableScore, explicitDataType: T.ScoreDataType | undefined): void {
  if (!score.config_id) return;
  const row = store.db.prepare("SELECT * FROM score_configs WHERE id = ?").get(score.config_id) as ScoreConfigRow | undefined;
  if (!row) throw apiError(404, "LangfuseNotFoundError", UNKNOWN_SCORE_CONFIG_MESSAGE);
  const config = toConfig(row);
  // The server replaces the score's name with the config's before it checks the rest.
  score.name = config.name;
  const problem = scoreConfigProblem(config, {
    name: score.name,
    dataType: explicitDataType,
    value: score.data_type === "NUMERIC" || score.data_type === "BOOLEAN" ? score.value : score.string_value,
  });
  if (problem) throw badRequest(problem);
  if (!explicitDataType) {
    score.data_type = config.dataType;
    if (config.dataType === "BOOLEAN" && typeof score.value === "number") score.string_value = score.value === 1 ? "True" : "False";
  }
  if (config.dataType === "CATEGORICAL") {
    const cat = config.categories?.find((c) => c.label === score.string_value);
    if (cat) score.value = cat.value;
  }
}

export function localScoreConfigs(s: LocalScoreConfigStore): LangfuseApi["scoreConfigs"] {
  return {
    create: async (body) => s.create(body),
    list: async (query) => s.list(query),
    get: async (id) => s.get(id),
    update: async (id, body) => s.update(id, body),
  };
}

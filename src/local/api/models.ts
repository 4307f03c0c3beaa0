/**
 * Model definitions (/api/public/models): custom models with match patterns, flat prices or
 * pricing tiers, stored per store and used by cost computation ahead of the default price
 * table (as Langfuse prefers a project's models over the built-in ones). Lists and gets also
 * show the built-in models (`isLangfuseManaged: true`), which cannot be changed or deleted.
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import type * as V4 from "../../api/types-v4";
import { compileModels, compilePattern, defaultPriceEntries, type CompiledModel, type PriceEntry } from "../ingest/prices";
import type { LocalStore } from "../store";
import { badRequest, invalidData, isPlainObject, notFound, nowIso, pageMeta, parseDate, parsePage, type Issue } from "./common";

interface ModelRow {
  id: string;
  model_name: string;
  match_pattern: string;
  start_date: string | null;
  unit: V4.ModelUsageUnit | null;
  tokenizer_id: string | null;
  tokenizer_config: string | null;
  pricing_tiers: string;
  created_at: string;
  updated_at: string;
}

const UNITS = new Set(["CHARACTERS", "TOKENS", "MILLISECONDS", "SECONDS", "IMAGES", "REQUESTS"]);
const OPERATORS = new Set(["gt", "gte", "lt", "lte", "eq", "neq"]);
const BUILT_IN_CREATED_AT = "2024-01-01T00:00:00.000Z";

function flatPrices(tiers: V4.PricingTier[]): { inputPrice: number | null; outputPrice: number | null; totalPrice: number | null; prices: Record<string, { price: number }> } {
  const def = tiers.find((t) => t.isDefault);
  const p = def?.prices ?? {};
  const prices: Record<string, { price: number }> = {};
  for (const [k, v] of Object.entries(p)) prices[k] = { price: v };
  return { inputPrice: p.input ?? null, outputPrice: p.output ?? null, totalPrice: p.total ?? null, prices };
}

function toModel(r: ModelRow): V4.Model {
  const tiers = JSON.parse(r.pricing_tiers) as V4.PricingTier[];
  return {
    id: r.id,
    modelName: r.model_name,
    matchPattern: r.match_pattern,
    startDate: r.start_date,
    unit: r.unit,
    ...flatPrices(tiers),
    tokenizerId: r.tokenizer_id,
    tokenizerConfig: r.tokenizer_config === null ? null : (JSON.parse(r.tokenizer_config) as unknown),
    isLangfuseManaged: false,
    createdAt: r.created_at,
    pricingTiers: tiers,
  };
}

function builtInModel(e: PriceEntry & { createdAt?: string; tokenizerId?: string | null; tokenizerConfig?: unknown; unit?: string }): V4.Model {
  const tiers = e.pricingTiers as unknown as V4.PricingTier[];
  return {
    id: e.id,
    modelName: e.modelName,
    matchPattern: e.matchPattern,
    startDate: null,
    unit: (e.unit as V4.ModelUsageUnit | undefined) ?? "TOKENS",
    ...flatPrices(tiers),
    tokenizerId: e.tokenizerId ?? null,
    tokenizerConfig: e.tokenizerConfig ?? null,
    isLangfuseManaged: true,
    createdAt: e.createdAt ?? BUILT_IN_CREATED_AT,
    pricingTiers: tiers,
  };
}

function priceIssues(v: unknown, path: (string | number)[]): Issue[] {
  return v === undefined || v === null || (typeof v === "number" && Number.isFinite(v) && v >= 0) ? [] : [{ path, message: "Number must be greater than or equal to 0" }];
}

/** Validates a create/upsert body (PostModelsV1Body) and returns the row fields. */
function validateModelBody(body: unknown): Omit<ModelRow, "id" | "created_at" | "updated_at"> {
  if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
  const issues: Issue[] = [];
  if (typeof body.modelName !== "string" || body.modelName.length === 0) issues.push({ path: ["modelName"], message: "Expected string" });
  if (typeof body.matchPattern !== "string") issues.push({ path: ["matchPattern"], message: "Expected string" });
  if (body.unit !== undefined && body.unit !== null && !UNITS.has(String(body.unit)))
    issues.push({ path: ["unit"], message: "Invalid enum value. Expected 'CHARACTERS' | 'TOKENS' | 'MILLISECONDS' | 'SECONDS' | 'IMAGES' | 'REQUESTS'" });
  if (body.tokenizerId !== undefined && body.tokenizerId !== null && body.tokenizerId !== "openai" && body.tokenizerId !== "claude")
    issues.push({ path: ["tokenizerId"], message: "Invalid enum value. Expected 'openai' | 'claude'" });
  for (const k of ["inputPrice", "outputPrice", "totalPrice"]) issues.push(...priceIssues(body[k], [k]));
  const startDate = body.startDate === undefined || body.startDate === null ? null : parseDate(body.startDate, "startDate")!.toISOString();
  const hasFlat = [body.inputPrice, body.outputPrice, body.totalPrice].some((v) => v !== undefined && v !== null);
  const tiersIn = body.pricingTiers;
  const hasTiers = Array.isArray(tiersIn) && tiersIn.length > 0;
  if (tiersIn !== undefined && tiersIn !== null && !Array.isArray(tiersIn)) issues.push({ path: ["pricingTiers"], message: "Expected array" });
  if (hasFlat && hasTiers) issues.push({ path: [], message: "Must provide either flat prices (inputPrice/outputPrice/totalPrice) OR pricingTiers, not both" });
  else if (!hasFlat && !hasTiers) issues.push({ path: [], message: "Must provide either flat prices (inputPrice/outputPrice/totalPrice) OR pricingTiers" });
  if (hasFlat && (body.inputPrice || body.outputPrice) && body.totalPrice)
    issues.push({ path: ["totalPrice"], message: "If input and/or output price is set, total price must be null" });
  let tiers: V4.PricingTier[] = [];
  if (hasTiers) {
    const problem = tierProblem(tiersIn as unknown[]);
    if (problem) issues.push({ path: ["pricingTiers"], message: problem });
    else
      tiers = (tiersIn as V4.PricingTierInput[]).map((t) => ({
        id: randomUUID(),
        name: t.name,
        isDefault: t.isDefault,
        priority: t.priority,
        conditions: t.conditions ?? [],
        prices: t.prices,
      }));
  } else if (hasFlat) {
    const prices: Record<string, number> = {};
    if (typeof body.inputPrice === "number") prices.input = body.inputPrice;
    if (typeof body.outputPrice === "number") prices.output = body.outputPrice;
    if (typeof body.totalPrice === "number") prices.total = body.totalPrice;
    tiers = [{ id: randomUUID(), name: "Standard", isDefault: true, priority: 0, conditions: [], prices }];
  }
  if (issues.length) throw invalidData(issues);
  try {
    compilePattern(body.matchPattern as string);
  } catch {
    throw badRequest("matchPattern is not a valid regex pattern (Postgres)");
  }
  return {
    model_name: body.modelName as string,
    match_pattern: body.matchPattern as string,
    start_date: startDate,
    unit: (body.unit as V4.ModelUsageUnit | undefined) ?? null,
    tokenizer_id: (body.tokenizerId as string | undefined) ?? null,
    tokenizer_config: body.tokenizerConfig === undefined || body.tokenizerConfig === null ? null : JSON.stringify(body.tokenizerConfig),
    pricing_tiers: JSON.stringify(tiers),
  };
}

/** validatePricingTiers of the server: one default tier (priority 0, no conditions), unique names and priorities. */
function tierProblem(tiers: unknown[]): string | undefined {
  if (tiers.some((t) => !isPlainObject(t) || typeof t.name !== "string" || typeof t.isDefault !== "boolean" || typeof t.priority !== "number" || !isPlainObject(t.prices)))
    return "Each pricing tier needs name, isDefault, priority and prices";
  const list = tiers as V4.PricingTierInput[];
  const defaults = list.filter((t) => t.isDefault);
  if (defaults.length !== 1) return "Exactly one pricing tier must be marked as default";
  if (defaults[0]!.priority !== 0) return "Default pricing tier must have priority 0";
  if ((defaults[0]!.conditions ?? []).length > 0) return "Default pricing tier must not have conditions";
  if (new Set(list.map((t) => t.priority)).size !== list.length) return "Pricing tier priorities must be unique";
  if (new Set(list.map((t) => t.name)).size !== list.length) return "Pricing tier names must be unique";
  for (const t of list) {
    if (!t.isDefault && (t.conditions ?? []).length === 0) return `Non-default pricing tier '${t.name}' must have at least one condition`;
    for (const c of t.conditions ?? []) {
      if (!isPlainObject(c) || typeof c.usageDetailPattern !== "string" || !OPERATORS.has(String(c.operator)) || typeof c.value !== "number")
        return "Each condition needs usageDetailPattern, operator (gt, gte, lt, lte, eq, neq) and a numeric value";
      try {
        new RegExp(c.usageDetailPattern);
      } catch {
        return `Invalid regex pattern in condition: ${c.usageDetailPattern}`;
      }
    }
    for (const v of Object.values(t.prices)) if (typeof v !== "number" || !(v >= 0)) return "Prices must be non-negative numbers";
    if (Object.keys(t.prices).length === 0) return `Pricing tier '${t.name}' must have at least one price`;
  }
  return undefined;
}

interface CompiledCache {
  key: string;
  models: CompiledModel[];
}
const compiledByStore = new WeakMap<LocalStore, CompiledCache>();
const signatureStatements = new WeakMap<LocalStore, Database.Statement<[], { n: number; u: string | null }>>();

/**
 * The store's custom models compiled for matching, newest start date first (one cheap query
 * per call; recompiled only when the table changed).
 */
export function customModelsFor(store: LocalStore): CompiledModel[] {
  let stmt = signatureStatements.get(store);
  if (!stmt) signatureStatements.set(store, (stmt = store.db.prepare<[], { n: number; u: string | null }>("SELECT COUNT(*) AS n, MAX(updated_at) AS u FROM models")));
  const sig = stmt.get()!;
  if (sig.n === 0) return [];
  const key = `${sig.n}|${sig.u}`;
  const cached = compiledByStore.get(store);
  if (cached && cached.key === key) return cached.models;
  const rows = store.db.prepare("SELECT * FROM models ORDER BY start_date IS NULL, start_date DESC, created_at DESC").all() as ModelRow[];
  const models = compileModels(
    rows.map((r) => ({ id: r.id, modelName: r.model_name, matchPattern: r.match_pattern, pricingTiers: JSON.parse(r.pricing_tiers) as PriceEntry["pricingTiers"] })),
  );
  compiledByStore.set(store, { key, models });
  return models;
}

export class LocalModelStore {
  constructor(private readonly store: LocalStore) {}

  private get db() {
    return this.store.db;
  }

  private write(id: string, fields: Omit<ModelRow, "id" | "created_at" | "updated_at">, createdAt: string): V4.Model {
    const now = nowIso();
    // updated_at strictly increases so customModelsFor sees every change.
    const row: ModelRow = { id, ...fields, created_at: createdAt, updated_at: now };
    this.store.transaction(() => {
      const prev = this.db.prepare("SELECT MAX(updated_at) AS u FROM models").get() as { u: string | null };
      if (prev.u && prev.u >= row.updated_at) row.updated_at = new Date(Date.parse(prev.u) + 1).toISOString();
      this.db
        .prepare(
          `INSERT INTO models (id, model_name, match_pattern, start_date, unit, tokenizer_id, tokenizer_config, pricing_tiers, created_at, updated_at)
           VALUES (@id, @model_name, @match_pattern, @start_date, @unit, @tokenizer_id, @tokenizer_config, @pricing_tiers, @created_at, @updated_at)
           ON CONFLICT(id) DO UPDATE SET model_name = excluded.model_name, match_pattern = excluded.match_pattern, start_date = excluded.start_date,
             unit = excluded.unit, tokenizer_id = excluded.tokenizer_id, tokenizer_config = excluded.tokenizer_config,
             pricing_tiers = excluded.pricing_tiers, updated_at = excluded.updated_at`,
        )
        .run(row);
    });
    return toModel(row);
  }

  create(body: unknown): V4.Model {
    const fields = validateModelBody(body);
    const clash = this.db.prepare("SELECT 1 FROM models WHERE model_name = ?").get(fields.model_name);
    if (clash) throw badRequest(`Model name '${fields.model_name}' already exists in project`);
    return this.write(randomUUID(), fields, nowIso());
  }

  upsert(id: string, body: unknown): V4.Model {
    const fields = validateModelBody(body);
    if (defaultPriceEntries().some((e) => e.id === id)) throw badRequest("Langfuse managed models cannot be changed; create a model with the same name instead");
    const existing = this.db.prepare("SELECT created_at FROM models WHERE id = ?").get(id) as { created_at: string } | undefined;
    const clash = this.db.prepare("SELECT 1 FROM models WHERE model_name = ? AND id != ?").get(fields.model_name, id);
    if (clash) throw badRequest(`Model name '${fields.model_name}' already exists in project`);
    return this.write(id, fields, existing?.created_at ?? nowIso());
  }

  get(id: string): V4.Model {
    const row = this.db.prepare("SELECT * FROM models WHERE id = ?").get(id) as ModelRow | undefined;
    if (row) return toModel(row);
    const builtIn = defaultPriceEntries().find((e) => e.id === id);
    if (builtIn) return builtInModel(builtIn);
    throw notFound("No model with this id found.");
  }

  /** Custom models first (newest first), then the built-in table. */
  list(query?: T.PageQuery): T.Paginated<V4.Model> {
    const page = parsePage(query);
    const customCount = (this.db.prepare("SELECT COUNT(*) AS n FROM models").get() as { n: number }).n;
    const builtIns = defaultPriceEntries();
    const custom = (this.db.prepare("SELECT * FROM models ORDER BY created_at DESC, id LIMIT ? OFFSET ?").all(page.limit, page.offset) as ModelRow[]).map(toModel);
    const fromBuiltIn = Math.max(0, page.offset - customCount);
    const need = page.limit - custom.length;
    const data = need > 0 ? [...custom, ...builtIns.slice(fromBuiltIn, fromBuiltIn + need).map(builtInModel)] : custom;
    return { data, meta: pageMeta(page, customCount + builtIns.length) };
  }

  delete(id: string): { message: string } {
    const res = this.store.transaction(() => this.db.prepare("DELETE FROM models WHERE id = ?").run(id));
    if (res.changes === 0) throw notFound("No model with this id found. Note: You cannot delete built-in models, override them with a model with the same name.");
    return { message: "Model successfully deleted" };
  }
}

export function localModels(s: LocalModelStore): LangfuseApi["models"] {
  return {
    create: async (body) => s.create(body),
    upsert: async (id, body) => s.upsert(id, body),
    list: async (query) => s.list(query),
    get: async (id) => s.get(id),
    delete: async (id) => s.delete(id),
  };
}

/**
 * Local cost computation with the Langfuse default price table (reference §9): the first model
 * whose pattern matches, the first non-default tier whose conditions pass (else the default
 * tier), then cost = price × units for each usage key that has a price.
 */
import { MODEL_PRICE_TABLE } from "./model-prices-data";

type Operator = "gt" | "gte" | "lt" | "lte" | "eq" | "neq";
interface UsageCondition {
  usageDetailPattern: string;
  operator: Operator;
  value: number;
  caseSensitive?: boolean;
}
interface AttributeCondition {
  source: "model_parameters" | "metadata";
  key: string;
  operator: "in";
  values: string[];
}
interface Tier {
  id: string;
  name: string;
  isDefault: boolean;
  priority: number;
  conditions: (UsageCondition | AttributeCondition)[];
  prices: Record<string, number>;
}
export interface PriceEntry {
  id: string;
  modelName: string;
  matchPattern: string;
  pricingTiers: Tier[];
}
export interface CompiledModel {
  id: string;
  modelName: string;
  pattern: RegExp;
  defaultTier: Tier | undefined;
  tiers: Tier[];
}

let compiled: CompiledModel[] | undefined;
const matchCache = new Map<string, CompiledModel | null>();
const MATCH_CACHE_LIMIT = 1000;

/** Postgres-style `(?i)` prefixes become the JS `i` flag. */
export function compilePattern(pattern: string): RegExp {
  return pattern.startsWith("(?i)") ? new RegExp(pattern.slice(4), "i") : new RegExp(pattern);
}

/** Price entries compiled for matching, in the given order; a pattern JS cannot compile only disables its entry. */
export function compileModels(entries: readonly PriceEntry[]): CompiledModel[] {
  const out: CompiledModel[] = [];
  for (const e of entries) {
    try {
      out.push({
        id: e.id,
        modelName: e.modelName,
        pattern: compilePattern(e.matchPattern),
        defaultTier: e.pricingTiers.find((t) => t.isDefault),
        tiers: e.pricingTiers.filter((t) => !t.isDefault).sort((a, b) => a.priority - b.priority),
      });
    } catch {
      // skipped: see above
    }
  }
  return out;
}

function models(): CompiledModel[] {
  if (!compiled) compiled = compileModels(MODEL_PRICE_TABLE as PriceEntry[]);
  return compiled;
}

/** The default price table's entries (the built-in, Langfuse-managed models). */
export function defaultPriceEntries(): readonly PriceEntry[] {
  return MODEL_PRICE_TABLE as PriceEntry[];
}

/**
 * Custom models (a store's `/api/public/models`) consulted before the default table while
 * `fn` runs. Cost computation is synchronous, so the scope is exactly the mapping call; the
 * default table and its match cache stay shared by every store in the process.
 */
let customModels: readonly CompiledModel[] | undefined;
export function withCustomModels<R>(models: readonly CompiledModel[] | undefined, fn: () => R): R {
  if (!models || models.length === 0) return fn();
  const outer = customModels;
  customModels = models;
  try {
    return fn();
  } finally {
    customModels = outer;
  }
}

export function findModel(model: string): CompiledModel | undefined {
  if (customModels) {
    const custom = customModels.find((m) => m.pattern.test(model));
    if (custom) return custom;
  }
  let hit = matchCache.get(model);
  if (hit === undefined) {
    hit = models().find((m) => m.pattern.test(model)) ?? null;
    if (matchCache.size >= MATCH_CACHE_LIMIT) matchCache.clear();
    matchCache.set(model, hit);
  }
  return hit ?? undefined;
}

function compare(a: number, op: Operator, b: number): boolean {
  switch (op) {
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
    case "lt":
      return a < b;
    case "lte":
      return a <= b;
    case "eq":
      return a === b;
    case "neq":
      return a !== b;
  }
}

// Tier condition patterns, compiled once (they were compiled per span and condition).
const usageRegexes = new Map<string, RegExp | null>();
function usageRegex(pattern: string, caseSensitive: boolean): RegExp | null {
  const key = (caseSensitive ? "s" : "i") + pattern;
  let re = usageRegexes.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, caseSensitive ? "" : "i");
    } catch {
      re = null;
    }
    usageRegexes.set(key, re);
  }
  return re;
}

function tierMatches(tier: Tier, usage: Record<string, number>, modelParameters: Record<string, unknown>, metadata: Record<string, unknown>): boolean {
  return tier.conditions.every((c) => {
    if ("usageDetailPattern" in c) {
      const re = usageRegex(c.usageDetailPattern, !!c.caseSensitive);
      if (!re) return false;
      let sum = 0;
      for (const [k, v] of Object.entries(usage)) if (re.test(k)) sum += v;
      return compare(sum, c.operator, c.value);
    }
    const bag = c.source === "model_parameters" ? modelParameters : metadata;
    const v = bag[c.key];
    return v !== undefined && v !== null && c.values.includes(String(v));
  });
}

export interface ComputedCost {
  costDetails: Record<string, number>;
  modelId: string;
  tierName: string;
}

/** Cost of `usage` for `model`, or undefined when the model is unknown or nothing is priced. */
export function computeCost(
  model: string,
  usage: Record<string, number>,
  modelParameters: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): ComputedCost | undefined {
  const m = findModel(model);
  if (!m) return undefined;
  const tier = m.tiers.find((t) => tierMatches(t, usage, modelParameters, metadata)) ?? m.defaultTier;
  if (!tier) return undefined;
  const cost: Record<string, number> = {};
  let sum = 0;
  let priced = false;
  for (const [k, units] of Object.entries(usage)) {
    if (k === "total") continue;
    const price = tier.prices[k];
    if (price === undefined) continue;
    cost[k] = price * units;
    sum += cost[k]!;
    priced = true;
  }
  if (tier.prices.total !== undefined && usage.total !== undefined) {
    cost.total = tier.prices.total * usage.total;
    priced = true;
  } else cost.total = sum;
  return priced ? { costDetails: cost, modelId: m.id, tierName: tier.name } : undefined;
}

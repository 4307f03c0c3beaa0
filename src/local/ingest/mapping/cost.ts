/**
 * Usage totals and cost (reference/langfuse-server-api.md §8.7, §9): given costs win (their
 * total is their sum unless given); otherwise the cost is computed from the model's prices.
 */
import type { IngestAttributes, IngestSpan } from "../span";
import { computeCost } from "../prices";
import { first } from "./attribute-values";
import { isAiSdkAgentStep } from "./scalar-fields";
import { extractUsage } from "./usage";

const COST_TOTAL_KEYS = ["gen_ai.usage.cost", "llm.cost.total"];

function nonNegativeNumbers(o: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[k] = v;
  return out;
}

function extractCost(a: IngestAttributes, foreign: boolean): Record<string, number> {
  const given = a["langfuse.observation.cost_details"];
  if (given !== undefined && given !== null) {
    if (typeof given !== "string") return typeof given === "object" && !Array.isArray(given) ? nonNegativeNumbers(given) : {};
    try {
      const p = JSON.parse(given) as unknown;
      return typeof p === "object" && p !== null && !Array.isArray(p) ? nonNegativeNumbers(p as Record<string, unknown>) : {};
    } catch {
      // fall through
    }
  }
  if (!foreign) return {};
  const total = first(a, COST_TOTAL_KEYS);
  return typeof total === "number" ? nonNegativeNumbers({ total }) : {};
}

function sum(o: Record<string, number>): number {
  let t = 0;
  for (const k in o) t += o[k]!;
  return t;
}

export interface UsageAndCost {
  usageDetails: Record<string, number>;
  costDetails: Record<string, number>;
}

/**
 * The span's usage (with a `total`) and cost. `model`, `modelParameters` and the observation
 * metadata choose the price tier when the cost is computed.
 */
export function usageAndCost(
  span: IngestSpan,
  flags: number,
  foreign: boolean,
  model: string | undefined,
  modelParameters: Record<string, string | number> | undefined,
  observationMetadata: Record<string, unknown>,
): UsageAndCost {
  const usage = extractUsage(span, flags);
  let cost = extractCost(span.attributes, foreign);
  const skipUsage = isAiSdkAgentStep(span);
  const usageDetails = skipUsage ? {} : usage;
  if (skipUsage) cost = {};
  if (Object.keys(usageDetails).length && usageDetails.total === undefined) usageDetails.total = sum(usageDetails);
  if (Object.keys(cost).length) {
    if (cost.total === undefined) cost.total = sum(cost);
  } else if (model && Object.keys(usageDetails).length) {
    const computed = computeCost(model, usageDetails, modelParameters ?? {}, observationMetadata);
    if (computed) cost = computed.costDetails;
  }
  return { usageDetails, costDetails: cost };
}

/**
 * Usage details (reference/langfuse-server-api.md §8.7). The Langfuse `usage_details` attribute
 * wins; otherwise the first of USAGE_SOURCES that reads anything gives the raw counts, which are
 * then kept as non-negative integers. A new provider or framework convention is one more source.
 */
import type { IngestAttributes, IngestSpan } from "../span";
import { first } from "./attribute-values";
import { F_USAGE } from "./attribute-flags";

/** Raw usage counts (keys in Langfuse's usage names) from one convention, or undefined if it has none. */
export type UsageSource = (span: IngestSpan, flags: number) => Record<string, unknown> | undefined;

function nonNegativeInts(o: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) out[k] = n;
  }
  return out;
}

const GENERIC_USAGE_ALIASES: [string, string[]][] = [
  ["input", ["prompt_tokens", "input_tokens", "prompt"]],
  ["output", ["completion_tokens", "output_tokens", "completion"]],
  ["total", ["total_tokens", "total"]],
  [
    "input_cached_tokens",
    ["cache_read.input_tokens", "cache_read_input_tokens", "cache_read_tokens", "details.cache_read_tokens", "details.cache_read_input_tokens", "prompt_details.cache_read", "input_cached_tokens"],
  ],
  [
    "input_cache_creation",
    ["cache_creation.input_tokens", "cache_creation_input_tokens", "cache_write_tokens", "details.cache_write_tokens", "details.cache_creation_input_tokens", "prompt_details.cache_write", "input_cache_creation"],
  ],
  ["output_reasoning_tokens", ["reasoning.output_tokens", "completion_details.reasoning"]],
  ["output_audio_tokens", ["completion_details.audio"]],
];

function genericUsage(a: IngestAttributes): Record<string, unknown> | undefined {
  const raw: Record<string, unknown> = {};
  let any = false;
  for (const k in a) {
    let rest: string | undefined;
    if (k.startsWith("gen_ai.usage.") && k !== "gen_ai.usage.cost") rest = k.slice(13);
    else if (k.startsWith("llm.token_count.")) rest = k.slice(16);
    if (rest === undefined) continue;
    raw[rest] = a[k];
    any = true;
  }
  if (!any) return undefined;
  const out: Record<string, unknown> = {};
  const used = new Set<string>();
  for (const [target, sources] of GENERIC_USAGE_ALIASES) {
    for (const s of sources)
      if (raw[s] !== undefined) {
        out[target] = raw[s];
        break;
      }
    for (const s of sources) used.add(s);
  }
  for (const [k, v] of Object.entries(raw)) if (!used.has(k)) out[k.startsWith("details.") ? k.slice(8) : k] = v;
  const num = (k: string) => (typeof out[k] === "number" ? (out[k] as number) : Number(out[k] ?? 0) || 0);
  if (out.input !== undefined) out.input = Math.max(num("input") - num("input_cached_tokens") - num("input_cache_creation"), 0);
  if (out.output !== undefined) out.output = Math.max(num("output") - num("output_reasoning_tokens") - num("output_audio_tokens"), 0);
  return out;
}

function vercelUsage(a: IngestAttributes): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const input = first(a, ["gen_ai.usage.prompt_tokens", "gen_ai.usage.input_tokens"]);
  const output = first(a, ["gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens"]);
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (a["ai.usage.tokens"] !== undefined) out.total = a["ai.usage.tokens"];
  if (a["ai.usage.cachedInputTokens"] !== undefined) out.input_cached_tokens = a["ai.usage.cachedInputTokens"];
  if (a["ai.usage.reasoningTokens"] !== undefined) out.output_reasoning_tokens = a["ai.usage.reasoningTokens"];
  if (!Object.keys(out).length) return undefined;
  if (typeof out.input === "number" && typeof out.input_cached_tokens === "number") out.input = Math.max(out.input - out.input_cached_tokens, 0);
  if (typeof out.output === "number" && typeof out.output_reasoning_tokens === "number")
    out.output = Math.max(out.output - out.output_reasoning_tokens, 0);
  return out;
}


/** The Vercel AI SDK's keys, on spans of its "ai" scope. */
const vercelAiSdk: UsageSource = (span) => (span.scope.name === "ai" ? vercelUsage(span.attributes) : undefined);
/** `gen_ai.usage.*` (OTel GenAI, OpenLLMetry) and `llm.token_count.*` (OpenInference). */
const prefixedTokenCounts: UsageSource = (span, flags) => (flags & F_USAGE ? genericUsage(span.attributes) : undefined);

/** Asked in order when the span has no (valid) Langfuse usage attribute; the first answer wins. */
export const USAGE_SOURCES: readonly UsageSource[] = [vercelAiSdk, prefixedTokenCounts];

/** The Langfuse attribute as counts, or undefined when absent or not valid JSON (then the sources apply). */
function langfuseUsage(a: IngestAttributes): Record<string, number> | undefined {
  const given = a["langfuse.observation.usage_details"];
  if (given === undefined || given === null) return undefined;
  if (typeof given !== "string") return typeof given === "object" && !Array.isArray(given) ? nonNegativeInts(given) : {};
  try {
    const p = JSON.parse(given) as unknown;
    return typeof p === "object" && p !== null && !Array.isArray(p) ? nonNegativeInts(p as Record<string, unknown>) : {};
  } catch {
    return undefined;
  }
}

export function extractUsage(span: IngestSpan, flags: number): Record<string, number> {
  const given = langfuseUsage(span.attributes);
  if (given) return given;
  for (const source of USAGE_SOURCES) {
    const raw = source(span, flags);
    if (raw) return nonNegativeInts(raw);
  }
  return {};
}

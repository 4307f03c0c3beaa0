/**
 * Provider usage objects → Langfuse usage keys (`input`, `output`, `total`,
 * `input_cached_tokens`, `output_reasoning_tokens`, ...), the keys the Langfuse price table is
 * written in. Used wherever usage enters: observation updates, the integrations and the
 * embedded store's ingest mapping, so a value is normalised the same way on every path.
 *
 * Rules follow the Langfuse server (packages/shared/src/server/ingestion/types.ts and the OTel
 * ingestion processor): detail counts are their own keys and are subtracted from the count
 * that includes them, so that summing the keys never counts a token twice.
 * - OpenAI chat completions: `prompt_tokens` minus every `prompt_tokens_details.<k>`
 *   (stored as `input_<k>`), `completion_tokens` minus every `completion_tokens_details.<k>`
 *   (`output_<k>`), `total_tokens` as `total`.
 * - OpenAI Responses API: the same with `input_tokens(_details)` / `output_tokens(_details)`.
 * - Anthropic Messages: `input_tokens` already excludes cache reads and writes, so it is kept
 *   as is; `cache_read_input_tokens` → `input_cached_tokens`, `cache_creation_input_tokens` →
 *   `input_cache_creation` (minus its `cache_creation.ephemeral_5m/1h` split, stored as
 *   `input_cache_creation_5m/_1h`); `total` is the sum.
 * - LangChain `usage_metadata`: `input_token_details.<k>` → `input_<k>` and
 *   `output_token_details.<k>` → `output_<k>`, subtracted (its counts include them).
 * - Vercel AI SDK / camelCase (`inputTokens`, `outputTokens`, `totalTokens`,
 *   `cachedInputTokens`, `reasoningTokens`) and Langfuse v2 (`promptTokens`, ...).
 * - Anything else: non-negative integer values (numeric strings too) kept under their own key.
 */

/** OpenAI chat-completions usage (`CompletionUsage`). */
export interface OpenAIChatUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; audio_tokens?: number | null } | null;
  completion_tokens_details?: {
    reasoning_tokens?: number | null;
    audio_tokens?: number | null;
    accepted_prediction_tokens?: number | null;
    rejected_prediction_tokens?: number | null;
  } | null;
}

/** OpenAI Responses API usage (`ResponseUsage`). */
export interface OpenAIResponsesUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  total_tokens?: number | null;
  input_tokens_details?: { cached_tokens?: number | null } | null;
  output_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** Anthropic Messages usage. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
}

/** LangChain `UsageMetadata` (`AIMessage.usage_metadata`). */
export interface LangChainUsageMetadata {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_token_details?: { audio?: number; cache_read?: number; cache_creation?: number };
  output_token_details?: { audio?: number; reasoning?: number };
}

/**
 * What `usageDetails` accepts: Langfuse keys (`{ input: 12, output: 40 }`) or a provider's
 * usage object as the provider SDK returns it (`response.usage`).
 */
export type UsageDetailsInput =
  | { readonly [key: string]: number }
  | OpenAIChatUsage
  | OpenAIResponsesUsage
  | AnthropicUsage
  | LangChainUsageMetadata;

type Raw = Record<string, unknown>;

/** A non-negative integer count, from a number or a numeric string; otherwise undefined. */
function count(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function isObject(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Adds `<prefix>_<key>` for every count in `details` and returns their sum (what the
 * including count must lose).
 */
function addDetails(out: Record<string, number>, prefix: string, details: unknown): number {
  if (!isObject(details)) return 0;
  let sum = 0;
  for (const key of Object.keys(details)) {
    const n = count(details[key]);
    if (n === undefined) continue;
    out[`${prefix}_${key}`] = n;
    sum += n;
  }
  return sum;
}

/** Keys a shape consumed; everything else in the object is kept raw when it is a count. */
function keepRest(out: Record<string, number>, raw: Raw, consumed: ReadonlySet<string>): void {
  for (const key of Object.keys(raw)) {
    if (consumed.has(key) || key in out) continue;
    const n = count(raw[key]);
    if (n !== undefined) out[key] = n;
  }
}

const OPENAI_CHAT_KEYS = new Set(["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"]);
const RESPONSES_KEYS = new Set(["input_tokens", "output_tokens", "total_tokens", "input_tokens_details", "output_tokens_details"]);
const LANGCHAIN_KEYS = new Set(["input_tokens", "output_tokens", "total_tokens", "input_token_details", "output_token_details"]);
const ANTHROPIC_KEYS = new Set([
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_creation_input_tokens",
  "cache_creation",
  "server_tool_use",
  "service_tier",
]);
const CAMEL_KEYS = new Set(["inputTokens", "outputTokens", "totalTokens", "cachedInputTokens", "reasoningTokens", "promptTokens", "completionTokens"]);

function withTotal(out: Record<string, number>, total: number | undefined): Record<string, number> {
  if (total !== undefined) out.total = total;
  else {
    let sum = 0;
    for (const k of Object.keys(out)) sum += out[k]!;
    out.total = sum;
  }
  return out;
}

function openAIChat(raw: Raw): Record<string, number> {
  const out: Record<string, number> = {};
  const prompt = count(raw.prompt_tokens);
  const completion = count(raw.completion_tokens);
  const inDetails = addDetails(out, "input", raw.prompt_tokens_details);
  const outDetails = addDetails(out, "output", raw.completion_tokens_details);
  if (prompt !== undefined) out.input = Math.max(prompt - inDetails, 0);
  if (completion !== undefined) out.output = Math.max(completion - outDetails, 0);
  keepRest(out, raw, OPENAI_CHAT_KEYS);
  return withTotal(out, count(raw.total_tokens));
}

function openAIResponses(raw: Raw): Record<string, number> {
  const out: Record<string, number> = {};
  const input = count(raw.input_tokens);
  const output = count(raw.output_tokens);
  const inDetails = addDetails(out, "input", raw.input_tokens_details);
  const outDetails = addDetails(out, "output", raw.output_tokens_details);
  if (input !== undefined) out.input = Math.max(input - inDetails, 0);
  if (output !== undefined) out.output = Math.max(output - outDetails, 0);
  keepRest(out, raw, RESPONSES_KEYS);
  return withTotal(out, count(raw.total_tokens));
}

function langChain(raw: Raw): Record<string, number> {
  const out: Record<string, number> = {};
  const input = count(raw.input_tokens);
  const output = count(raw.output_tokens);
  const inDetails = addDetails(out, "input", raw.input_token_details);
  const outDetails = addDetails(out, "output", raw.output_token_details);
  if (input !== undefined) out.input = Math.max(input - inDetails, 0);
  if (output !== undefined) out.output = Math.max(output - outDetails, 0);
  keepRest(out, raw, LANGCHAIN_KEYS);
  return withTotal(out, count(raw.total_tokens));
}

function anthropic(raw: Raw): Record<string, number> {
  const out: Record<string, number> = {};
  const input = count(raw.input_tokens);
  const output = count(raw.output_tokens);
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  const read = count(raw.cache_read_input_tokens);
  if (read !== undefined) out.input_cached_tokens = read;
  let creation = count(raw.cache_creation_input_tokens);
  if (isObject(raw.cache_creation)) {
    const m5 = count(raw.cache_creation.ephemeral_5m_input_tokens);
    const h1 = count(raw.cache_creation.ephemeral_1h_input_tokens);
    if (m5 !== undefined) out.input_cache_creation_5m = m5;
    if (h1 !== undefined) out.input_cache_creation_1h = h1;
    if (creation !== undefined) creation = Math.max(creation - (m5 ?? 0) - (h1 ?? 0), 0);
  }
  if (creation !== undefined) out.input_cache_creation = creation;
  keepRest(out, raw, ANTHROPIC_KEYS);
  return withTotal(out, undefined);
}

function camelCase(raw: Raw): Record<string, number> {
  const out: Record<string, number> = {};
  const input = count(raw.inputTokens) ?? count(raw.promptTokens);
  const output = count(raw.outputTokens) ?? count(raw.completionTokens);
  const cached = count(raw.cachedInputTokens);
  const reasoning = count(raw.reasoningTokens);
  if (cached !== undefined) out.input_cached_tokens = cached;
  if (reasoning !== undefined) out.output_reasoning_tokens = reasoning;
  if (input !== undefined) out.input = Math.max(input - (cached ?? 0), 0);
  if (output !== undefined) out.output = Math.max(output - (reasoning ?? 0), 0);
  keepRest(out, raw, CAMEL_KEYS);
  const total = count(raw.totalTokens);
  if (total !== undefined) out.total = total;
  return out;
}

/** Langfuse keys (or unknown ones): the counts as they are; no total is invented. */
function plain(raw: Raw): Record<string, number> {
  const out: Record<string, number> = {};
  keepRest(out, raw, new Set());
  return out;
}

/**
 * Normalises one usage value to Langfuse usage keys. Returns undefined for anything that is
 * not an object or holds no count. Never throws.
 */
export function normalizeUsage(raw: unknown): Record<string, number> | undefined {
  if (!isObject(raw)) return undefined;
  let out: Record<string, number>;
  if ("prompt_tokens" in raw || "completion_tokens" in raw || "prompt_tokens_details" in raw || "completion_tokens_details" in raw) {
    out = openAIChat(raw);
  } else if ("input_tokens_details" in raw || "output_tokens_details" in raw) {
    out = openAIResponses(raw);
  } else if ("input_token_details" in raw || "output_token_details" in raw) {
    out = langChain(raw);
  } else if ("input_tokens" in raw || "output_tokens" in raw || "cache_read_input_tokens" in raw || "cache_creation_input_tokens" in raw) {
    // Without any details object: Anthropic (no total_tokens; input excludes the cache) or a
    // bare `{input_tokens, output_tokens, total_tokens}` (Responses / LangChain without details,
    // where there is nothing to subtract).
    out = "total_tokens" in raw && !("cache_read_input_tokens" in raw) && !("cache_creation_input_tokens" in raw) ? openAIResponses(raw) : anthropic(raw);
  } else if ("inputTokens" in raw || "outputTokens" in raw || "promptTokens" in raw || "completionTokens" in raw) {
    out = camelCase(raw);
  } else {
    out = plain(raw);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

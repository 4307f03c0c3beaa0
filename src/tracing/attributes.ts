import { SpanStatusCode, type Span } from "@opentelemetry/api";
import { normalizeUsage, type UsageDetailsInput } from "../api/usage";
import { Attr, type ObservationLevel } from "./constants";
import { serializeValue } from "./serialize";

/** A prompt version to link a generation to. Fallback prompts are never linked. */
export interface PromptLink {
  name: string;
  version: number;
  isFallback?: boolean;
}

/** Fields every observation type accepts. */
export interface LangfuseSpanAttributes {
  input?: unknown;
  output?: unknown;
  /** A plain object is flattened to `langfuse.observation.metadata.<key>` (non-strings as JSON). */
  metadata?: unknown;
  level?: ObservationLevel;
  statusMessage?: string;
  version?: string;
  environment?: string;
}

/** Extra fields of generation-like types (generation, embedding). */
export interface LangfuseGenerationAttributes extends LangfuseSpanAttributes {
  model?: string;
  modelParameters?: Record<string, string | number | boolean | null | undefined>;
  /**
   * Token counts in Langfuse keys (`{ input, output, total, input_cached_tokens, ... }`) or a
   * provider's usage object as returned (OpenAI chat or Responses, Anthropic, LangChain, AI
   * SDK): normalised to Langfuse keys before export, details subtracted, never double counted.
   */
  usageDetails?: UsageDetailsInput;
  costDetails?: Record<string, number>;
  completionStartTime?: Date;
  prompt?: PromptLink;
}

export type LangfuseEventAttributes = LangfuseSpanAttributes;

/** Trace-level fields an observation can set on its trace (via its own span's attributes). */
export interface LangfuseTraceAttributes {
  name?: string;
  userId?: string;
  sessionId?: string;
  version?: string;
  input?: unknown;
  output?: unknown;
  metadata?: unknown;
  tags?: string[];
  public?: boolean;
}

function setSerialized(span: Span, key: string, value: unknown, maxChars: number): void {
  const s = serializeValue(value, maxChars);
  if (s !== undefined) span.setAttribute(key, s);
}

/** Flattens one level of metadata: `<prefix>.<key>` per own key, strings raw, others JSON. */
export function setMetadata(span: Span, prefix: string, metadata: unknown, maxChars: number): void {
  if (metadata === undefined || metadata === null) return;
  if (typeof metadata !== "object" || Array.isArray(metadata) || metadata instanceof Map || metadata instanceof Set) {
    setSerialized(span, prefix, metadata, maxChars);
    return;
  }
  for (const key of Object.keys(metadata)) {
    const v = (metadata as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    setSerialized(span, `${prefix}.${key}`, v, maxChars);
  }
}

/**
 * Writes observation fields as span attributes with direct setAttribute calls (no temporary
 * objects: this runs on every traced call). Generation fields are written when present; the
 * typed API only offers them on generation-like observations.
 */
export function setObservationAttributes(span: Span, a: LangfuseGenerationAttributes, maxChars: number): void {
  if (a.input !== undefined) setSerialized(span, Attr.OBSERVATION_INPUT, a.input, maxChars);
  if (a.output !== undefined) setSerialized(span, Attr.OBSERVATION_OUTPUT, a.output, maxChars);
  if (a.metadata !== undefined) setMetadata(span, Attr.OBSERVATION_METADATA, a.metadata, maxChars);
  if (a.level !== undefined) {
    span.setAttribute(Attr.OBSERVATION_LEVEL, a.level);
    // ERROR is also an OTel error so generic OTel back-ends see it (Python SDK behaviour).
    if (a.level === "ERROR") span.setStatus({ code: SpanStatusCode.ERROR, message: a.statusMessage });
  }
  if (a.statusMessage !== undefined) span.setAttribute(Attr.OBSERVATION_STATUS_MESSAGE, String(a.statusMessage));
  if (a.version !== undefined) span.setAttribute(Attr.VERSION, String(a.version));
  if (a.environment !== undefined) span.setAttribute(Attr.ENVIRONMENT, String(a.environment));
  if (a.model !== undefined) span.setAttribute(Attr.OBSERVATION_MODEL, String(a.model));
  if (a.modelParameters !== undefined) setSerialized(span, Attr.OBSERVATION_MODEL_PARAMETERS, a.modelParameters, maxChars);
  if (a.usageDetails !== undefined) {
    const usage = normalizeUsage(a.usageDetails);
    if (usage) span.setAttribute(Attr.OBSERVATION_USAGE_DETAILS, JSON.stringify(usage));
  }
  if (a.costDetails !== undefined) setSerialized(span, Attr.OBSERVATION_COST_DETAILS, a.costDetails, maxChars);
  if (a.completionStartTime !== undefined) {
    // The wire form is a JSON string of the date, quotes included, as the official SDKs send it.
    const d = a.completionStartTime instanceof Date ? a.completionStartTime : new Date(a.completionStartTime as never);
    if (!Number.isNaN(d.getTime())) span.setAttribute(Attr.OBSERVATION_COMPLETION_START_TIME, JSON.stringify(d.toISOString()));
  }
  const p = a.prompt;
  if (p && !p.isFallback && typeof p.name === "string" && p.name !== "") {
    const version = typeof p.version === "number" ? p.version : Number(p.version);
    if (Number.isInteger(version)) {
      span.setAttribute(Attr.OBSERVATION_PROMPT_NAME, p.name);
      span.setAttribute(Attr.OBSERVATION_PROMPT_VERSION, version);
    }
  }
}

export function setTraceAttributes(span: Span, a: LangfuseTraceAttributes, maxChars: number): void {
  if (a.name !== undefined) span.setAttribute(Attr.TRACE_NAME, String(a.name));
  if (a.userId !== undefined) span.setAttribute(Attr.TRACE_USER_ID, String(a.userId));
  if (a.sessionId !== undefined) span.setAttribute(Attr.TRACE_SESSION_ID, String(a.sessionId));
  if (a.version !== undefined) span.setAttribute(Attr.VERSION, String(a.version));
  if (a.input !== undefined) setSerialized(span, Attr.TRACE_INPUT, a.input, maxChars);
  if (a.output !== undefined) setSerialized(span, Attr.TRACE_OUTPUT, a.output, maxChars);
  if (a.metadata !== undefined) setMetadata(span, Attr.TRACE_METADATA, a.metadata, maxChars);
  if (Array.isArray(a.tags)) span.setAttribute(Attr.TRACE_TAGS, a.tags.filter((t) => typeof t === "string"));
  if (a.public !== undefined) span.setAttribute(Attr.TRACE_PUBLIC, Boolean(a.public));
}

/**
 * Metadata (reference/langfuse-server-api.md §8.6): the user's metadata keys, the span's
 * unconsumed ("foreign") attributes, and the resource/scope part shared by a resource's spans.
 */
import type { IngestAttributes, IngestSpan } from "../span";
import { parseJsonObject } from "./attribute-values";
import { F_AI_META, F_OBS_META, F_TRACE_META } from "./attribute-flags";

/** Attribute keys some mapping step reads; the others land in `metadata.attributes`. */
const CONSUMED_EXACT = new Set([
  "langfuse.observation.input",
  "langfuse.observation.output",
  "langfuse.trace.input",
  "langfuse.trace.output",
  "ai.prompt.messages",
  "ai.prompt",
  "ai.toolCall.args",
  "ai.response.text",
  "ai.result.text",
  "ai.toolCall.result",
  "ai.response.object",
  "ai.result.object",
  "ai.response.toolCalls",
  "ai.result.toolCalls",
  "mlflow.spanInputs",
  "mlflow.spanOutputs",
  "traceloop.entity.input",
  "traceloop.entity.output",
  "input.value",
  "output.value",
  "input",
  "output",
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.system_instructions",
  "gen_ai.tool.call.arguments",
  "gen_ai.tool.call.result",
  "langfuse.metadata",
]);
const CONSUMED_PREFIXES = [
  "langfuse.trace.metadata",
  "langfuse.observation.metadata",
  "langfuse.metadata.",
  "ai.telemetry.metadata",
  "gen_ai.prompt",
  "gen_ai.completion",
  "llm.input_messages",
  "llm.output_messages",
  "langfuse.experiment.",
];

function isConsumed(key: string): boolean {
  if (CONSUMED_EXACT.has(key)) return true;
  for (const p of CONSUMED_PREFIXES) if (key.startsWith(p)) return true;
  return false;
}

const AI_METADATA_EXCLUDED = new Set(["userId", "sessionId", "tags", "langfusePrompt"]);

/** `{...attrs[prefix] object, ...flattened keys}`: flattened keys are not nested back ("a.b" stays). */
export function extractMetadata(attrs: IngestAttributes, domain: "observation" | "trace"): Record<string, unknown> {
  const prefix = domain === "observation" ? "langfuse.observation.metadata" : "langfuse.trace.metadata";
  const top = parseJsonObject(attrs[prefix]) ?? parseJsonObject(attrs["langfuse.metadata"]);
  const out: Record<string, unknown> = top ? { ...top } : {};
  const p1 = prefix + ".";
  for (const k in attrs) {
    let rest: string | undefined;
    if (k.startsWith(p1)) rest = k.slice(p1.length);
    else if (k.startsWith("langfuse.metadata.")) rest = k.slice(18);
    else if (k.startsWith("ai.telemetry.metadata.")) {
      rest = k.slice(22);
      if (AI_METADATA_EXCLUDED.has(rest)) continue;
    }
    if (rest !== undefined && attrs[k] !== undefined) out[rest] = attrs[k];
  }
  return out;
}

const resourceTraceMetaCache = new WeakMap<object, Record<string, unknown>>();
function resourceTraceMetadata(resource: IngestAttributes): Record<string, unknown> {
  let m = resourceTraceMetaCache.get(resource);
  if (!m) {
    m = extractMetadata(resource, "trace");
    resourceTraceMetaCache.set(resource, m);
  }
  return m;
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

// Resource/scope parts of metadata are identical for all spans of one resource: cache by identity.
const resourceJsonCache = new WeakMap<object, string>();
function cachedJson(o: object): string {
  let s = resourceJsonCache.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    resourceJsonCache.set(o, s);
  }
  return s;
}

/** `{...user, attributes?}` as JSON. */
export function metadataJson(user: Record<string, unknown>, attributes: Record<string, unknown> | undefined): string {
  if (!attributes) return JSON.stringify(user);
  return JSON.stringify({ ...user, attributes });
}

/** `{"resourceAttributes":…,"scope":…}`, cached per (resource, scope) pair of objects. */
const resourcePairCache = new WeakMap<object, WeakMap<object, string>>();
export function resourceJson(span: IngestSpan): string {
  let byScope = resourcePairCache.get(span.resource);
  if (!byScope) {
    byScope = new WeakMap();
    resourcePairCache.set(span.resource, byScope);
  }
  let s = byScope.get(span.scope);
  if (s === undefined) {
    s = `{"resourceAttributes":${cachedJson(span.resource)},"scope":${cachedJson(span.scope)}}`;
    byScope.set(span.scope, s);
  }
  return s;
}

function foreignAttributes(a: IngestAttributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in a) {
    if (isConsumed(k)) continue;
    const v = a[k];
    if (v === undefined) continue;
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}


/** The metadata parts of one span. */
export interface SpanMetadata {
  /** Trace metadata carried by the resource (shared by all its spans). */
  resourceTrace: Record<string, unknown>;
  /** The span's own trace-metadata keys. */
  trace: Record<string, unknown>;
  /** The span's own observation-metadata keys. */
  observation: Record<string, unknown>;
  /** The unconsumed attributes; undefined for spans of the Langfuse SDKs, whose keys are all known. */
  attributes: Record<string, unknown> | undefined;
  /** What the observation's `metadata` column holds besides `attributes`. */
  observationUser: Record<string, unknown>;
}

export function spanMetadata(span: IngestSpan, flags: number): SpanMetadata {
  const a = span.attributes;
  const resourceTrace = resourceTraceMetadata(span.resource);
  const trace = flags & (F_TRACE_META | F_AI_META) ? extractMetadata(a, "trace") : EMPTY;
  const observation = flags & (F_OBS_META | F_AI_META) ? extractMetadata(a, "observation") : EMPTY;
  const attributes = span.scope.name.startsWith("langfuse-sdk") ? undefined : foreignAttributes(a);
  const observationUser = Object.keys(resourceTrace).length ? { ...resourceTrace, ...observation } : observation;
  return { resourceTrace, trace, observation, attributes, observationUser };
}

/** Scalar observation fields (reference/langfuse-server-api.md §8.4): name, level, environment, model, prompt link, times. */
import type { ObservationLevel } from "../../../api/types";
import { normalizeEnvironment } from "../../api/common";
import type { IngestAttributes, IngestSpan } from "../span";
import { first, parseJsonObject, str, type V } from "./attribute-values";
import { isoOf } from "./iso-time";

const LEVEL_ALIASES: Record<string, ObservationLevel> = {
  DEBUG: "DEBUG",
  TRACE: "DEBUG",
  VERBOSE: "DEBUG",
  DEFAULT: "DEFAULT",
  INFO: "DEFAULT",
  LOG: "DEFAULT",
  NOTICE: "DEFAULT",
  OK: "DEFAULT",
  SUCCESS: "DEFAULT",
  WARNING: "WARNING",
  WARN: "WARNING",
  ERROR: "ERROR",
  FATAL: "ERROR",
  CRITICAL: "ERROR",
};

const NAME_KEYS = ["gen_ai.tool.name", "genkit:name", "logfire.msg", "ai.toolCall.name"];

export function observationName(span: IngestSpan, foreign: boolean): string {
  if (!foreign) return span.name;
  const a = span.attributes;
  const n = str(first(a, NAME_KEYS));
  if (n) return n;
  const opId = str(a["ai.operationId"]);
  if (opId) {
    const fn = str(a["ai.telemetry.functionId"]);
    return fn ? `${fn}:${opId}` : opId;
  }
  return span.name;
}

export function level(span: IngestSpan): ObservationLevel {
  const l = span.attributes["langfuse.observation.level"];
  if (typeof l === "string" && LEVEL_ALIASES[l.toUpperCase()]) return LEVEL_ALIASES[l.toUpperCase()]!;
  return span.status?.code === 2 ? "ERROR" : "DEFAULT";
}

const ENVIRONMENT_KEYS = ["langfuse.environment", "deployment.environment.name", "deployment.environment"];

export function environment(span: IngestSpan, foreign: boolean): { value: string; explicit: boolean } {
  for (const k of ENVIRONMENT_KEYS) {
    const v = (foreign || k === "langfuse.environment" ? str(span.attributes[k]) : undefined) ?? str(span.resource[k]);
    if (v) return { value: normalizeEnvironment(v), explicit: true };
  }
  return { value: "default", explicit: false };
}

const AI_AGENT_OPS = new Set(["invoke_agent", "agent_step"]);
/**
 * The Vercel AI SDK's tracer names: "ai" (ai 5/6 built-in telemetry, and ai 7 with
 * @ai-sdk/otel's LegacyOpenTelemetry) and "gen_ai" (ai 7 with @ai-sdk/otel's OpenTelemetry,
 * GenAI semantic conventions).
 */
const AI_SDK_SCOPES = new Set(["ai", "gen_ai"]);

/**
 * A Vercel AI SDK agent invocation or step: not a model call (its usage is the sum of its
 * model calls'), so it has no model, usage or cost of its own.
 */
export function isAiSdkAgentStep(span: IngestSpan): boolean {
  const op = span.attributes["gen_ai.operation.name"];
  return typeof op === "string" && AI_AGENT_OPS.has(op) && AI_SDK_SCOPES.has(span.scope.name);
}

/**
 * The Vercel AI SDK's call spans (`ai.generateText`, `ai.streamText`, ...) repeat the summed
 * usage of their model-call children (`doGenerate`, `doStream`, `doEmbed`): counting it there
 * too would double the trace's tokens and cost, so they carry none of their own.
 */
const AI_SDK_AGGREGATE_OPS = new Set(["ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject", "ai.embed", "ai.embedMany"]);
export function isAiSdkAggregate(span: IngestSpan): boolean {
  if (span.scope.name !== "ai") return false;
  const op = span.attributes["ai.operationId"];
  return typeof op === "string" && AI_SDK_AGGREGATE_OPS.has(op);
}

const MODEL_KEYS = [
  "langfuse.observation.model.name",
  "gen_ai.response.model",
  "ai.model.id",
  "gen_ai.request.model",
  "llm.response.model",
  "llm.model_name",
  "embedding.model_name",
  "model",
];

export function model(span: IngestSpan, foreign: boolean): string | undefined {
  const a = span.attributes;
  if (!foreign) return str(a["langfuse.observation.model.name"]);
  if (isAiSdkAgentStep(span)) return undefined;
  const m = str(first(a, MODEL_KEYS));
  if (m) return m;
  if (a["genkit:metadata:subtype"] === "model") return str(a["genkit:name"]);
  return undefined;
}

function paramValues(o: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === "string" || typeof v === "number" ? v : JSON.stringify(v);
  }
  return out;
}

const MODEL_PARAMETER_KEYS = ["langfuse.observation.model.parameters", "llm.invocation_parameters", "model_config"];

export function modelParameters(a: IngestAttributes, hasPrefixedKeys: boolean, foreign: boolean): Record<string, string | number> | undefined {
  for (const k of MODEL_PARAMETER_KEYS) {
    if (!foreign && k !== "langfuse.observation.model.parameters") break;
    const o = parseJsonObject(a[k]);
    if (o) return paramValues(o);
  }
  if (!hasPrefixedKeys) return undefined;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const k in a) {
    const prefix = k.startsWith("gen_ai.request.") ? 15 : k.startsWith("llm.invocation_parameters.") ? 26 : 0;
    if (!prefix) continue;
    const key = k.slice(prefix);
    if (key === "model") continue;
    out[key] = a[k];
    any = true;
  }
  return any ? paramValues(out) : undefined;
}

const FIRST_CHUNK_KEYS = ["ai.response.msToFirstChunk", "ai.stream.msToFirstChunk"];
/** GenAI semantic conventions (ai 7's @ai-sdk/otel sets it on the model-call span): seconds. */
const FIRST_CHUNK_SECONDS_KEY = "gen_ai.client.operation.time_to_first_chunk";
const PROMPT_NAME_KEYS = ["langfuse.observation.prompt.name", "langfuse.prompt.name"];
const PROMPT_VERSION_KEYS = ["langfuse.observation.prompt.version", "langfuse.prompt.version"];

/** `foreign` false: the span has only Langfuse keys, so the `ai.*` fallback cannot apply. */
export function completionStartTime(span: IngestSpan, foreign: boolean): string | null {
  const a = span.attributes;
  let v = a["langfuse.observation.completion_start_time"];
  if (typeof v === "string" && v.startsWith('"')) {
    try {
      v = JSON.parse(v) as string;
    } catch {
      // keep as is
    }
  }
  if (typeof v === "string" || typeof v === "number") {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  if (!foreign) return null;
  const ms = first(a, FIRST_CHUNK_KEYS);
  if (typeof ms === "number" && Number.isFinite(ms)) return isoOf(span.startTimeMs + ms);
  const s = a[FIRST_CHUNK_SECONDS_KEY];
  if (typeof s === "number" && Number.isFinite(s)) return isoOf(span.startTimeMs + s * 1000);
  return null;
}

export const NO_PROMPT: { name: null; version: null } = Object.freeze({ name: null, version: null });

export function promptLink(a: IngestAttributes, foreign: boolean): { name: string | null; version: number | null } {
  let name = str(first(a, PROMPT_NAME_KEYS));
  let version: V = first(a, PROMPT_VERSION_KEYS);
  if (!name) {
    if (!foreign) return NO_PROMPT;
    const p = parseJsonObject(a["ai.telemetry.metadata.langfusePrompt"]);
    if (p && typeof p.name === "string") {
      name = p.name;
      version = p.version as V;
    }
  }
  const v = typeof version === "number" ? version : typeof version === "string" ? Number.parseInt(version, 10) : NaN;
  return name && Number.isInteger(v) ? { name, version: v } : { name: null, version: null };
}

export function version(span: IngestSpan): string | undefined {
  return str(span.attributes["langfuse.version"]) ?? str(span.resource["service.version"]);
}

export function release(span: IngestSpan): string | undefined {
  return str(span.attributes["langfuse.release"]) ?? str(span.resource["langfuse.release"]);
}

export function statusMessage(span: IngestSpan): string | null {
  return str(span.attributes["langfuse.observation.status_message"]) ?? (span.status?.message || null);
}

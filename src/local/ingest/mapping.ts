/**
 * OTel span → Langfuse observation + trace update, following the server's mapping
 * (reference/langfuse-server-api.md §8 and the cost rules of §9). Pure: no database access.
 *
 * Covered sources: the Langfuse attribute keys (all of §8.1), OpenInference span kinds and
 * `llm.*` keys, the generic `gen_ai.*` conventions, the Vercel AI SDK (`ai.*`) basics,
 * Traceloop/MLflow/`input.value` IO, Genkit subtypes, Flue and LiveKit type hints.
 */
import type { ObservationLevel, ObservationType } from "../../api/types";
import { normalizeEnvironment } from "../api/common";
import { computeCost } from "./prices";
import type { IngestAttributes, IngestAttributeValue, IngestSpan } from "./span";

export interface ObservationRecord {
  id: string;
  traceId: string;
  parentObservationId: string | null;
  type: ObservationType;
  name: string;
  environment: string;
  startTime: string;
  endTime: string | null;
  completionStartTime: string | null;
  version: string | null;
  input: string | null;
  output: string | null;
  /** JSON object text of the span's own metadata (user keys, foreign attributes). */
  metadata: string;
  /** JSON object text `{"resourceAttributes":…,"scope":…}`, merged over `metadata` on read. */
  resourceJson: string;
  level: ObservationLevel;
  statusMessage: string | null;
  model: string | null;
  modelParameters: string | null;
  usageDetails: Record<string, number>;
  costDetails: Record<string, number>;
  totalCost: number | null;
  promptName: string | null;
  promptVersion: number | null;
  experiment: string | null;
}

export interface TraceUpdate {
  id: string;
  timestamp: string;
  /** A root span: its start is the trace timestamp; its name and IO are the fallbacks. */
  isRoot: boolean;
  name?: string;
  nameExplicit: boolean;
  userId?: string;
  sessionId?: string;
  release?: string;
  version?: string;
  environment: string;
  /** Whether `environment` came from an attribute rather than the default. */
  environmentExplicit: boolean;
  public?: boolean;
  tags?: string[];
  input?: string;
  inputExplicit: boolean;
  output?: string;
  outputExplicit: boolean;
  metadata?: Record<string, unknown>;
}

export interface MappedSpan {
  observation: ObservationRecord;
  trace: TraceUpdate;
}

// ---------------------------------------------------------------- small helpers

type V = IngestAttributeValue | undefined;
const isSet = (v: V): v is IngestAttributeValue => v !== undefined && v !== null && v !== "";
const str = (v: V): string | undefined => (isSet(v) ? (typeof v === "string" ? v : JSON.stringify(v)) : undefined);
function first(a: IngestAttributes, keys: readonly string[]): V {
  for (const k of keys) if (isSet(a[k])) return a[k];
  return undefined;
}

/** Keys our own SDK writes; spans carrying only these skip every foreign-convention lookup. */
const isLangfuseKey = (k: string) => k.startsWith("langfuse.") || k === "user.id" || k === "session.id";
const langfuseSubsets = new WeakMap<readonly string[], readonly string[]>();
/** `first`, restricted to Langfuse keys when the span has no foreign ones (`foreign` false). */
function firstOf(a: IngestAttributes, keys: readonly string[], foreign: boolean): V {
  if (foreign) return first(a, keys);
  let subset = langfuseSubsets.get(keys);
  if (!subset) {
    subset = keys.filter(isLangfuseKey);
    langfuseSubsets.set(keys, subset);
  }
  return first(a, subset);
}
/** IO and JSON-carrying values are stored as text: strings raw, everything else JSON. */
const ioText = (v: V): string | undefined => (v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v));
function parseJsonObject(v: V): Record<string, unknown> | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v !== "string") return null;
  try {
    const p = JSON.parse(v) as unknown;
    return typeof p === "object" && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
/**
 * ISO-8601 with milliseconds. `Date#toISOString` dominated mapping profiles; spans of a batch
 * mostly share their second, so the "YYYY-MM-DDTHH:MM:SS." prefix is cached.
 */
let isoSecond = NaN;
let isoPrefix = "";
function isoOf(msFloat: number): string {
  const ms = Math.floor(msFloat);
  if (!(ms >= 0 && ms < 253402300800000)) return new Date(ms).toISOString();
  const sec = Math.floor(ms / 1000);
  if (sec !== isoSecond) {
    isoSecond = sec;
    isoPrefix = new Date(sec * 1000).toISOString().slice(0, 20);
  }
  const r = ms - sec * 1000;
  return isoPrefix + (r < 10 ? "00" : r < 100 ? "0" : "") + r + "Z";
}

// ---------------------------------------------------------------- observation type (§8.2)

const LANGFUSE_TYPES: Record<string, ObservationType> = {
  span: "SPAN",
  generation: "GENERATION",
  event: "EVENT",
  embedding: "EMBEDDING",
  agent: "AGENT",
  tool: "TOOL",
  chain: "CHAIN",
  retriever: "RETRIEVER",
  guardrail: "GUARDRAIL",
  evaluator: "EVALUATOR",
};
const OPENINFERENCE_TYPES: Record<string, ObservationType> = {
  CHAIN: "CHAIN",
  RETRIEVER: "RETRIEVER",
  LLM: "GENERATION",
  EMBEDDING: "EMBEDDING",
  AGENT: "AGENT",
  TOOL: "TOOL",
  GUARDRAIL: "GUARDRAIL",
  EVALUATOR: "EVALUATOR",
};
const GEN_AI_OPERATION_TYPES: Record<string, ObservationType> = {
  chat: "GENERATION",
  completion: "GENERATION",
  text_completion: "GENERATION",
  generate_content: "GENERATION",
  generate: "GENERATION",
  embeddings: "EMBEDDING",
  invoke_agent: "AGENT",
  create_agent: "AGENT",
  execute_tool: "TOOL",
};
const GENKIT_TYPES: Record<string, ObservationType> = {
  model: "GENERATION",
  "background-model": "GENERATION",
  embedder: "EMBEDDING",
  tool: "TOOL",
  "tool.v2": "TOOL",
  retriever: "RETRIEVER",
  evaluator: "EVALUATOR",
};
const VERCEL_MODEL_OPS: Record<string, ObservationType> = {
  "ai.generateText.doGenerate": "GENERATION",
  "ai.streamText.doStream": "GENERATION",
  "ai.generateObject.doGenerate": "GENERATION",
  "ai.streamObject.doStream": "GENERATION",
  "ai.embedMany.doEmbed": "EMBEDDING",
  "ai.embed.doEmbed": "EMBEDDING",
};
const GENERATION_KEYS = [
  "langfuse.observation.model.name",
  "langfuse.observation.cost_details",
  "langfuse.observation.usage_details",
  "langfuse.observation.completion_start_time",
  "langfuse.observation.model.parameters",
  "langfuse.observation.prompt.name",
  "langfuse.observation.prompt.version",
];
const MODEL_INFO_KEYS = ["langfuse.observation.model.name", "ai.model.id", "gen_ai.request.model", "gen_ai.response.model"];
const MODEL_FALLBACK_KEYS = ["langfuse.observation.model.name", "gen_ai.request.model", "gen_ai.response.model", "llm.model_name", "model"];

function versionAtMost(version: string | undefined, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? "");
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a < major || (a === major && b <= minor);
}

export function resolveObservationType(span: IngestSpan, flags: number = scanFlags(span.attributes)): ObservationType {
  const a = span.attributes;
  const lfType = a["langfuse.observation.type"];
  // Priority 0: Python SDK ≤ 3.3 sent generations as "span" with generation attributes.
  if (
    lfType === "span" &&
    span.scope.name === "langfuse-sdk" &&
    span.resource["telemetry.sdk.language"] === "python" &&
    versionAtMost(span.scope.version, 3, 3) &&
    GENERATION_KEYS.some((k) => isSet(a[k]))
  )
    return "GENERATION";
  if (typeof lfType === "string" && LANGFUSE_TYPES[lfType]) return LANGFUSE_TYPES[lfType]!;
  if (!(flags & F_FOREIGN)) {
    if (span.scope.name === "livekit-agents") {
      if (span.name === "agent_turn" || span.name === "start_agent_activity") return "AGENT";
      if (span.name === "function_tool") return "TOOL";
    }
    return isSet(a["langfuse.observation.model.name"]) ? "GENERATION" : "SPAN";
  }
  const oi = a["openinference.span.kind"];
  if (typeof oi === "string" && OPENINFERENCE_TYPES[oi.toUpperCase()]) return OPENINFERENCE_TYPES[oi.toUpperCase()]!;
  const op = a["gen_ai.operation.name"];
  if (typeof op === "string" && GEN_AI_OPERATION_TYPES[op]) return GEN_AI_OPERATION_TYPES[op]!;
  const gk = a["genkit:metadata:subtype"];
  if (typeof gk === "string" && GENKIT_TYPES[gk]) return GENKIT_TYPES[gk]!;
  const aiOp = str(a["operation.name"]) ?? str(a["ai.operationId"]);
  if (aiOp) {
    const base = aiOp.split(" ")[0]!;
    if (MODEL_INFO_KEYS.some((k) => isSet(a[k])) && VERCEL_MODEL_OPS[base]) return VERCEL_MODEL_OPS[base]!;
    if (base === "ai.toolCall") return "TOOL";
  }
  if (isSet(a["gen_ai.tool.name"]) || isSet(a["gen_ai.tool.call.id"])) return "TOOL";
  if (isSet(a["flue.tool.name"]) || isSet(a["flue.tool.call_id"])) return "TOOL";
  if (isSet(a["flue.task.id"]) || isSet(a["flue.task.agent"])) return "AGENT";
  if (span.scope.name === "livekit-agents") {
    if (span.name === "agent_turn" || span.name === "start_agent_activity") return "AGENT";
    if (span.name === "function_tool") return "TOOL";
  }
  if (MODEL_FALLBACK_KEYS.some((k) => isSet(a[k]))) return "GENERATION";
  return "SPAN";
}

// ---------------------------------------------------------------- scalar fields (§8.4)

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

function observationName(span: IngestSpan, foreign: boolean): string {
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

function level(span: IngestSpan): ObservationLevel {
  const l = span.attributes["langfuse.observation.level"];
  if (typeof l === "string" && LEVEL_ALIASES[l.toUpperCase()]) return LEVEL_ALIASES[l.toUpperCase()]!;
  return span.status?.code === 2 ? "ERROR" : "DEFAULT";
}

const ENVIRONMENT_KEYS = ["langfuse.environment", "deployment.environment.name", "deployment.environment"];

function environment(span: IngestSpan, foreign: boolean): { value: string; explicit: boolean } {
  for (const k of ENVIRONMENT_KEYS) {
    const v = (foreign || k === "langfuse.environment" ? str(span.attributes[k]) : undefined) ?? str(span.resource[k]);
    if (v) return { value: normalizeEnvironment(v), explicit: true };
  }
  return { value: "default", explicit: false };
}

function parseTags(v: V): string[] | undefined {
  if (!isSet(v)) return undefined;
  if (Array.isArray(v)) return v.map((t) => (typeof t === "string" ? t : JSON.stringify(t)));
  if (typeof v !== "string") return [JSON.stringify(v)];
  const s = v.trim();
  if (s.startsWith("[")) {
    try {
      const p = JSON.parse(s) as unknown;
      if (Array.isArray(p)) return p.map((t) => (typeof t === "string" ? t : JSON.stringify(t)));
    } catch {
      // not JSON: fall through to the comma-separated form
    }
  }
  return s.includes(",") ? s.split(",").map((t) => t.trim()).filter(Boolean) : [s];
}

const AI_AGENT_OPS = new Set(["invoke_agent", "agent_step"]);

const MODEL_KEYS = [
  "langfuse.observation.model.name",
  "gen_ai.response.model",
  "ai.model.id",
  "gen_ai.request.model",
  "llm.response.model",
  "llm.model_name",
  "model",
];

function model(span: IngestSpan, foreign: boolean): string | undefined {
  const a = span.attributes;
  if (!foreign) return str(a["langfuse.observation.model.name"]);
  if (typeof a["gen_ai.operation.name"] === "string" && AI_AGENT_OPS.has(a["gen_ai.operation.name"]) && span.scope.name === "ai") return undefined;
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

function modelParameters(a: IngestAttributes, hasPrefixedKeys: boolean, foreign: boolean): Record<string, string | number> | undefined {
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
const PROMPT_NAME_KEYS = ["langfuse.observation.prompt.name", "langfuse.prompt.name"];
const PROMPT_VERSION_KEYS = ["langfuse.observation.prompt.version", "langfuse.prompt.version"];
const COST_TOTAL_KEYS = ["gen_ai.usage.cost", "llm.cost.total"];

/** `foreign` false: the span has only Langfuse keys, so the `ai.*` fallback cannot apply. */
function completionStartTime(span: IngestSpan, foreign: boolean): string | null {
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
  return null;
}

const NO_PROMPT: { name: null; version: null } = Object.freeze({ name: null, version: null });

function promptLink(a: IngestAttributes, foreign: boolean): { name: string | null; version: number | null } {
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

// ---------------------------------------------------------------- IO (§8.5)

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

function genAiMessages(a: IngestAttributes, key: string, withSystem: boolean): V {
  let v: V = a[key];
  if (!isSet(v)) return undefined;
  if (withSystem && isSet(a["gen_ai.system_instructions"])) {
    let msgs: unknown = v;
    if (typeof v === "string") {
      try {
        msgs = JSON.parse(v);
      } catch {
        return v;
      }
    }
    if (Array.isArray(msgs) && !msgs.some((m) => (m as { role?: unknown })?.role === "system")) {
      let sys: unknown = a["gen_ai.system_instructions"];
      if (typeof sys === "string") {
        try {
          sys = JSON.parse(sys);
        } catch {
          // plain text instructions
        }
      }
      v = JSON.stringify([{ role: "system", content: sys }, ...msgs]);
    }
  }
  return v;
}

/** At most this many slots are rebuilt from flattened `prefix.N.field` keys (the server's bound). */
const MAX_FLATTENED_SLOTS = 10_001;

/**
 * `prefix.N.field[.sub]` keys → `[{field: value}, …]` (JSON text), as OpenLLMetry
 * (`gen_ai.prompt.0.role`) and OpenInference (`llm.input_messages.0.message.content`) send
 * messages. `strip` drops a fixed segment after the index ("message.").
 */
function unflattenIndexed(a: IngestAttributes, prefix: string, strip = ""): string | undefined {
  const slots: Record<string, unknown>[] = [];
  const head = prefix + ".";
  let any = false;
  for (const k in a) {
    if (!k.startsWith(head)) continue;
    const rest = k.slice(head.length);
    const dot = rest.indexOf(".");
    if (dot <= 0) continue;
    const index = Number(rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 0 || index >= MAX_FLATTENED_SLOTS) continue;
    let field = rest.slice(dot + 1);
    if (strip && field.startsWith(strip)) field = field.slice(strip.length);
    if (!field) continue;
    (slots[index] ??= {})[field] = a[k];
    any = true;
  }
  if (!any) return undefined;
  return JSON.stringify(slots.filter((x) => x !== undefined));
}

const EVENT_ROLES: Record<string, string> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
};

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** IO carried by span events (OTel GenAI semantic conventions, §8.5 items 5 and 6). */
function eventIo(span: IngestSpan): { input?: string; output?: string } | undefined {
  const events = span.events;
  if (!events || events.length === 0) return undefined;
  for (const e of events) {
    if (e.name !== "gen_ai.client.inference.operation.details") continue;
    const i = e.attributes["gen_ai.input.messages"];
    const o = e.attributes["gen_ai.output.messages"];
    if (isSet(i) || isSet(o)) return { input: ioText(i), output: ioText(o) };
  }
  const input: unknown[] = [];
  const choices: unknown[] = [];
  for (const e of events) {
    const role = EVENT_ROLES[e.name];
    if (role) {
      const msg: Record<string, unknown> = { role };
      for (const [k, v] of Object.entries(e.attributes)) if (k !== "gen_ai.system") msg[k] = parseMaybeJson(v);
      input.push(msg);
    } else if (e.name === "gen_ai.choice") {
      const choice: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(e.attributes)) choice[k] = parseMaybeJson(v);
      choices.push(choice);
    }
  }
  if (!input.length && !choices.length) return undefined;
  return {
    input: input.length ? JSON.stringify(input) : undefined,
    output: choices.length ? JSON.stringify(choices.length === 1 ? choices[0] : choices) : undefined,
  };
}

export function extractIo(span: IngestSpan, domain: "observation" | "trace", foreign = true): { input?: string; output?: string } {
  const a = span.attributes;
  if (domain === "trace") return { input: ioText(a["langfuse.trace.input"]), output: ioText(a["langfuse.trace.output"]) };
  const lfIn = a["langfuse.observation.input"];
  const lfOut = a["langfuse.observation.output"];
  if (isSet(lfIn) || isSet(lfOut)) return { input: ioText(lfIn), output: ioText(lfOut) };
  if (!foreign) return {};
  const pair = (i: V, o: V) => (isSet(i) || isSet(o) ? { input: ioText(i), output: ioText(o) } : undefined);
  let r: { input?: string; output?: string } | undefined;
  if (span.scope.name === "ai") {
    const input = first(a, ["ai.prompt.messages", "ai.prompt", "ai.toolCall.args"]);
    let output: V;
    if (isSet(a["ai.response.text"]) && isSet(a["ai.response.toolCalls"])) {
      let calls: unknown = a["ai.response.toolCalls"];
      if (typeof calls === "string") {
        try {
          calls = JSON.parse(calls);
        } catch {
          // keep raw
        }
      }
      output = JSON.stringify({ role: "assistant", content: a["ai.response.text"], tool_calls: calls });
    } else
      output = first(a, [
        "ai.response.text",
        "ai.result.text",
        "ai.toolCall.result",
        "ai.response.object",
        "ai.result.object",
        "ai.response.toolCalls",
        "ai.result.toolCalls",
      ]);
    r = pair(input, output);
    if (r) return r;
  }
  r = eventIo(span);
  if (r) return r;
  for (const [i, o] of [
    ["mlflow.spanInputs", "mlflow.spanOutputs"],
    ["traceloop.entity.input", "traceloop.entity.output"],
    ["input.value", "output.value"],
    ["input", "output"],
  ] as const) {
    r = pair(a[i], a[o]);
    if (r) return r;
  }
  r = pair(unflattenIndexed(a, "gen_ai.prompt"), unflattenIndexed(a, "gen_ai.completion"));
  if (r) return r;
  r = pair(unflattenIndexed(a, "llm.input_messages", "message."), unflattenIndexed(a, "llm.output_messages", "message."));
  if (r) return r;
  r = pair(genAiMessages(a, "gen_ai.input.messages", true), genAiMessages(a, "gen_ai.output.messages", false));
  if (r) return r;
  return pair(a["gen_ai.tool.call.arguments"], a["gen_ai.tool.call.result"]) ?? {};
}

// ---------------------------------------------------------------- metadata (§8.6)

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

// ---------------------------------------------------------------- usage and cost (§8.7, §9)

function nonNegativeInts(o: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) out[k] = n;
  }
  return out;
}
function nonNegativeNumbers(o: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[k] = v;
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

function extractUsage(span: IngestSpan, hasPrefixedKeys: boolean): Record<string, number> {
  const a = span.attributes;
  const given = a["langfuse.observation.usage_details"];
  if (given !== undefined && given !== null) {
    if (typeof given !== "string") return typeof given === "object" && !Array.isArray(given) ? nonNegativeInts(given) : {};
    try {
      const p = JSON.parse(given) as unknown;
      return typeof p === "object" && p !== null && !Array.isArray(p) ? nonNegativeInts(p as Record<string, unknown>) : {};
    } catch {
      // invalid JSON: fall through to the other sources
    }
  }
  const raw = (span.scope.name === "ai" ? vercelUsage(a) : undefined) ?? (hasPrefixedKeys ? genericUsage(a) : undefined);
  return raw ? nonNegativeInts(raw) : {};
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

// ---------------------------------------------------------------- experiments (§8.9)

const EXPERIMENT_KEYS: [string, string][] = [
  ["langfuse.experiment.id", "id"],
  ["langfuse.experiment.name", "name"],
  ["langfuse.experiment.description", "description"],
  ["langfuse.experiment.dataset.id", "datasetId"],
  ["langfuse.experiment.item.id", "itemId"],
  ["langfuse.experiment.item.root_observation_id", "itemRootObservationId"],
  ["langfuse.experiment.item.expected_output", "itemExpectedOutput"],
];

function extractExperiment(a: IngestAttributes): string | null {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [k, name] of EXPERIMENT_KEYS)
    if (isSet(a[k])) {
      out[name] = a[k];
      any = true;
    }
  const version = a["langfuse.experiment.item.version"];
  if (typeof version === "string" && !Number.isNaN(Date.parse(version))) {
    out.itemVersion = new Date(version).toISOString();
    any = true;
  }
  for (const [key, name] of [
    ["langfuse.experiment.metadata", "metadata"],
    ["langfuse.experiment.item.metadata", "itemMetadata"],
  ] as const) {
    const md: Record<string, unknown> = { ...(parseJsonObject(a[key]) ?? {}) };
    for (const k in a) if (k.startsWith(key + ".")) md[k.slice(key.length + 1)] = a[k];
    if (Object.keys(md).length) {
      out[name] = md;
      any = true;
    }
  }
  return any ? JSON.stringify(out) : null;
}

// ---------------------------------------------------------------- trace derivation (§8.3)

const TRACE_UPDATE_KEYS = [
  "langfuse.trace.name",
  "langfuse.trace.input",
  "langfuse.trace.output",
  "langfuse.trace.metadata",
  "user.id",
  "session.id",
  "langfuse.trace.public",
  "langfuse.trace.tags",
  "langfuse.user.id",
  "langfuse.session.id",
  "langfuse.observation.metadata.langfuse_user_id",
  "langfuse.observation.metadata.langfuse_session_id",
  "langfuse.observation.metadata.langfuse_tags",
  "ai.telemetry.metadata.sessionId",
  "ai.telemetry.metadata.userId",
  "ai.telemetry.metadata.tags",
  "tag.tags",
];

const TRACE_UPDATE_KEYS_LANGFUSE = TRACE_UPDATE_KEYS.filter(isLangfuseKey);

/** The listed keys; keys under `langfuse.trace.metadata` are detected by the flag scan. */
function hasTraceUpdates(a: IngestAttributes, foreign: boolean): boolean {
  const keys = foreign ? TRACE_UPDATE_KEYS : TRACE_UPDATE_KEYS_LANGFUSE;
  for (const k of keys) if (isSet(a[k]) && a[k] !== false) return true;
  return false;
}

const USER_ID_KEYS = [
  "langfuse.user.id",
  "user.id",
  "langfuse.observation.metadata.langfuse_user_id",
  "langfuse.trace.metadata.langfuse_user_id",
  "ai.telemetry.metadata.userId",
];
const SESSION_ID_KEYS = [
  "langfuse.session.id",
  "session.id",
  "gen_ai.conversation.id",
  "langfuse.observation.metadata.langfuse_session_id",
  "langfuse.trace.metadata.langfuse_session_id",
  "ai.telemetry.metadata.sessionId",
];
const TAGS_KEYS = [
  "langfuse.trace.tags",
  "langfuse.tags",
  "langfuse.observation.metadata.langfuse_tags",
  "langfuse.trace.metadata.langfuse_tags",
  "ai.telemetry.metadata.tags",
  "tag.tags",
];
const PUBLIC_KEYS = ["langfuse.trace.public", "langfuse.public"];

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
function metadataJson(user: Record<string, unknown>, attributes: Record<string, unknown> | undefined): string {
  if (!attributes) return JSON.stringify(user);
  return JSON.stringify({ ...user, attributes });
}

/** `{"resourceAttributes":…,"scope":…}`, cached per (resource, scope) pair of objects. */
const resourcePairCache = new WeakMap<object, WeakMap<object, string>>();
function resourceJson(span: IngestSpan): string {
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

// One pass over the attribute keys tells which prefix-driven extractors have anything to do
// (each of them would otherwise loop over all keys again).
const F_OBS_META = 1;
const F_TRACE_META = 2;
const F_AI_META = 4;
const F_EXPERIMENT = 8;
const F_USAGE = 16;
const F_PARAMS = 32;
/** Any key besides the Langfuse ones (see isLangfuseKey). */
const F_FOREIGN = 64;

/** The flags one attribute key contributes. */
function keyFlags(k: string): number {
  if (k.startsWith("langfuse.")) {
    if (k.startsWith("langfuse.observation.metadata")) return F_OBS_META;
    if (k.startsWith("langfuse.trace.metadata")) return F_TRACE_META;
    if (k.startsWith("langfuse.metadata")) return F_OBS_META | F_TRACE_META;
    if (k.startsWith("langfuse.experiment.")) return F_EXPERIMENT;
    return 0;
  }
  if (k === "user.id" || k === "session.id") return 0;
  if (k.startsWith("gen_ai.")) {
    if (k.startsWith("gen_ai.usage.")) return F_FOREIGN | F_USAGE;
    if (k.startsWith("gen_ai.request.")) return F_FOREIGN | F_PARAMS;
    return F_FOREIGN;
  }
  if (k.startsWith("llm.")) {
    if (k.startsWith("llm.token_count.")) return F_FOREIGN | F_USAGE;
    if (k.startsWith("llm.invocation_parameters.")) return F_FOREIGN | F_PARAMS;
    return F_FOREIGN;
  }
  return k.startsWith("ai.telemetry.metadata.") ? F_FOREIGN | F_AI_META : F_FOREIGN;
}

function scanFlags(a: IngestAttributes): number {
  let f = 0;
  for (const k in a) f |= keyFlags(k);
  return f;
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

/**
 * The span's attributes in a prototype-less object. The mapping probes dozens of keys per span,
 * most of them absent; on an ordinary object every miss walks the prototype chain through
 * V8's megamorphic lookup path, on a prototype-less dictionary it is one hash probe (profiles:
 * the mapping ran about twice as fast). Copies the same keys a `for…in` walk sees.
 */
function lookupAttributes(a: IngestAttributes): { attributes: IngestAttributes; flags: number } {
  if (Object.getPrototypeOf(a) === null) return { attributes: a, flags: scanFlags(a) };
  const o = Object.create(null) as IngestAttributes;
  let flags = 0;
  for (const k in a) {
    o[k] = a[k];
    flags |= keyFlags(k);
  }
  return { attributes: o, flags };
}

/** Maps one span (pure; spans without times should not reach here, the converters fill them). */
export function mapSpan(input: IngestSpan): MappedSpan {
  // One pass over the keys: the prototype-less copy and the flag scan.
  const { attributes: a, flags } = lookupAttributes(input.attributes);
  const span: IngestSpan = a === input.attributes ? input : { ...input, attributes: a };
  // Vercel AI SDK spans ("ai" scope) are read through their own keys even when those are absent.
  const foreign = (flags & F_FOREIGN) !== 0 || span.scope.name === "ai" || (span.events?.length ?? 0) > 0;
  const type = resolveObservationType(span, foreign ? flags | F_FOREIGN : flags);
  const isLangfuseSdk = span.scope.name.startsWith("langfuse-sdk");
  const env = environment(span, foreign);
  const name = observationName(span, foreign);
  const io = extractIo(span, "observation", foreign);
  const resourceTraceMeta = resourceTraceMetadata(span.resource);
  const traceMeta = flags & (F_TRACE_META | F_AI_META) ? extractMetadata(a, "trace") : EMPTY;
  const obsMeta = flags & (F_OBS_META | F_AI_META) ? extractMetadata(a, "observation") : EMPTY;
  const attributesBlob = isLangfuseSdk ? undefined : foreignAttributes(a);
  const obsUserMeta = Object.keys(resourceTraceMeta).length ? { ...resourceTraceMeta, ...obsMeta } : obsMeta;

  const mdl = model(span, foreign);
  const params = modelParameters(a, (flags & F_PARAMS) !== 0, foreign);
  const usage = extractUsage(span, (flags & F_USAGE) !== 0);
  let cost = extractCost(a, foreign);
  const skipUsage = typeof a["gen_ai.operation.name"] === "string" && AI_AGENT_OPS.has(a["gen_ai.operation.name"]) && span.scope.name === "ai";
  const usageDetails = skipUsage ? {} : usage;
  if (skipUsage) cost = {};
  if (Object.keys(usageDetails).length && usageDetails.total === undefined) {
    let t = 0;
    for (const k in usageDetails) t += usageDetails[k]!;
    usageDetails.total = t;
  }
  if (Object.keys(cost).length) {
    if (cost.total === undefined) {
      let t = 0;
      for (const k in cost) t += cost[k]!;
      cost.total = t;
    }
  } else if (mdl && Object.keys(usageDetails).length) {
    const computed = computeCost(mdl, usageDetails, params ?? {}, obsMeta);
    if (computed) cost = computed.costDetails;
  }
  const prompt = type === "GENERATION" ? promptLink(a, foreign) : NO_PROMPT;
  const version = str(a["langfuse.version"]) ?? str(span.resource["service.version"]);
  const release = str(a["langfuse.release"]) ?? str(span.resource["langfuse.release"]);

  const observation: ObservationRecord = {
    id: span.spanId,
    traceId: span.traceId,
    parentObservationId: span.parentSpanId ?? null,
    type,
    name,
    environment: env.value,
    startTime: isoOf(span.startTimeMs),
    endTime: span.endTimeMs === undefined ? null : isoOf(span.endTimeMs),
    completionStartTime: completionStartTime(span, foreign),
    version: version ?? null,
    input: io.input ?? null,
    output: io.output ?? null,
    metadata: metadataJson(obsUserMeta, attributesBlob),
    resourceJson: resourceJson(span),
    level: level(span),
    statusMessage: str(a["langfuse.observation.status_message"]) ?? (span.status?.message || null),
    model: mdl ?? null,
    modelParameters: params ? JSON.stringify(params) : null,
    usageDetails,
    costDetails: cost,
    totalCost: cost.total ?? null,
    promptName: prompt.name,
    promptVersion: prompt.version,
    experiment: flags & F_EXPERIMENT ? extractExperiment(a) : null,
  };

  const isRoot = !span.parentSpanId || String(a["langfuse.internal.as_root"]) === "true";
  const trace: TraceUpdate = {
    id: span.traceId,
    timestamp: observation.startTime,
    isRoot,
    nameExplicit: false,
    environment: env.value,
    environmentExplicit: env.explicit,
    inputExplicit: false,
    outputExplicit: false,
  };
  if (isRoot || (flags & F_TRACE_META) !== 0 || hasTraceUpdates(a, foreign)) {
    const traceName = str(a["langfuse.trace.name"]);
    trace.name = traceName ?? (isRoot ? name : undefined);
    trace.nameExplicit = traceName !== undefined;
    trace.userId = str(firstOf(a, USER_ID_KEYS, foreign));
    trace.sessionId = str(firstOf(a, SESSION_ID_KEYS, foreign));
    trace.tags = parseTags(firstOf(a, TAGS_KEYS, foreign));
    const pub = first(a, PUBLIC_KEYS);
    if (pub !== undefined) trace.public = pub === true || pub === "true";
    trace.version = version;
    trace.release = release;
    const tio = extractIo(span, "trace", foreign);
    trace.inputExplicit = tio.input !== undefined;
    trace.outputExplicit = tio.output !== undefined;
    trace.input = tio.input ?? (isRoot ? io.input : undefined);
    trace.output = tio.output ?? (isRoot ? io.output : undefined);
    if (isRoot) {
      const md: Record<string, unknown> = { ...resourceTraceMeta, ...traceMeta, ...obsMeta };
      if (attributesBlob) md.attributes = attributesBlob;
      md.resourceAttributes = span.resource;
      md.scope = span.scope;
      trace.metadata = md;
    } else if (Object.keys(resourceTraceMeta).length || Object.keys(traceMeta).length) {
      trace.metadata = { ...resourceTraceMeta, ...traceMeta };
    }
  }
  return { observation, trace };
}

/**
 * Observation type (reference/langfuse-server-api.md §8.2). The Langfuse attribute wins; then,
 * for spans with foreign keys, the conventions in FOREIGN_TYPE_RULES are asked in order: a new
 * convention is one more rule in that list.
 */
import type { ObservationType } from "../../../api/types";
import type { IngestSpan } from "../span";
import { isSet, str } from "./attribute-values";
import { F_FOREIGN, scanFlags } from "./attribute-flags";

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

/** One convention's answer, or undefined to let the next rule decide. */
export type ObservationTypeRule = (span: IngestSpan) => ObservationType | undefined;

const openInferenceKind: ObservationTypeRule = (span) => {
  const oi = span.attributes["openinference.span.kind"];
  return typeof oi === "string" ? OPENINFERENCE_TYPES[oi.toUpperCase()] : undefined;
};

const genAiOperation: ObservationTypeRule = (span) => {
  const op = span.attributes["gen_ai.operation.name"];
  return typeof op === "string" ? GEN_AI_OPERATION_TYPES[op] : undefined;
};

const genkitSubtype: ObservationTypeRule = (span) => {
  const gk = span.attributes["genkit:metadata:subtype"];
  return typeof gk === "string" ? GENKIT_TYPES[gk] : undefined;
};

const vercelOperation: ObservationTypeRule = (span) => {
  const a = span.attributes;
  const aiOp = str(a["operation.name"]) ?? str(a["ai.operationId"]);
  if (!aiOp) return undefined;
  const base = aiOp.split(" ")[0]!;
  if (MODEL_INFO_KEYS.some((k) => isSet(a[k])) && VERCEL_MODEL_OPS[base]) return VERCEL_MODEL_OPS[base];
  return base === "ai.toolCall" ? "TOOL" : undefined;
};

const genAiTool: ObservationTypeRule = (span) =>
  isSet(span.attributes["gen_ai.tool.name"]) || isSet(span.attributes["gen_ai.tool.call.id"]) ? "TOOL" : undefined;

const flue: ObservationTypeRule = (span) => {
  const a = span.attributes;
  if (isSet(a["flue.tool.name"]) || isSet(a["flue.tool.call_id"])) return "TOOL";
  return isSet(a["flue.task.id"]) || isSet(a["flue.task.agent"]) ? "AGENT" : undefined;
};

const livekit: ObservationTypeRule = (span) => {
  if (span.scope.name !== "livekit-agents") return undefined;
  if (span.name === "agent_turn" || span.name === "start_agent_activity") return "AGENT";
  return span.name === "function_tool" ? "TOOL" : undefined;
};

const modelFallback: ObservationTypeRule = (span) => (MODEL_FALLBACK_KEYS.some((k) => isSet(span.attributes[k])) ? "GENERATION" : undefined);

/** Asked in order for spans with foreign keys; the first answer wins, "SPAN" if none answers. */
export const FOREIGN_TYPE_RULES: readonly ObservationTypeRule[] = [
  openInferenceKind,
  genAiOperation,
  genkitSubtype,
  vercelOperation,
  genAiTool,
  flue,
  livekit,
  modelFallback,
];

/** Python SDK ≤ 3.3 sent generations as "span" with generation attributes. */
function isLegacyPythonGeneration(span: IngestSpan): boolean {
  const a = span.attributes;
  return (
    a["langfuse.observation.type"] === "span" &&
    span.scope.name === "langfuse-sdk" &&
    span.resource["telemetry.sdk.language"] === "python" &&
    versionAtMost(span.scope.version, 3, 3) &&
    GENERATION_KEYS.some((k) => isSet(a[k]))
  );
}

export function resolveObservationType(span: IngestSpan, flags: number = scanFlags(span.attributes)): ObservationType {
  if (isLegacyPythonGeneration(span)) return "GENERATION";
  const lfType = span.attributes["langfuse.observation.type"];
  if (typeof lfType === "string" && LANGFUSE_TYPES[lfType]) return LANGFUSE_TYPES[lfType]!;
  if (!(flags & F_FOREIGN)) return livekit(span) ?? (isSet(span.attributes["langfuse.observation.model.name"]) ? "GENERATION" : "SPAN");
  for (const rule of FOREIGN_TYPE_RULES) {
    const type = rule(span);
    if (type) return type;
  }
  return "SPAN";
}

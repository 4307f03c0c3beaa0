/**
 * OTel span → Langfuse observation + trace update, following the server's mapping
 * (reference/langfuse-server-api.md §8 and the cost rules of §9). Pure: no database access.
 *
 * Covered sources: the Langfuse attribute keys (all of §8.1), OpenInference span kinds and
 * `llm.*` keys, the generic `gen_ai.*` conventions, the Vercel AI SDK (`ai.*`) basics,
 * Traceloop/MLflow/`input.value` IO, Genkit subtypes, Flue and LiveKit type hints.
 * Each concern lives in its own module beside this one; this file only runs the steps.
 */
import type { IngestSpan } from "../span";
import { spanView, F_EXPERIMENT, F_PARAMS, type SpanView } from "./attribute-flags";
import { usageAndCost } from "./cost";
import { extractExperiment } from "./experiment";
import { extractIo, type SpanIo } from "./io";
import { isoOf } from "./iso-time";
import { metadataJson, resourceJson, spanMetadata, type SpanMetadata } from "./metadata";
import { resolveObservationType } from "./observation-type";
import type { MappedSpan, ObservationRecord } from "./records";
import {
  completionStartTime,
  environment,
  level,
  model,
  modelParameters,
  NO_PROMPT,
  observationName,
  promptLink,
  release,
  statusMessage,
  version,
} from "./scalar-fields";
import { isRootSpan, traceUpdate } from "./trace-update";

/** Maps one span (pure; spans without times should not reach here, the converters fill them). */
export function mapSpan(input: IngestSpan): MappedSpan {
  const view = spanView(input);
  const { span, flags, foreign } = view;
  const env = environment(span, foreign);
  const io = extractIo(span, "observation", foreign);
  const metadata = spanMetadata(span, flags);
  const observation = observationRecord(view, env.value, io, metadata);
  const trace = traceUpdate({
    span,
    flags,
    foreign,
    isRoot: isRootSpan(span),
    timestamp: observation.startTime,
    environment: env,
    name: observation.name,
    io,
    version: observation.version ?? undefined,
    release: release(span),
    metadata,
  });
  return { observation, trace };
}

function observationRecord({ span, attributes: a, flags, foreign }: SpanView, env: string, io: SpanIo, metadata: SpanMetadata): ObservationRecord {
  const type = resolveObservationType(span, flags);
  const mdl = model(span, foreign);
  const params = modelParameters(a, (flags & F_PARAMS) !== 0, foreign);
  const { usageDetails, costDetails } = usageAndCost(span, flags, foreign, mdl, params, metadata.observation);
  const prompt = type === "GENERATION" ? promptLink(a, foreign) : NO_PROMPT;
  return {
    id: span.spanId,
    traceId: span.traceId,
    parentObservationId: span.parentSpanId ?? null,
    type,
    name: observationName(span, foreign),
    environment: env,
    startTime: isoOf(span.startTimeMs),
    endTime: span.endTimeMs === undefined ? null : isoOf(span.endTimeMs),
    completionStartTime: completionStartTime(span, foreign),
    version: version(span) ?? null,
    input: io.input ?? null,
    output: io.output ?? null,
    metadata: metadataJson(metadata.observationUser, metadata.attributes),
    resourceJson: resourceJson(span),
    level: level(span),
    statusMessage: statusMessage(span),
    model: mdl ?? null,
    modelParameters: params ? JSON.stringify(params) : null,
    usageDetails,
    costDetails,
    totalCost: costDetails.total ?? null,
    promptName: prompt.name,
    promptVersion: prompt.version,
    experiment: flags & F_EXPERIMENT ? extractExperiment(a) : null,
  };
}

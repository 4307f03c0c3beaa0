export { Attr as LangfuseOtelSpanAttributes, TRACER_NAME, OBSERVATION_TYPES, MASK_FAILED } from "./constants";
export type { ObservationType as LangfuseObservationType } from "./constants";
export type {
  PromptLink,
  LangfuseSpanAttributes,
  LangfuseGenerationAttributes,
  LangfuseEventAttributes,
  LangfuseTraceAttributes,
} from "./attributes";
export {
  LangfuseObservationBase,
  LangfuseSpan,
  LangfuseGeneration,
  LangfuseEvent,
  LangfuseAgent,
  LangfuseTool,
  LangfuseChain,
  LangfuseRetriever,
  LangfuseEvaluator,
  LangfuseEmbedding,
  LangfuseGuardrail,
} from "./observations";
export type {
  TraceContext,
  AttributesByType,
  ObservationByType,
  LangfuseObservation,
  StartObservationOptions,
  StartAsCurrentObservationOptions,
} from "./observations";
export { propagateAttributes } from "./propagation";
export type { PropagateAttributesParams, PropagatedExperimentAttributes } from "./propagation";
export { isTraceSampled } from "./sampling";
export { serializeValue } from "./serialize";
export { LangfuseSpanProcessor, isDefaultExportSpan, isKnownLLMInstrumentationScope, KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES } from "./span-processor";
export type { LangfuseSpanProcessorParams } from "./span-processor";
export { LangfuseTraceSampler } from "./tracer-setup";
export type { ProviderMode } from "./tracer-setup";
export { OTLP_TRACES_PATH } from "./exporter";
export {
  updateCurrentSpan,
  updateCurrentGeneration,
  updateCurrentTrace,
  getCurrentTraceId,
  getCurrentObservationId,
  createTraceId,
} from "./current";
export { observe, getOriginalFunction } from "./observe";
export { getCurrentTraceparent, injectTraceContext, parseTraceparent } from "./w3c";
export type { HeaderCarrier } from "./w3c";
export type { ObserveOptions, ObserveConfig, DynamicObserveOptions } from "./observe";
export { startObservation, startAsCurrentObservation, scoreCurrentSpan, scoreCurrentTrace } from "./free-functions";
export { OtlpJsonHttpExporter } from "./otlp-http-exporter";
export type { OtlpJsonHttpExporterOptions } from "./otlp-http-exporter";

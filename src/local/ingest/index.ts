/** OTel spans → Langfuse traces and observations (the one mapping, used in-process and by the server). */
export type { IngestSpan, IngestScope, IngestAttributes, IngestAttributeValue } from "./span";
export { fromReadableSpan } from "./from-readable-span";
export { fromOtlpRequest } from "./from-otlp";
export { ingestSpans, type IngestResult } from "./ingest-spans";
export { mapSpan } from "./mapping/map-span";
export { resolveObservationType } from "./mapping/observation-type";
export type { MappedSpan, ObservationRecord, TraceUpdate } from "./mapping/records";
export { computeCost, findModel } from "./prices";
export { OtlpValidationError } from "./errors";

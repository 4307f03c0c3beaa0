import type { OtlpJsonRequest } from "./otlp-protobuf";

/** What the OTLP receiver hands the ingestion mapping, and what it may report back. */
export interface OtlpIngestResult {
  /** Spans the mapping refused (reported to the exporter as OTLP partial success). */
  rejectedSpans?: number;
  errorMessage?: string;
}

/** The OTLP route's port: where decoded export requests go (the store's ingestion in `serve`). */
export type OtlpIngest = (request: OtlpJsonRequest) => OtlpIngestResult | void | Promise<OtlpIngestResult | void>;

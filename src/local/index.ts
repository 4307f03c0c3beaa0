/** The embedded store: SQLite schema, LocalApi, the OTel ingestion mapping and its exporter. */
export { openLocalStore, type LocalStore, type LocalStoreOptions } from "./store";
export { LocalApi, type LocalApiOptions } from "./local-api";
export { LOCAL_MEDIA_URLS, type MediaUrls } from "./api/media";
export { LocalSpanExporter } from "./local-span-exporter";
export { fromReadableSpan } from "./ingest/from-readable-span";
export { fromOtlpRequest } from "./ingest/from-otlp";
export { ingestSpans, type IngestResult } from "./ingest/ingest-spans";
export { OtlpValidationError } from "./ingest/errors";
export type { IngestSpan, IngestScope, IngestAttributes, IngestAttributeValue } from "./ingest/span";

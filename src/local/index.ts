/** The embedded store: SQLite schema, LocalApi, the OTel ingestion mapping and its exporter. */
export { openLocalStore, type LocalStore, type LocalStoreOptions } from "./store";
export { LocalApi, type LocalApiOptions } from "./local-api";
export { LOCAL_MEDIA_URLS, type MediaUrls } from "./api/media";
export { LocalSpanExporter } from "./local-span-exporter";
export {
  fromReadableSpan,
  fromOtlpRequest,
  ingestSpans,
  OtlpValidationError,
  type IngestSpan,
  type IngestScope,
  type IngestAttributes,
  type IngestAttributeValue,
  type IngestResult,
} from "./ingest";

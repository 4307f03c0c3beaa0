import { OtlpHttpExporter } from "./otlp-http-exporter";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { sdkHeaders } from "../api/http/sdk-headers";
import type { ResolvedConfig } from "../config/types";

export const OTLP_TRACES_PATH = "/api/public/otel/v1/traces";

/** The headers of an OTLP export to a Langfuse server (DESIGN.md §4): the SDK headers plus the ingestion version. */
export function langfuseHeaders(config: ResolvedConfig): Record<string, string> {
  return sdkHeaders(config, { "x-langfuse-ingestion-version": "4" });
}

/**
 * OTLP/HTTP exporter to `{baseUrl}/api/public/otel/v1/traces`, protobuf unless the config asks
 * for JSON. One quick retry per request (a keep-alive connection the server just closed);
 * longer outages are the span processor's: it keeps failed batches and re-sends them.
 */
export function createOtlpSpanExporter(config: ResolvedConfig): SpanExporter {
  return new OtlpHttpExporter({
    url: `${config.baseUrl}${OTLP_TRACES_PATH}`,
    headers: langfuseHeaders(config),
    timeoutMillis: Math.round(config.timeoutSeconds * 1000),
    encoding: config.exportEncoding,
    maxRetries: 1,
  });
}

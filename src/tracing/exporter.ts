import { OtlpJsonHttpExporter } from "./otlp-http-exporter";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { ResolvedConfig } from "../config/types";

export const OTLP_TRACES_PATH = "/api/public/otel/v1/traces";

/** The headers every request to a Langfuse server carries (DESIGN.md §4). */
export function langfuseHeaders(config: ResolvedConfig): Record<string, string> {
  const headers: Record<string, string> = {
    "x-langfuse-sdk-name": config.sdkName,
    "x-langfuse-sdk-version": config.sdkVersion,
    "x-langfuse-public-key": config.publicKey ?? "<missing>",
    "x-langfuse-ingestion-version": "4",
  };
  if (config.publicKey && config.secretKey) {
    headers.Authorization = `Basic ${Buffer.from(`${config.publicKey}:${config.secretKey}`).toString("base64")}`;
  }
  // User headers go last so a proxy token or tenant header can be added or overridden.
  return { ...headers, ...config.additionalHeaders };
}

/** OTLP/HTTP JSON exporter to `{baseUrl}/api/public/otel/v1/traces`. */
export function createOtlpSpanExporter(config: ResolvedConfig): SpanExporter {
  return new OtlpJsonHttpExporter({
    url: `${config.baseUrl}${OTLP_TRACES_PATH}`,
    headers: langfuseHeaders(config),
    timeoutMillis: Math.round(config.timeoutSeconds * 1000),
  });
}

import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { LangfuseMode, ResolvedConfig } from "../config/types";
import type { LangfuseApi } from "./langfuse-api";
import { LangfuseError } from "../errors";

/**
 * Where a client's data goes. `createBackend` picks the implementation from the config:
 *  - http:  HttpApi against `config.baseUrl`; spans go over OTLP (built by src/tracing).
 *  - local: LocalApi on the embedded SQLite store at `config.localDbPath`, and a span exporter
 *           that writes through the ingestion mapping into the same store.
 *
 * PLACEHOLDER until the store/API helper lands the real implementation (same signature).
 */
export interface Backend {
  readonly mode: LangfuseMode;
  readonly api: LangfuseApi;
  /** local mode: an exporter into the embedded store. http mode: undefined (src/tracing builds OTLP). */
  createSpanExporter(): SpanExporter | undefined;
  /** One human line saying where data goes, e.g. "Langfuse: recording to embedded store .langfuse/langfuse.db". */
  describe(): string;
  /** Closes the store / sockets. Idempotent. */
  shutdown(): Promise<void>;
}

export function createBackend(config: ResolvedConfig): Backend {
  const unavailable = new Proxy({} as LangfuseApi, {
    get() {
      throw new LangfuseError("CONFIG", "The Langfuse API backend is not available yet in this build");
    },
  });
  return {
    mode: config.mode,
    api: unavailable,
    createSpanExporter: () => undefined,
    describe: () => (config.mode === "http" ? `Langfuse: sending to ${config.baseUrl}` : "Langfuse: no keys set, spans are not exported"),
    shutdown: async () => undefined,
  };
}

import type { TracerProvider } from "@opentelemetry/api";
import type { MaskFunction, ShouldExportSpan } from "./types";
import type { SynchronousLevel } from "./local-db";

/**
 * Options of `new Langfuse(options)`. Every field is optional: unset fields fall back to the
 * LANGFUSE_* environment variable named in its comment, then to the default.
 */
export interface LangfuseOptions {
  /** LANGFUSE_PUBLIC_KEY. With both keys set the client talks to `baseUrl`; without, it records locally. */
  publicKey?: string;
  /** LANGFUSE_SECRET_KEY. Never logged. */
  secretKey?: string;
  /** LANGFUSE_BASE_URL; default https://cloud.langfuse.com. */
  baseUrl?: string;
  /** Older name of `baseUrl` (LANGFUSE_HOST). `baseUrl` and LANGFUSE_BASE_URL win over it. */
  host?: string;
  /** LANGFUSE_TRACING_ENABLED; only "false" disables. Off makes every tracing call a no-op. */
  tracingEnabled?: boolean;
  /** LANGFUSE_TRACING_ENVIRONMENT: lowercase `[a-z0-9_-]`, at most 40 chars, not starting with "langfuse". */
  environment?: string;
  /** LANGFUSE_TRACING_RELEASE or LANGFUSE_RELEASE, else the first CI commit variable found (GITHUB_SHA, CI_COMMIT_SHA, ...). */
  release?: string;
  /** LANGFUSE_SAMPLE_RATE, 0..1; whole traces are kept or dropped by trace id. Default 1. */
  sampleRate?: number;
  /** LANGFUSE_FLUSH_AT: spans per export batch. Default 512. */
  flushAt?: number;
  /** LANGFUSE_FLUSH_INTERVAL, in seconds. Default 5. */
  flushInterval?: number;
  /** LANGFUSE_TIMEOUT, in seconds, per HTTP request. Default 5. */
  timeout?: number;
  /** LANGFUSE_OBSERVE_DECORATOR_IO_CAPTURE_ENABLED ("false"/"0" disable). Default true. */
  ioCaptureEnabled?: boolean;
  /** LANGFUSE_DEBUG ("true" enables). Logs export results and dropped data. */
  debug?: boolean;
  /** Redaction applied to every exported input, output and metadata value. */
  mask?: MaskFunction;
  /** Create spans on this provider instead of the global one; add `LangfuseSpanProcessor` to it yourself. */
  tracerProvider?: TracerProvider;
  /** Which ended spans to export (default: this SDK's spans and spans with gen_ai.* attributes). */
  shouldExportSpan?: ShouldExportSpan;
  /** LANGFUSE_LOCAL_DB: the embedded store used without keys. Default ".langfuse/langfuse.db"; ":memory:" allowed. */
  localDbPath?: string;
  /**
   * LANGFUSE_LOCAL_DB_SYNCHRONOUS: "NORMAL" (default) or "FULL". FULL also fsyncs every commit
   * of the embedded store, so acknowledged writes survive power loss too (slower ingestion).
   */
  localDbSynchronous?: SynchronousLevel;
  /** Extra headers on every HTTP request (span export and API). */
  additionalHeaders?: Record<string, string>;
  /** LANGFUSE_MAX_QUEUE_SIZE: bound of the span queue; spans beyond it are dropped and counted. Default 100000. */
  maxQueueSize?: number;
  /** LANGFUSE_MAX_FIELD_CHARS: cap of one serialized input/output/metadata value. Default 1000000. */
  maxFieldChars?: number;
  /** LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS. Default 60. */
  promptCacheDefaultTtlSeconds?: number;
}

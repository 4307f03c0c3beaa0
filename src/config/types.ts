/**
 * The fully resolved client configuration (options merged over LANGFUSE_* env vars, defaults
 * applied, validated). Produced by src/config (resolveConfig); read by every other module.
 */
import type { TracerProvider } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { SynchronousLevel } from "./local-db";

export type LangfuseMode = "http" | "local";

export interface ResolvedConfig {
  /** "http" when publicKey + secretKey are set; "local" (embedded SQLite) otherwise. */
  mode: LangfuseMode;
  publicKey: string | undefined;
  secretKey: string | undefined;
  /** LANGFUSE_BASE_URL (alias LANGFUSE_HOST); default https://cloud.langfuse.com. No trailing slash. */
  baseUrl: string;
  /** LANGFUSE_LOCAL_DB; default ".langfuse/langfuse.db"; ":memory:" allowed. */
  localDbPath: string;
  /** LANGFUSE_LOCAL_DB_SYNCHRONOUS; default "NORMAL". */
  localDbSynchronous: SynchronousLevel;
  tracingEnabled: boolean;
  environment: string | undefined;
  release: string | undefined;
  /** 0..1, whole traces by trace id. */
  sampleRate: number;
  flushAt: number;
  /** Seconds (as in the Python SDK). */
  flushIntervalSeconds: number;
  /** Seconds, per HTTP request. */
  timeoutSeconds: number;
  /** Bound of the in-memory span queue; drops beyond it are counted. */
  maxQueueSize: number;
  ioCaptureEnabled: boolean;
  debug: boolean;
  /** LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS; default 60. */
  promptCacheDefaultTtlSeconds: number;
  /** Max characters of one serialized input/output/metadata value before truncation. */
  maxFieldChars: number;
  /** Extra headers sent with every HTTP request. */
  additionalHeaders: Record<string, string>;
  sdkName: string;
  sdkVersion: string;
  /** Applied to every exported input, output and metadata value (flattened keys included). */
  mask?: MaskFunction;
  /** An explicit provider to create spans on (the user adds LangfuseSpanProcessor to it). */
  tracerProvider?: TracerProvider;
  /** Decides which ended spans are exported; default: langfuse-sdk spans and gen_ai.* spans. */
  shouldExportSpan?: ShouldExportSpan;
}

/**
 * Redacts one exported value. `data` is the structured value (parsed JSON for objects/arrays,
 * the raw string otherwise); the return value is serialized again. May not be async: masking
 * runs on the export path, which must not wait on user promises.
 */
export type MaskFunction = (params: { data: unknown }) => unknown;

/** Export filter; a throwing filter drops the span (counted). */
export type ShouldExportSpan = (params: { otelSpan: ReadableSpan }) => boolean;

import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from "./class-validator";
import { LangfuseValidationError, type ValidationIssue } from "../errors";
import type { LangfuseOptions } from "./options";
import type { ResolvedConfig } from "./types";
import { DEFAULT_LOCAL_DB_PATH, normalizeSynchronousLevel, SYNCHRONOUS_LEVELS } from "./local-db";
import { SDK_NAME, SDK_VERSION } from "./sdk-info";
import { hideSecrets } from "./hide-secrets";

export const DEFAULT_BASE_URL = "https://cloud.langfuse.com";

/** CI variables holding the commit, used as release when LANGFUSE_RELEASE is unset (same order as the Python SDK). */
const RELEASE_ENV_FALLBACKS = [
  "RENDER_GIT_COMMIT",
  "CI_COMMIT_SHA",
  "CIRCLE_SHA1",
  "SOURCE_VERSION",
  "TRAVIS_COMMIT",
  "GIT_COMMIT",
  "GITHUB_SHA",
  "BITBUCKET_COMMIT",
  "BUILD_SOURCEVERSION",
  "DRONE_COMMIT_SHA",
];

/**
 * The shape class-validator checks. Values are checked AFTER env merging, so a bad
 * LANGFUSE_SAMPLE_RATE is reported exactly like a bad `sampleRate` option.
 */
class ConfigSchema {
  @IsOptional() @IsString() @MinLength(1) publicKey?: string;
  @IsOptional() @IsString() @MinLength(1) secretKey?: string;
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ["http", "https"] }, { message: "must be an http(s) URL" })
  baseUrl!: string;
  @IsString() @MinLength(1) localDbPath!: string;
  @IsIn([...SYNCHRONOUS_LEVELS], { message: 'must be "NORMAL" or "FULL"' }) localDbSynchronous!: string;
  @IsBoolean() tracingEnabled!: boolean;
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @Matches(/^(?!langfuse)[a-z0-9_-]+$/, { message: "must be lowercase [a-z0-9_-] and must not start with 'langfuse'" })
  environment?: string;
  @IsOptional() @IsString() @MaxLength(200) release?: string;
  @IsNumber({ allowNaN: false }) @Min(0) @Max(1) sampleRate!: number;
  @IsInt() @Min(1) flushAt!: number;
  @IsNumber({ allowNaN: false }) @Min(0) flushIntervalSeconds!: number;
  @IsNumber({ allowNaN: false }) @Min(0.001) timeoutSeconds!: number;
  @IsInt() @Min(1) maxQueueSize!: number;
  @IsInt() @Min(64) maxFieldChars!: number;
  @IsNumber({ allowNaN: false }) @Min(0) promptCacheDefaultTtlSeconds!: number;
  @IsBoolean() ioCaptureEnabled!: boolean;
  @IsBoolean() debug!: boolean;
  @IsObject() additionalHeaders!: Record<string, string>;
}

type Env = Record<string, string | undefined>;

/** Where each validated field came from, so an issue names the option or env var the user set. */
type Sources = Partial<Record<keyof ConfigSchema, string>>;

function envStr(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/** Number(""), Number(" ") are 0; we want "not a number" for anything that is not a plain number. */
const parseNum = (s: string): number => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : Number.NaN);

/** A field read from one option, else one env var (parsed), else its default. */
interface Row<T> {
  option: keyof LangfuseOptions;
  env: string;
  parse: (s: string) => T;
  default: T;
}

type TableField = Exclude<keyof ConfigSchema, "baseUrl" | "additionalHeaders">;

/** Every field with one option and one env var; baseUrl and release have more sources, see below. */
const ROWS: { [F in TableField]: Row<ConfigSchema[F]> } = {
  publicKey: { option: "publicKey", env: "LANGFUSE_PUBLIC_KEY", parse: String, default: undefined },
  secretKey: { option: "secretKey", env: "LANGFUSE_SECRET_KEY", parse: String, default: undefined },
  tracingEnabled: { option: "tracingEnabled", env: "LANGFUSE_TRACING_ENABLED", parse: (s) => s.toLowerCase() !== "false", default: true },
  environment: { option: "environment", env: "LANGFUSE_TRACING_ENVIRONMENT", parse: String, default: undefined },
  // LANGFUSE_TRACING_RELEASE is the name in the seed outline; RELEASE_FALLBACKS follow when it is unset.
  release: { option: "release", env: "LANGFUSE_TRACING_RELEASE", parse: String, default: undefined },
  sampleRate: { option: "sampleRate", env: "LANGFUSE_SAMPLE_RATE", parse: parseNum, default: 1 },
  flushAt: { option: "flushAt", env: "LANGFUSE_FLUSH_AT", parse: parseNum, default: 512 },
  flushIntervalSeconds: { option: "flushInterval", env: "LANGFUSE_FLUSH_INTERVAL", parse: parseNum, default: 5 },
  timeoutSeconds: { option: "timeout", env: "LANGFUSE_TIMEOUT", parse: parseNum, default: 5 },
  ioCaptureEnabled: {
    option: "ioCaptureEnabled",
    env: "LANGFUSE_OBSERVE_DECORATOR_IO_CAPTURE_ENABLED",
    parse: (s) => !["false", "0"].includes(s.toLowerCase()),
    default: true,
  },
  debug: { option: "debug", env: "LANGFUSE_DEBUG", parse: (s) => s.toLowerCase() === "true", default: false },
  localDbPath: { option: "localDbPath", env: "LANGFUSE_LOCAL_DB", parse: String, default: DEFAULT_LOCAL_DB_PATH },
  localDbSynchronous: { option: "localDbSynchronous", env: "LANGFUSE_LOCAL_DB_SYNCHRONOUS", parse: normalizeSynchronousLevel, default: "NORMAL" },
  maxQueueSize: { option: "maxQueueSize", env: "LANGFUSE_MAX_QUEUE_SIZE", parse: parseNum, default: 100_000 },
  maxFieldChars: { option: "maxFieldChars", env: "LANGFUSE_MAX_FIELD_CHARS", parse: parseNum, default: 1_000_000 },
  promptCacheDefaultTtlSeconds: {
    option: "promptCacheDefaultTtlSeconds",
    env: "LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS",
    parse: parseNum,
    default: 60,
  },
};

/** The option if set, else the env var if set (not blank), else the default; records the source. */
function readRow<F extends TableField>(field: F, options: LangfuseOptions, env: Env, sources: Sources): ConfigSchema[F] {
  const row = ROWS[field];
  // Unchecked: a wrongly typed option is reported by the validation below, naming the option.
  const option = options[row.option] as ConfigSchema[F] | undefined;
  if (option !== undefined) {
    sources[field] = `options.${row.option}`;
    return option;
  }
  const raw = envStr(env, row.env);
  if (raw === undefined) return row.default;
  sources[field] = row.env;
  return row.parse(raw);
}

type TableValues = { [F in TableField]: ConfigSchema[F] };

function readTable(options: LangfuseOptions, env: Env, sources: Sources): TableValues {
  const values = {} as Record<TableField, unknown>;
  for (const field of Object.keys(ROWS) as TableField[]) values[field] = readRow(field, options, env, sources);
  return values as TableValues;
}

/** Precedence as in the Python SDK: option baseUrl, env BASE_URL, option host, env HOST. */
function readBaseUrl(options: LangfuseOptions, env: Env, sources: Sources): string {
  const candidates: [string | undefined, string][] = [
    [options.baseUrl, "options.baseUrl"],
    [envStr(env, "LANGFUSE_BASE_URL"), "LANGFUSE_BASE_URL"],
    [options.host, "options.host"],
    [envStr(env, "LANGFUSE_HOST"), "LANGFUSE_HOST"],
  ];
  for (const [value, source] of candidates) {
    if (value === undefined) continue;
    sources.baseUrl = source;
    return typeof value === "string" ? value.replace(/\/+$/, "") : value;
  }
  return DEFAULT_BASE_URL;
}

/** LANGFUSE_RELEASE (the Python SDK's name), then the CI commit variables. */
function readReleaseFallback(env: Env, sources: Sources): string | undefined {
  for (const name of ["LANGFUSE_RELEASE", ...RELEASE_ENV_FALLBACKS]) {
    const v = envStr(env, name);
    if (v !== undefined) {
      sources.release = name;
      return v;
    }
  }
  return undefined;
}

/**
 * Merges options over LANGFUSE_* env vars, applies defaults and validates the result.
 * Throws LangfuseValidationError listing every bad value (secrets are never echoed).
 */
export function resolveConfig(options: LangfuseOptions = {}, env: Env = process.env): ResolvedConfig {
  if (options === null || typeof options !== "object") {
    throw new LangfuseValidationError("Invalid Langfuse options", [{ path: "options", message: "must be an object" }]);
  }
  const sources: Sources = {};
  const fields = readTable(options, env, sources);
  const { publicKey, secretKey, tracingEnabled, environment, sampleRate, flushAt, flushIntervalSeconds, timeoutSeconds } = fields;
  const { ioCaptureEnabled, debug, localDbPath, localDbSynchronous, maxQueueSize, maxFieldChars, promptCacheDefaultTtlSeconds } = fields;
  const baseUrl = readBaseUrl(options, env, sources);
  const release = fields.release === undefined ? readReleaseFallback(env, sources) : fields.release;
  const additionalHeaders = options.additionalHeaders ?? {};
  if (options.additionalHeaders !== undefined) sources.additionalHeaders = "options.additionalHeaders";

  const schema = Object.assign(new ConfigSchema(), {
    publicKey, secretKey, baseUrl, localDbPath, localDbSynchronous, tracingEnabled, environment, release, sampleRate, flushAt,
    flushIntervalSeconds, timeoutSeconds, maxQueueSize, maxFieldChars, promptCacheDefaultTtlSeconds,
    ioCaptureEnabled, debug, additionalHeaders,
  });
  const issues: ValidationIssue[] = [];
  for (const err of validateSync(schema)) {
    const field = err.property as keyof ConfigSchema;
    const path = sources[field] ?? `options.${field}`;
    const messages = Object.values(err.constraints ?? {}).map((m) => m.replace(new RegExp(`^${field}\\s*`), ""));
    issues.push({ path, message: messages.join(", ") || "is invalid" });
  }
  for (const [k, v] of Object.entries(additionalHeaders ?? {})) {
    if (typeof v !== "string") issues.push({ path: `options.additionalHeaders.${k}`, message: "must be a string" });
  }
  if (options.mask !== undefined && typeof options.mask !== "function") issues.push({ path: "options.mask", message: "must be a function" });
  if (options.shouldExportSpan !== undefined && typeof options.shouldExportSpan !== "function") {
    issues.push({ path: "options.shouldExportSpan", message: "must be a function" });
  }
  if (options.tracerProvider !== undefined && typeof (options.tracerProvider as { getTracer?: unknown })?.getTracer !== "function") {
    issues.push({ path: "options.tracerProvider", message: "must be an OpenTelemetry TracerProvider" });
  }
  if (issues.length) throw new LangfuseValidationError("Invalid Langfuse configuration", issues);

  return hideSecrets({
    mode: publicKey && secretKey ? "http" : "local",
    publicKey,
    secretKey,
    baseUrl,
    localDbPath,
    localDbSynchronous: localDbSynchronous as ResolvedConfig["localDbSynchronous"],
    tracingEnabled,
    environment,
    release,
    sampleRate,
    flushAt,
    flushIntervalSeconds,
    timeoutSeconds,
    maxQueueSize,
    ioCaptureEnabled,
    debug,
    promptCacheDefaultTtlSeconds,
    maxFieldChars,
    additionalHeaders: { ...additionalHeaders },
    sdkName: SDK_NAME,
    sdkVersion: SDK_VERSION,
    mask: options.mask,
    tracerProvider: options.tracerProvider,
    shouldExportSpan: options.shouldExportSpan,
  });
}

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
import { SDK_NAME, SDK_VERSION } from "./sdk-info";
import { hideSecrets } from "./hide-secrets";

export const DEFAULT_BASE_URL = "https://cloud.langfuse.com";
export const DEFAULT_LOCAL_DB_PATH = ".langfuse/langfuse.db";

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
  @IsIn(["NORMAL", "FULL"], { message: 'must be "NORMAL" or "FULL"' }) localDbSynchronous!: string;
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

function pick<T>(
  sources: Sources,
  field: keyof ConfigSchema,
  option: T | undefined,
  optionName: string,
  env: Env,
  envName: string,
  parse: (s: string) => T,
  fallback: T,
): T {
  if (option !== undefined) {
    sources[field] = `options.${optionName}`;
    return option;
  }
  const raw = envStr(env, envName);
  if (raw !== undefined) {
    sources[field] = envName;
    return parse(raw);
  }
  return fallback;
}

/** Number(""), Number(" ") are 0; we want "not a number" for anything that is not a plain number. */
const parseNum = (s: string): number => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : Number.NaN);

/**
 * Merges options over LANGFUSE_* env vars, applies defaults and validates the result.
 * Throws LangfuseValidationError listing every bad value (secrets are never echoed).
 */
export function resolveConfig(options: LangfuseOptions = {}, env: Env = process.env): ResolvedConfig {
  if (options === null || typeof options !== "object") {
    throw new LangfuseValidationError("Invalid Langfuse options", [{ path: "options", message: "must be an object" }]);
  }
  const sources: Sources = {};
  const publicKey = pick(sources, "publicKey", options.publicKey, "publicKey", env, "LANGFUSE_PUBLIC_KEY", String, undefined);
  const secretKey = pick(sources, "secretKey", options.secretKey, "secretKey", env, "LANGFUSE_SECRET_KEY", String, undefined);

  // Precedence as in the Python SDK: option baseUrl, env BASE_URL, option host, env HOST.
  let baseUrl: string;
  if (options.baseUrl !== undefined) {
    baseUrl = options.baseUrl;
    sources.baseUrl = "options.baseUrl";
  } else if (envStr(env, "LANGFUSE_BASE_URL") !== undefined) {
    baseUrl = envStr(env, "LANGFUSE_BASE_URL")!;
    sources.baseUrl = "LANGFUSE_BASE_URL";
  } else if (options.host !== undefined) {
    baseUrl = options.host;
    sources.baseUrl = "options.host";
  } else if (envStr(env, "LANGFUSE_HOST") !== undefined) {
    baseUrl = envStr(env, "LANGFUSE_HOST")!;
    sources.baseUrl = "LANGFUSE_HOST";
  } else {
    baseUrl = DEFAULT_BASE_URL;
  }
  if (typeof baseUrl === "string") baseUrl = baseUrl.replace(/\/+$/, "");

  const tracingEnabled = pick(
    sources, "tracingEnabled", options.tracingEnabled, "tracingEnabled", env, "LANGFUSE_TRACING_ENABLED",
    (s) => s.toLowerCase() !== "false", true,
  );
  const environment = pick(sources, "environment", options.environment, "environment", env, "LANGFUSE_TRACING_ENVIRONMENT", String, undefined);
  // LANGFUSE_TRACING_RELEASE (the name in the seed outline) and LANGFUSE_RELEASE (the Python
  // SDK's) are both read; then the CI commit variables.
  let release = pick(sources, "release", options.release, "release", env, "LANGFUSE_TRACING_RELEASE", String, undefined);
  if (release === undefined) {
    for (const name of ["LANGFUSE_RELEASE", ...RELEASE_ENV_FALLBACKS]) {
      const v = envStr(env, name);
      if (v !== undefined) {
        release = v;
        sources.release = name;
        break;
      }
    }
  }
  const sampleRate = pick(sources, "sampleRate", options.sampleRate, "sampleRate", env, "LANGFUSE_SAMPLE_RATE", parseNum, 1);
  const flushAt = pick(sources, "flushAt", options.flushAt, "flushAt", env, "LANGFUSE_FLUSH_AT", parseNum, 512);
  const flushIntervalSeconds = pick(sources, "flushIntervalSeconds", options.flushInterval, "flushInterval", env, "LANGFUSE_FLUSH_INTERVAL", parseNum, 5);
  const timeoutSeconds = pick(sources, "timeoutSeconds", options.timeout, "timeout", env, "LANGFUSE_TIMEOUT", parseNum, 5);
  const ioCaptureEnabled = pick(
    sources, "ioCaptureEnabled", options.ioCaptureEnabled, "ioCaptureEnabled", env, "LANGFUSE_OBSERVE_DECORATOR_IO_CAPTURE_ENABLED",
    (s) => !["false", "0"].includes(s.toLowerCase()), true,
  );
  const debug = pick(sources, "debug", options.debug, "debug", env, "LANGFUSE_DEBUG", (s) => s.toLowerCase() === "true", false);
  const localDbPath = pick(sources, "localDbPath", options.localDbPath, "localDbPath", env, "LANGFUSE_LOCAL_DB", String, DEFAULT_LOCAL_DB_PATH);
  const localDbSynchronous = pick(
    sources, "localDbSynchronous", options.localDbSynchronous as string | undefined, "localDbSynchronous", env, "LANGFUSE_LOCAL_DB_SYNCHRONOUS",
    (s) => s.trim().toUpperCase(), "NORMAL",
  );
  const maxQueueSize = pick(sources, "maxQueueSize", options.maxQueueSize, "maxQueueSize", env, "LANGFUSE_MAX_QUEUE_SIZE", parseNum, 100_000);
  const maxFieldChars = pick(sources, "maxFieldChars", options.maxFieldChars, "maxFieldChars", env, "LANGFUSE_MAX_FIELD_CHARS", parseNum, 1_000_000);
  const promptCacheDefaultTtlSeconds = pick(
    sources, "promptCacheDefaultTtlSeconds", options.promptCacheDefaultTtlSeconds, "promptCacheDefaultTtlSeconds",
    env, "LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS", parseNum, 60,
  );
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

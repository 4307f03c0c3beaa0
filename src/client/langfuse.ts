/**
 * The Langfuse client: the public facade and the SDK's composition root. It resolves the
 * config, has `createBackend` pick the destination (the only place the mode is read), and
 * builds the span pipeline, the tracing runtime, the prompt manager and the evals side (scores,
 * datasets, experiments), handing each lower layer only the port it needs.
 */
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import type { LangfuseApi } from "../api/langfuse-api";
import type { Dataset } from "../api/types";
import type { DatasetClient, DatasetItemClient } from "../datasets/dataset-client";
import type { CreateDatasetInput, CreateDatasetItemInput, GetDatasetOptions } from "../datasets/dataset-manager";
import { LangfuseError, LangfuseValidationError, errorMessage } from "../errors";
import type { ExperimentResult } from "../experiments/experiment-result";
import { runExperimentWithHost } from "../experiments/experiment-runner";
import type { ExperimentItem, ExperimentOptions } from "../experiments/types";
import type { Flushable, FlushReport } from "../flushable";
import { logger } from "../logger";
import type { ChatPromptClient, PromptClient, TextPromptClient } from "../prompts/prompt-clients";
import { PromptManager } from "../prompts/prompt-manager";
import type {
  CreateChatPromptOptions,
  CreatePromptOptions,
  CreateTextPromptOptions,
  DeletePromptOptions,
  GetChatPromptOptions,
  GetPromptOptions,
  GetTextPromptOptions,
  UpdatePromptOptions,
} from "../prompts/types";
import type { ScoreManager } from "../scores/score-manager";
import type { CreateScoreInput, ObservationScorer, ScoreOptions, ScoreOutcome } from "../tracing/score-port";
import type { LangfuseOptions } from "../config/options";
import { resolveConfig } from "../config/resolve-config";
import type { ResolvedConfig } from "../config/types";
import type { LangfuseGenerationAttributes, LangfuseSpanAttributes, LangfuseTraceAttributes } from "../tracing/attributes";
import type { ObservationType } from "../tracing/constants";
import * as current from "../tracing/current";
import {
  createObservation,
  startAsCurrentObservation,
  type ObservationByType,
  type StartAsCurrentObservationOptions,
  type StartObservationOptions,
} from "../tracing/observations";
import { propagateAttributes, type PropagateAttributesParams } from "../tracing/propagation";
import { createDisabledRuntime, TracingRuntime } from "../tracing/runtime";
import { DEFAULT_FLUSH_TIMEOUT_MS, LangfuseSpanProcessor } from "../tracing/span-processor";
import { releaseGlobalProvider, setUpTracer, type ProviderMode } from "../tracing/tracer-setup";
import type { Backend } from "./backend/backend";
import { createBackend } from "./backend/create-backend";
import { createClientEvals, type ClientEvals } from "./evals";
import { registerClient, unregisterClient } from "./registry";
import { attachMediaUploads } from "../media/media-uploads";

declare module "../tracing/client-handle" {
  /**
   * Lower layers name the client `LangfuseClient` (they cannot import this file); here it
   * becomes the whole `Langfuse` class, so `observation.client` and an evaluator's `langfuse`
   * argument are typed as the full client.
   */
  interface LangfuseClient extends Langfuse {}
}

/**
 * How a client is built when it is not the usual one (`getClient()` for an unknown public key):
 * a given backend, tracing off for `tracingDisabledReason`, and not registered as a live client.
 * Not part of the public API.
 */
export interface ClientInternals {
  backend: Backend;
  tracingDisabledReason: string;
  register: false;
}

/** What `flush()` / `shutdown()` resolve with: totals plus one report per queue. */
export interface FlushResult {
  delivered: number;
  dropped: number;
  failed: number;
  /** Spans (and other items) still queued or in flight when the flush stopped waiting. */
  pending: number;
  errors: string[];
  reports: FlushReport[];
}

export interface FlushOptions {
  /**
   * The longest `flush()` / `shutdown()` waits, in ms (default 30,000). Whatever is not
   * delivered by then is reported as `pending` (and, for spans, still retried in the background
   * until shutdown), so a dead endpoint never makes the caller wait without end.
   */
  timeoutMs?: number;
}

function emptyReport(name: string, error?: string): FlushReport {
  return { name, delivered: 0, dropped: 0, failed: 0, errors: error ? [error] : [] };
}

function combine(reports: FlushReport[]): FlushResult {
  return {
    delivered: reports.reduce((n, r) => n + r.delivered, 0),
    dropped: reports.reduce((n, r) => n + r.dropped, 0),
    failed: reports.reduce((n, r) => n + r.failed, 0),
    pending: reports.reduce((n, r) => n + (r.pending ?? 0), 0),
    errors: reports.flatMap((r) => r.errors.map((e) => `${r.name}: ${e}`)),
    reports,
  };
}

function flushTimeout(options: FlushOptions | undefined): number {
  const ms = options?.timeoutMs;
  if (ms === undefined) return DEFAULT_FLUSH_TIMEOUT_MS;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new LangfuseValidationError("Invalid flush options", [{ path: "timeoutMs", message: "must be a finite number of milliseconds >= 0" }]);
  }
  return ms;
}

/**
 * A queue's own flush, or a report saying it is still running once `timeoutMs` has passed (the
 * queue keeps working in the background; only the caller stops waiting).
 */
function withinTimeout(name: string, run: () => Promise<FlushReport>, timeoutMs: number): Promise<FlushReport> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<FlushReport>((resolve) => {
    timer = setTimeout(() => resolve(emptyReport(name, `not finished after ${timeoutMs} ms`)), timeoutMs);
    timer.unref?.();
  });
  return Promise.race([safely(name, run), late]).finally(() => clearTimeout(timer));
}

async function safely(name: string, run: () => Promise<FlushReport>): Promise<FlushReport> {
  try {
    return await run();
  } catch (err) {
    return emptyReport(name, errorMessage(err));
  }
}

export class Langfuse {
  readonly config: ResolvedConfig;
  readonly backend: Backend;
  /** The typed Langfuse public API (HTTP, or the embedded store in local mode). */
  readonly api: LangfuseApi;
  /**
   * This client's span pipeline. When you run your own OpenTelemetry provider (NodeSDK,
   * Sentry), add it there: `new NodeSDK({ spanProcessors: [langfuse.spanProcessor] })`.
   */
  readonly spanProcessor: LangfuseSpanProcessor;
  /** @internal The tracer and limits observations and decorators use. */
  readonly tracing: TracingRuntime;
  /** Where spans are created: own global provider, isolated, explicit, the user's global, or disabled. */
  readonly providerMode: ProviderMode;

  private readonly flushables = new Set<Flushable>();
  private readonly ownedProvider: BasicTracerProvider | undefined;
  private readonly externalProvider: { forceFlush?: () => Promise<void> } | undefined;
  private shutdownResult: Promise<FlushResult> | undefined;

  constructor(options: LangfuseOptions = {}, internals?: ClientInternals) {
    const resolved = resolveConfig(options);
    this.config = internals ? { ...resolved, tracingEnabled: false } : resolved;
    if (this.config.debug) logger.setDebug(true);
    this.backend = internals?.backend ?? createBackend(this.config);
    this.api = this.backend.api;
    if (!internals) logger.infoOnce(`backend:${this.backend.describe()}`, this.backend.describe());
    const scorer = this.scorer();

    if (!this.config.tracingEnabled) {
      if (!internals) {
        logger.infoOnce("tracing-disabled", "Langfuse tracing is disabled (LANGFUSE_TRACING_ENABLED=false); decorated code runs untraced.");
      }
      this.spanProcessor = LangfuseSpanProcessor.fromConfig(this.config, undefined, internals?.tracingDisabledReason ?? "tracing is disabled");
      this.providerMode = "disabled";
      this.tracing = createDisabledRuntime(this, this.config.maxFieldChars, scorer);
    } else {
      const exporter = this.backend.createSpanExporter();
      if (!exporter) logger.infoOnce("no-exporter", `${this.backend.describe()}: no span exporter available; spans are not exported.`);
      this.spanProcessor = LangfuseSpanProcessor.fromConfig(this.config, exporter, exporter ? undefined : "the backend has no span exporter");
      const setup = setUpTracer(this.config, this.spanProcessor);
      this.providerMode = setup.mode;
      this.ownedProvider = setup.ownedProvider;
      this.externalProvider = setup.externalProvider as { forceFlush?: () => Promise<void> } | undefined;
      this.tracing = new TracingRuntime({
        client: this,
        scorer,
        enabled: true,
        tracer: setup.tracer,
        maxFieldChars: this.config.maxFieldChars,
        ioCaptureEnabled: this.config.ioCaptureEnabled,
        checkProcessorReach: setup.checkProcessorReach,
      });
    }
    this.registerFlushable(attachMediaUploads(this.backend.mediaStore(), this.spanProcessor));
    if (!internals) registerClient(this);
  }

  /** `observation.score()` and the free score functions reach the score queue through this port. */
  private scorer(): ObservationScorer {
    return {
      scoreObservation: (target, score) => this.evals.scores.scoreObservation(target, score),
      scoreTrace: (target, score) => this.evals.scores.scoreTrace(target, score),
      scoreCurrentSpan: (score) => this.evals.scores.scoreCurrentSpan(score),
      scoreCurrentTrace: (score) => this.evals.scores.scoreCurrentTrace(score),
    };
  }

  /** Queues (scores, media, dataset links) register here so flush()/shutdown() deliver them. */
  registerFlushable(flushable: Flushable): void {
    this.flushables.add(flushable);
  }

  /**
   * Delivers everything queued: spans and every registered queue. Settles when all of it was
   * delivered or definitively failed, or when `timeoutMs` (default 30 s) has passed; never
   * rejects for delivery problems (a bad `timeoutMs` is a LangfuseValidationError). The result
   * says what was delivered, dropped, failed and is still pending.
   */
  async flush(options?: FlushOptions): Promise<FlushResult> {
    const timeoutMs = flushTimeout(options);
    this.settleFlushables("flush");
    const reports = await Promise.all([
      safely("spans", () => this.spanProcessor.flushWithReport(timeoutMs)),
      ...[...this.flushables].map((f) => withinTimeout(f.name, () => f.flush(), timeoutMs)),
      ...(this.externalProvider ? [withinTimeout("provider", () => this.flushExternalProvider(), timeoutMs)] : []),
    ]);
    return combine(reports);
  }

  private settleFlushables(reason: "flush" | "shutdown"): void {
    for (const f of this.flushables) {
      try {
        f.settle?.(reason);
      } catch (err) {
        logger.warnOnce(`settle-${f.name}`, `${f.name}: settling before ${reason} failed: ${errorMessage(err)}`);
      }
    }
  }

  /** The user's own provider holds their LangfuseSpanProcessor: flush it too (never shut it down). */
  private async flushExternalProvider(): Promise<FlushReport> {
    await this.externalProvider?.forceFlush?.();
    return emptyReport("provider");
  }

  /**
   * Flushes (waiting at most `timeoutMs`, default 30 s), then stops every queue, the span
   * pipeline and the backend. Idempotent: later calls get the first call's result.
   */
  shutdown(options?: FlushOptions): Promise<FlushResult> {
    const timeoutMs = flushTimeout(options);
    this.shutdownResult ??= this.doShutdown(timeoutMs);
    return this.shutdownResult;
  }

  private async doShutdown(timeoutMs: number): Promise<FlushResult> {
    unregisterClient(this);
    this.tracing.cancelReachCheck();
    this.settleFlushables("shutdown");
    const reports = await Promise.all([
      safely("spans", () => this.spanProcessor.shutdownWithReport(timeoutMs)),
      ...[...this.flushables].map((f) => withinTimeout(f.name, () => f.shutdown(), timeoutMs)),
    ]);
    if (this.ownedProvider) {
      releaseGlobalProvider(this.ownedProvider);
      try {
        await this.ownedProvider.shutdown();
      } catch (err) {
        reports.push(emptyReport("provider", errorMessage(err)));
      }
    }
    try {
      await this.backend.shutdown();
    } catch (err) {
      reports.push(emptyReport("backend", errorMessage(err)));
    }
    return combine(reports);
  }

  /** Starts an observation (not made current); end it with `.end()`. Events end at once. */
  startObservation<T extends ObservationType = "span">(options: StartObservationOptions<T>): ObservationByType[T] {
    return createObservation(this.tracing, options);
  }

  /** Runs `fn` with a new current observation; ends it on return, throw or settle. */
  startAsCurrentObservation<T extends ObservationType = "span", R = unknown>(
    options: StartAsCurrentObservationOptions<T>,
    fn: (observation: ObservationByType[T]) => R,
  ): R {
    return startAsCurrentObservation(this.tracing, options, fn);
  }

  updateCurrentSpan(attributes: LangfuseSpanAttributes): void {
    if (this.tracing.enabled) current.updateCurrentSpan(attributes);
  }

  updateCurrentGeneration(attributes: LangfuseGenerationAttributes): void {
    if (this.tracing.enabled) current.updateCurrentGeneration(attributes);
  }

  updateCurrentTrace(attributes: LangfuseTraceAttributes): void {
    if (this.tracing.enabled) current.updateCurrentTrace(attributes);
  }

  getCurrentTraceId(): string | undefined {
    return this.tracing.enabled ? current.getCurrentTraceId() : undefined;
  }

  getCurrentObservationId(): string | undefined {
    return this.tracing.enabled ? current.getCurrentObservationId() : undefined;
  }

  /** 32 hex chars; deterministic for a seed (sha256), random otherwise. */
  createTraceId(seed?: string): string {
    return current.createTraceId(seed);
  }

  /** Same as the exported `propagateAttributes`. */
  propagateAttributes<R>(params: PropagateAttributesParams, fn: () => R): R {
    return propagateAttributes(params, fn);
  }

  /** The project id behind the keys (GET /api/public/projects, `data[0].id`), fetched once. */
  private projectIdState: Promise<string> | undefined;

  private projectId(): Promise<string> {
    if (this.projectIdState === undefined) {
      const pending = this.api.projects.get().then((projects) => {
        const id = projects?.data?.[0]?.id;
        if (typeof id !== "string" || id === "") {
          throw new LangfuseError("API", "Auth check failed, no project found for the keys provided.");
        }
        return id;
      });
      // A failure is not cached: the next call asks again (keys fixed, server back up, ...).
      pending.catch(() => {
        if (this.projectIdState === pending) this.projectIdState = undefined;
      });
      this.projectIdState = pending;
    }
    return this.projectIdState;
  }

  /**
   * Whether the client's keys work, as the Python SDK's `auth_check()`: one
   * `GET /api/public/projects`. Resolves true when the keys open a project. Rejects with the
   * server's `LangfuseApiError` when the request fails (401 for wrong keys, network errors after
   * the retries, ...) and with a `LangfuseError` (code "API") "Auth check failed, no project
   * found for the keys provided." when the keys belong to no project. Resolves false, with a
   * warning, when the client is shut down (there is nothing left to check with). In local mode
   * (no keys) the embedded store is the one project "local" and this resolves true.
   */
  async authCheck(): Promise<boolean> {
    if (this.shutdownResult !== undefined) {
      logger.warn("authCheck() called on a client that is shut down; returning false.");
      return false;
    }
    await this.projectId();
    return true;
  }

  /**
   * The address of a trace: `{baseUrl}/project/{projectId}/traces/{traceId}` (the project id is
   * fetched once with GET /api/public/projects and cached). In local mode (no keys) it is the
   * address the local server gives the trace when the embedded store is served with
   * `npx langfuse-decorators serve` on its defaults: `http://127.0.0.1:3000/project/local/traces/{traceId}`
   * (answered with the trace's JSON; the local server has no web UI). Rejects like `authCheck()`
   * when the project cannot be read, and with a `LangfuseValidationError` for an empty trace id.
   */
  async getTraceUrl(traceId: string): Promise<string> {
    if (typeof traceId !== "string" || traceId.trim() === "") {
      throw new LangfuseValidationError("getTraceUrl needs a trace id", [{ path: "traceId", message: "must be a non-empty string" }]);
    }
    const projectId = await this.projectId();
    return `${this.backend.traceUrlBase.replace(/\/+$/, "")}/project/${encodeURIComponent(projectId)}/traces/${encodeURIComponent(traceId)}`;
  }

  private promptManagerState: PromptManager | undefined;

  /** Created on first use (with its cache) so clients that never touch prompts pay nothing. */
  private get promptManager(): PromptManager {
    this.promptManagerState ??= new PromptManager({
      api: this.backend.promptApi(),
      defaultCacheTtlSeconds: this.config.promptCacheDefaultTtlSeconds,
    });
    return this.promptManagerState;
  }

  /** Creates a prompt, or a new version of an existing name (`a/b/c` names make folders). */
  createPrompt(options: CreateChatPromptOptions): Promise<ChatPromptClient>;
  createPrompt(options: CreateTextPromptOptions): Promise<TextPromptClient>;
  createPrompt(options: CreatePromptOptions): Promise<PromptClient>;
  createPrompt(options: CreatePromptOptions): Promise<PromptClient> {
    return this.promptManager.createPrompt(options);
  }

  /**
   * A prompt through the cache (stale-while-revalidate; default label `production`, TTL from
   * LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS). `type: "chat"` gives a ChatPromptClient.
   */
  getPrompt(name: string, options: GetChatPromptOptions): Promise<ChatPromptClient>;
  getPrompt(name: string, options: GetTextPromptOptions): Promise<TextPromptClient>;
  getPrompt(name: string, options?: GetPromptOptions): Promise<PromptClient>;
  getPrompt(name: string, options?: GetPromptOptions): Promise<PromptClient> {
    return this.promptManager.getPrompt(name, options);
  }

  /** Adds labels to one version and moves them off the others (`latest` cannot be set). */
  updatePrompt(options: UpdatePromptOptions): Promise<PromptClient> {
    return this.promptManager.updatePrompt(options);
  }

  /** Deletes all versions of a prompt, or one version / the version carrying a label. */
  deletePrompt(name: string, options?: DeletePromptOptions): Promise<void> {
    return this.promptManager.deletePrompt(name, options);
  }

  private evalsState: ClientEvals | undefined;

  /** Created on first use so clients that never score or run experiments pay nothing. */
  private get evals(): ClientEvals {
    this.evalsState ??= createClientEvals(this);
    return this.evalsState;
  }

  /** @internal The score queue (observations' `score()` / `scoreTrace()` go through it). */
  get scoreManager(): ScoreManager {
    return this.evals.scores;
  }

  /**
   * Queues a score (validated; an invalid one is a warning and is not sent). Sampled with its
   * trace, delivered in batches by `flush()`. Never throws.
   */
  createScore(score: CreateScoreInput): ScoreOutcome {
    return this.evals.scores.create(score);
  }

  /** Scores the active span (warning and no-op without one). */
  scoreCurrentSpan(score: ScoreOptions): ScoreOutcome {
    return this.evals.scores.scoreCurrentSpan(score);
  }

  /** Scores the active span's trace (warning and no-op without one). */
  scoreCurrentTrace(score: ScoreOptions): ScoreOutcome {
    return this.evals.scores.scoreCurrentTrace(score);
  }

  /** Creates or updates (by name) a dataset, optionally with JSON Schemas for items. */
  createDataset(dataset: CreateDatasetInput): Promise<Dataset> {
    return this.evals.datasets.createDataset(dataset);
  }

  /** A dataset with all its ACTIVE items; `version` gives the snapshot at that instant. */
  getDataset(name: string, options?: GetDatasetOptions): Promise<DatasetClient> {
    return this.evals.datasets.getDataset(name, options);
  }

  /** Every dataset of the project. */
  getDatasets(options?: { pageSize?: number }): Promise<Dataset[]> {
    return this.evals.datasets.getDatasets(options);
  }

  /** Creates or (with `id`) updates a dataset item, validated against the dataset's schemas. */
  createDatasetItem(item: CreateDatasetItemInput): Promise<DatasetItemClient> {
    return this.evals.datasets.createDatasetItem(item);
  }

  /** Runs an experiment on local data (`data`), each item in its own trace. */
  runExperiment<I extends ExperimentItem, O>(
    options: ExperimentOptions<I, O>,
  ): Promise<ExperimentResult<I, O>> {
    return runExperimentWithHost(this.evals.host, options);
  }

}

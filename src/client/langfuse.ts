/**
 * The Langfuse client facade.
 *
 * OWNERSHIP (several people work on this file; edit only your own region, with small
 * str_replace edits, never rewrite the whole file):
 *   - constructor, config, backend, flush/shutdown, tracing region: tracing helper
 *   - prompts region: prompts helper (lazy getter for its PromptManager + delegate methods)
 *   - scores/datasets/experiments region: evals helper (same pattern)
 * Managers are created lazily in their region (private getter) so the constructor never
 * needs to change for them. Queues register with `registerFlushable` on creation.
 */
import { trace } from "@opentelemetry/api";
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { createBackend, type Backend } from "../api/backend";
import { LangfuseError, LangfuseValidationError, errorMessage } from "../errors";
import type { LangfuseApi } from "../api/langfuse-api";
import type { LangfuseOptions } from "../config/options";
import { resolveConfig } from "../config/resolve-config";
import type { ResolvedConfig } from "../config/types";
import type { LangfuseGenerationAttributes, LangfuseSpanAttributes, LangfuseTraceAttributes } from "../tracing/attributes";
import type { ObservationType } from "../tracing/constants";
import * as current from "../tracing/current";
import { logger } from "../logger";
import {
  createObservation,
  startAsCurrentObservation,
  type ObservationByType,
  type StartAsCurrentObservationOptions,
  type StartObservationOptions,
} from "../tracing/observations";
import { propagateAttributes, type PropagateAttributesParams } from "../tracing/propagation";
import { TracingRuntime } from "../tracing/runtime";
import { LangfuseSpanProcessor } from "../tracing/span-processor";
import { releaseGlobalProvider, setUpTracer, type ProviderMode } from "../tracing/tracer-setup";
import type { Flushable, FlushReport } from "../flushable";
import { registerClient, unregisterClient } from "./registry";
import { attachMediaUploads } from "../media/media-uploads";

/** What `flush()` / `shutdown()` resolve with: totals plus one report per queue. */
export interface FlushResult {
  delivered: number;
  dropped: number;
  failed: number;
  errors: string[];
  reports: FlushReport[];
}

function emptyReport(name: string, error?: string): FlushReport {
  return { name, delivered: 0, dropped: 0, failed: 0, errors: error ? [error] : [] };
}

function combine(reports: FlushReport[]): FlushResult {
  return {
    delivered: reports.reduce((n, r) => n + r.delivered, 0),
    dropped: reports.reduce((n, r) => n + r.dropped, 0),
    failed: reports.reduce((n, r) => n + r.failed, 0),
    errors: reports.flatMap((r) => r.errors.map((e) => `${r.name}: ${e}`)),
    reports,
  };
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

  constructor(options: LangfuseOptions = {}) {
    this.config = resolveConfig(options);
    if (this.config.debug) logger.setDebug(true);
    this.backend = createBackend(this.config);
    this.api = this.backend.api;
    logger.infoOnce(`backend:${this.backend.describe()}`, this.backend.describe());

    if (!this.config.tracingEnabled) {
      logger.infoOnce("tracing-disabled", "Langfuse tracing is disabled (LANGFUSE_TRACING_ENABLED=false); decorated code runs untraced.");
      this.spanProcessor = LangfuseSpanProcessor.fromConfig(this.config, undefined, "tracing is disabled");
      this.providerMode = "disabled";
      this.tracing = new TracingRuntime(this, false, trace.getTracer("langfuse-sdk"), this.config.maxFieldChars, this.config.ioCaptureEnabled, false);
    } else {
      let exporter = this.config.mode === "local" ? this.backend.createSpanExporter() : undefined;
      let reason: string | undefined;
      if (this.config.mode === "http") {
        // The backend may supply its own exporter in http mode too; otherwise OTLP/HTTP JSON.
        exporter = this.backend.createSpanExporter() ?? undefined;
        if (!exporter) {
          // Lazy import keeps the OTLP exporter out of local-only processes.
          const { createOtlpSpanExporter } = require("../tracing/exporter") as typeof import("../tracing/exporter");
          exporter = createOtlpSpanExporter(this.config);
        }
      } else if (!exporter) {
        reason = "no keys set and the embedded store has no span exporter";
        logger.infoOnce("local-no-exporter", "Langfuse: no keys set and no local span exporter available; spans are not exported.");
      }
      this.spanProcessor = LangfuseSpanProcessor.fromConfig(this.config, exporter, reason);
      const setup = setUpTracer(this.config, this.spanProcessor);
      this.providerMode = setup.mode;
      this.ownedProvider = setup.ownedProvider;
      this.externalProvider = setup.externalProvider as { forceFlush?: () => Promise<void> } | undefined;
      this.tracing = new TracingRuntime(
        this,
        true,
        setup.tracer,
        this.config.maxFieldChars,
        this.config.ioCaptureEnabled,
        setup.checkProcessorReach,
      );
    }
    this.registerFlushable(attachMediaUploads(this.api, this.spanProcessor));
    registerClient(this);
  }

  /** Queues (scores, media, dataset links) register here so flush()/shutdown() deliver them. */
  registerFlushable(flushable: Flushable): void {
    this.flushables.add(flushable);
  }

  /**
   * Delivers everything queued: spans and every registered queue. Settles when all of it was
   * delivered or definitively failed; never rejects. The result says what was dropped/failed.
   */
  async flush(): Promise<FlushResult> {
    const reports = await Promise.all([
      safely("spans", () => this.spanProcessor.flushWithReport()),
      ...[...this.flushables].map((f) => safely(f.name, () => f.flush())),
      ...(this.externalProvider ? [safely("provider", () => this.flushExternalProvider())] : []),
    ]);
    return combine(reports);
  }

  /** The user's own provider holds their LangfuseSpanProcessor: flush it too (never shut it down). */
  private async flushExternalProvider(): Promise<FlushReport> {
    await this.externalProvider?.forceFlush?.();
    return emptyReport("provider");
  }

  /** Flushes, then stops every queue, the span pipeline and the backend. Idempotent. */
  shutdown(): Promise<FlushResult> {
    this.shutdownResult ??= this.doShutdown();
    return this.shutdownResult;
  }

  private async doShutdown(): Promise<FlushResult> {
    unregisterClient(this);
    this.tracing.cancelReachCheck();
    const reports = await Promise.all([
      safely("spans", () => this.spanProcessor.shutdownWithReport()),
      ...[...this.flushables].map((f) => safely(f.name, () => f.shutdown())),
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

  // #region tracing (tracing helper)

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

  // #endregion tracing

  // #region project (api helper)

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
    let baseUrl = this.config.baseUrl;
    if (this.config.mode === "local") {
      baseUrl = (require("../local/api/projects") as typeof import("../local/api/projects")).LOCAL_SERVER_DEFAULT_URL;
    }
    return `${baseUrl.replace(/\/+$/, "")}/project/${encodeURIComponent(projectId)}/traces/${encodeURIComponent(traceId)}`;
  }

  // #endregion project

  // #region prompts (prompts helper)

  private promptManagerState: import("../prompts/prompt-manager").PromptManager | undefined;

  /** Created on first use (with its cache) so clients that never touch prompts pay nothing. */
  private get promptManager(): import("../prompts/prompt-manager").PromptManager {
    if (this.promptManagerState === undefined) {
      const { PromptManager } = require("../prompts/prompt-manager") as typeof import("../prompts/prompt-manager");
      this.promptManagerState = new PromptManager({ api: this.promptApi(), defaultCacheTtlSeconds: this.config.promptCacheDefaultTtlSeconds });
    }
    return this.promptManagerState;
  }

  /**
   * In http mode prompts use their own HttpApi with transport retries off: getPrompt's
   * `maxRetries` / `fetchTimeoutMs` then mean exactly what they say (otherwise each of its
   * attempts would retry again inside HttpApi, and a fallback would take many seconds).
   */
  private promptApi(): LangfuseApi {
    if (this.config.mode !== "http") return this.api;
    const { HttpApi } = require("../api/http/http-api") as typeof import("../api/http/http-api");
    return new HttpApi({
      baseUrl: this.config.baseUrl,
      publicKey: this.config.publicKey ?? "",
      secretKey: this.config.secretKey ?? "",
      timeoutSeconds: this.config.timeoutSeconds,
      sdkName: this.config.sdkName,
      sdkVersion: this.config.sdkVersion,
      additionalHeaders: this.config.additionalHeaders,
      maxRetries: 0,
    });
  }

  /** Creates a prompt, or a new version of an existing name (`a/b/c` names make folders). */
  createPrompt(options: import("../prompts/types").CreateChatPromptOptions): Promise<import("../prompts/prompt-clients").ChatPromptClient>;
  createPrompt(options: import("../prompts/types").CreateTextPromptOptions): Promise<import("../prompts/prompt-clients").TextPromptClient>;
  createPrompt(options: import("../prompts/types").CreatePromptOptions): Promise<import("../prompts/prompt-clients").PromptClient>;
  createPrompt(options: import("../prompts/types").CreatePromptOptions): Promise<import("../prompts/prompt-clients").PromptClient> {
    return this.promptManager.createPrompt(options);
  }

  /**
   * A prompt through the cache (stale-while-revalidate; default label `production`, TTL from
   * LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS). `type: "chat"` gives a ChatPromptClient.
   */
  getPrompt(name: string, options: import("../prompts/types").GetChatPromptOptions): Promise<import("../prompts/prompt-clients").ChatPromptClient>;
  getPrompt(name: string, options: import("../prompts/types").GetTextPromptOptions): Promise<import("../prompts/prompt-clients").TextPromptClient>;
  getPrompt(name: string, options?: import("../prompts/types").GetPromptOptions): Promise<import("../prompts/prompt-clients").PromptClient>;
  getPrompt(name: string, options?: import("../prompts/types").GetPromptOptions): Promise<import("../prompts/prompt-clients").PromptClient> {
    return this.promptManager.getPrompt(name, options);
  }

  /** Adds labels to one version and moves them off the others (`latest` cannot be set). */
  updatePrompt(options: import("../prompts/types").UpdatePromptOptions): Promise<import("../prompts/prompt-clients").PromptClient> {
    return this.promptManager.updatePrompt(options);
  }

  /** Deletes all versions of a prompt, or one version / the version carrying a label. */
  deletePrompt(name: string, options?: import("../prompts/types").DeletePromptOptions): Promise<void> {
    return this.promptManager.deletePrompt(name, options);
  }

  // #endregion prompts

  // #region evals (scores/datasets/experiments helper)

  private evalsState: import("../experiments/client-host").ClientEvals | undefined;

  /** Created on first use so clients that never score or run experiments pay nothing. */
  private get evals(): import("../experiments/client-host").ClientEvals {
    if (!this.evalsState) {
      const { createClientEvals } = require("../experiments/client-host") as typeof import("../experiments/client-host");
      this.evalsState = createClientEvals(this);
    }
    return this.evalsState;
  }

  /** @internal The score queue (observations' `score()` / `scoreTrace()` go through it). */
  get scoreManager(): import("../scores").ScoreManager {
    return this.evals.scores;
  }

  /**
   * Queues a score (validated; an invalid one is a warning and is not sent). Sampled with its
   * trace, delivered in batches by `flush()`. Never throws.
   */
  createScore(score: import("../scores").CreateScoreInput): import("../scores").ScoreOutcome {
    return this.evals.scores.create(score);
  }

  /** Scores the active span (warning and no-op without one). */
  scoreCurrentSpan(score: import("../scores").ScoreOptions): import("../scores").ScoreOutcome {
    return this.evals.scores.scoreCurrentSpan(score);
  }

  /** Scores the active span's trace (warning and no-op without one). */
  scoreCurrentTrace(score: import("../scores").ScoreOptions): import("../scores").ScoreOutcome {
    return this.evals.scores.scoreCurrentTrace(score);
  }

  /** Creates or updates (by name) a dataset, optionally with JSON Schemas for items. */
  createDataset(dataset: import("../datasets").CreateDatasetInput): Promise<import("../api/types").Dataset> {
    return this.evals.datasets.createDataset(dataset);
  }

  /** A dataset with all its ACTIVE items; `version` gives the snapshot at that instant. */
  getDataset(name: string, options?: import("../datasets").GetDatasetOptions): Promise<import("../datasets").DatasetClient> {
    return this.evals.datasets.getDataset(name, options);
  }

  /** Every dataset of the project. */
  getDatasets(options?: { pageSize?: number }): Promise<import("../api/types").Dataset[]> {
    return this.evals.datasets.getDatasets(options);
  }

  /** Creates or (with `id`) updates a dataset item, validated against the dataset's schemas. */
  createDatasetItem(item: import("../datasets").CreateDatasetItemInput): Promise<import("../datasets").DatasetItemClient> {
    return this.evals.datasets.createDatasetItem(item);
  }

  /** Runs an experiment on local data (`data`), each item in its own trace. */
  runExperiment<I extends import("../experiments").ExperimentItem, O>(
    options: import("../experiments").ExperimentOptions<I, O>,
  ): Promise<import("../experiments").ExperimentResult<I, O>> {
    const { runExperimentWithHost } = require("../experiments/experiment-runner") as typeof import("../experiments/experiment-runner");
    return runExperimentWithHost(this.evals.host, options);
  }

  // #endregion evals
}

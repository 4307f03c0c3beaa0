import { trace } from "@opentelemetry/api";
import { randomUUID } from "node:crypto";
import type { LangfuseApi } from "../api/langfuse-api";
import type { Flushable, FlushReport } from "../flushable";
import { ScoreQueue, consoleScoreLogger, type ScoreLogger } from "./score-queue";
import { scoreConfigProblem, UNKNOWN_SCORE_CONFIG_MESSAGE } from "../api/score-config-rules";
import type { ScoreConfig } from "../api/types-v4";
import type { CreateScoreInput, ObservationScorer, ScoreOptions, ScoreOutcome, ScoreTarget } from "../tracing/score-port";
import { validateScore } from "./score-validation";
import { errorMessage } from "../errors";
import { activeSpan } from "../tracing/ambient";

export interface ScoreManagerOptions {
  /** With `scoreConfigs`, scores naming a `configId` are checked against their config before sending. */
  api: Pick<LangfuseApi, "ingestion"> & Partial<Pick<LangfuseApi, "scoreConfigs">>;
  /** Scores are a tracing feature: with tracing off they are not recorded (as in the Python SDK). */
  tracingEnabled?: boolean;
  /** Default `environment` of every score (the client's environment). */
  environment?: string;
  /** Decides whether a trace was kept by sampling; scores on dropped traces are not sent. */
  isTraceSampled?: (traceId: string) => boolean;
  flushAt?: number;
  flushIntervalMs?: number;
  maxQueueSize?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  /** Scores per ingestion call (default 100). */
  batchSize?: number;
  /** Serialized bytes per ingestion call (default 2.5 MB; the server takes 4.5 MB). */
  maxBatchBytes?: number;
  logger?: ScoreLogger;
}

/** Distinct (name, reason) warnings remembered; beyond this, invalid scores are only counted. */
const MAX_WARNED_INVALID = 1000;
/** Score configs remembered (id → config or "unknown"), each for CONFIG_TTL_MS. */
const MAX_CACHED_CONFIGS = 1000;
const CONFIG_TTL_MS = 60_000;
/** Scores waiting for their config to be fetched; beyond this they are sent unchecked. */
const MAX_PENDING_CONFIG_CHECKS = 10_000;

/**
 * Creates scores: validates them client-side (an invalid score is warned about once per name
 * and reason, counted as dropped in flush()'s report, and not sent), applies the trace's sampling decision, and hands them to a bounded batched queue
 * that the client's `flush()` drains. Nothing here throws into user code.
 */
export class ScoreManager implements Flushable, ObservationScorer {
  readonly name = "scores";
  readonly queue: ScoreQueue;
  private readonly logger: ScoreLogger;
  private invalidCount = 0;
  /** (score name, reason) pairs already warned about: an invalid score in a loop warns once. */
  private readonly warnedInvalid = new Set<string>();
  private readonly configs = new Map<string, { config: ScoreConfig | null; until: number }>();
  private readonly configFetches = new Map<string, Promise<ScoreConfig | null | undefined>>();
  private readonly pendingChecks = new Set<Promise<void>>();

  constructor(private readonly options: ScoreManagerOptions) {
    this.logger = options.logger ?? consoleScoreLogger;
    this.queue = new ScoreQueue({
      api: options.api,
      flushAt: options.flushAt ?? 15,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      maxQueueSize: options.maxQueueSize ?? 100_000,
      maxRetries: options.maxRetries,
      retryBaseMs: options.retryBaseMs,
      batchSize: options.batchSize,
      maxBatchBytes: options.maxBatchBytes,
      logger: this.logger,
    });
  }

  /** Invalid scores seen so far (each one was logged and not sent). */
  get invalid(): number {
    return this.invalidCount;
  }

  create(input: CreateScoreInput): ScoreOutcome {
    try {
      if (this.options.tracingEnabled === false) return { status: "disabled" };
      const checked = validateScore(input);
      if (!checked.ok) return this.reject(input, checked.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
      const body = checked.body;
      if (body.traceId && this.options.isTraceSampled && !this.options.isTraceSampled(body.traceId)) {
        return { status: "sampled-out" };
      }
      const id = body.id ?? randomUUID();
      const environment = body.environment ?? this.options.environment;
      // `body` is the validator's fresh object: completing it in place keeps the key order of
      // the former spread copy ({ ...body, id, environment }) without copying every score.
      const event = body as typeof body & { id: string };
      event.id = id;
      if (environment) event.environment = environment;
      if (body.configId && this.options.api.scoreConfigs) {
        const cached = this.configs.get(body.configId);
        if (cached && cached.until > Date.now()) {
          const problem = this.configProblem(cached.config, event);
          if (problem) return this.reject(input, `configId: ${problem}`);
        } else if (this.pendingChecks.size < MAX_PENDING_CONFIG_CHECKS) {
          // Checked once the config is known; flush() waits for it.
          const check = this.fetchConfig(body.configId).then((config) => {
            const problem = config === undefined ? undefined : this.configProblem(config, event);
            if (problem) this.reject(input, `configId: ${problem}`);
            else this.queue.enqueue(event, input.timestamp);
          });
          this.pendingChecks.add(check);
          void check.finally(() => this.pendingChecks.delete(check));
          return { status: "queued", id };
        }
      }
      const queued = this.queue.enqueue(event, input.timestamp);
      return queued ? { status: "queued", id } : { status: "dropped" };
    } catch (error) {
      // Defensive: a bug here must not break the caller's request path.
      this.logger.error(`Creating score failed: ${errorMessage(error)}`);
      return { status: "dropped" };
    }
  }

  /** Scores one observation (`span.score`). */
  scoreObservation(target: ScoreTarget, score: ScoreOptions): ScoreOutcome {
    return this.create({ ...score, traceId: target.traceId, observationId: target.id });
  }

  /** Scores the observation's whole trace (`span.scoreTrace`). */
  scoreTrace(target: Pick<ScoreTarget, "traceId">, score: ScoreOptions): ScoreOutcome {
    return this.create({ ...score, traceId: target.traceId });
  }

  /** Scores the active OTel span; a warning and no-op without one. */
  scoreCurrentSpan(score: ScoreOptions): ScoreOutcome {
    const ctx = activeSpanContext();
    if (!ctx) {
      this.logger.warn(`scoreCurrentSpan("${score?.name}"): no active span; score not sent`);
      return { status: "dropped" };
    }
    return this.create({ ...score, traceId: ctx.traceId, observationId: ctx.spanId });
  }

  /** Scores the trace of the active OTel span; a warning and no-op without one. */
  scoreCurrentTrace(score: ScoreOptions): ScoreOutcome {
    const ctx = activeSpanContext();
    if (!ctx) {
      this.logger.warn(`scoreCurrentTrace("${score?.name}"): no active span; score not sent`);
      return { status: "dropped" };
    }
    return this.create({ ...score, traceId: ctx.traceId });
  }

  flush(): Promise<FlushReport> {
    return this.settleConfigChecks().then(() => this.queue.flush());
  }

  shutdown(): Promise<FlushReport> {
    return this.settleConfigChecks().then(() => this.queue.shutdown());
  }

  private async settleConfigChecks(): Promise<void> {
    // Bounded: checks started while waiting are awaited too, a few rounds at most.
    for (let round = 0; round < 5 && this.pendingChecks.size > 0; round++) await Promise.allSettled([...this.pendingChecks]);
  }

  private reject(input: CreateScoreInput, reason: string): ScoreOutcome {
    this.invalidCount++;
    const name = typeof input?.name === "string" ? `"${input.name.slice(0, 200)}"` : "(unnamed)";
    const message = `Invalid score ${name} not sent: ${reason}`;
    // Logged once per (name, reason); every one is counted as dropped in flush()'s report.
    const key = `${name}\u0000${reason}`;
    if (!this.warnedInvalid.has(key) && this.warnedInvalid.size < MAX_WARNED_INVALID) {
      this.warnedInvalid.add(key);
      this.logger.warn(message);
    }
    this.queue.recordRejected(message);
    return { status: "invalid", reason };
  }

  /** The server's message for a score its config refuses (the score takes the config's name, as there). */
  private configProblem(config: ScoreConfig | null, body: { name: string; dataType?: ScoreConfig["dataType"] | "CORRECTION"; value: unknown }): string | undefined {
    if (config === null) return UNKNOWN_SCORE_CONFIG_MESSAGE;
    return scoreConfigProblem(config, { name: config.name, dataType: body.dataType, value: body.value });
  }

  /** The config (null: it does not exist; undefined: it could not be fetched, so the server decides). */
  private fetchConfig(id: string): Promise<ScoreConfig | null | undefined> {
    let p = this.configFetches.get(id);
    if (!p) {
      p = this.options.api.scoreConfigs!.get(id).then(
        (config) => this.remember(id, config),
        (err: { status?: number }) => (err?.status === 404 ? this.remember(id, null) : undefined),
      );
      this.configFetches.set(id, p);
      void p.finally(() => this.configFetches.delete(id));
    }
    return p;
  }

  private remember(id: string, config: ScoreConfig | null): ScoreConfig | null {
    if (this.configs.size >= MAX_CACHED_CONFIGS) this.configs.clear();
    this.configs.set(id, { config, until: Date.now() + CONFIG_TTL_MS });
    return config;
  }
}

function activeSpanContext(): { traceId: string; spanId: string } | undefined {
  const span = activeSpan();
  if (!span) return undefined;
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return undefined;
  return { traceId: ctx.traceId, spanId: ctx.spanId };
}

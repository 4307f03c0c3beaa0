import { trace, type Attributes, type AttributeValue, type Context } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { FlushReport } from "../flushable";
import type { LangfuseOptions } from "../config/options";
import { resolveConfig } from "../config/resolve-config";
import { retryDelayMs, type RetryPolicy } from "../api/http/retry-policy";
import type { ResolvedConfig } from "../config/types";
import { Attr, MASK_FAILED, TRACER_NAME } from "./constants";
import { logger } from "../logger";
import { baggageAttributes, getPropagatedState, propagatedAttributes, type PropagatedState } from "./propagation";
import { isTraceSampled } from "./sampling";
import { serializeValue } from "./serialize";
import { repairSpan } from "./span-validation";
import { errorMessage } from "../errors";

/** Where a processor built without a client sends its spans, and how it lets go of that. */
export interface StandaloneExportTarget {
  exporter: SpanExporter | undefined;
  describe(): string;
  shutdown(): Promise<void>;
}

let standaloneExportTarget: ((config: ResolvedConfig) => StandaloneExportTarget) | undefined;

/**
 * src/client installs how a standalone processor (`new LangfuseSpanProcessor()` in your own
 * NodeSDK) opens the destination a client with the same options would use; tracing cannot
 * import src/client, which is built on it.
 */
export function setStandaloneExportTarget(factory: (config: ResolvedConfig) => StandaloneExportTarget): void {
  standaloneExportTarget = factory;
}

/**
 * Set on a span a LangfuseSpanProcessor sees at start while some client still has to check
 * that its spans reach a Langfuse processor (it warns when they go to a provider without
 * one). Symbol.for so that two copies of this package in one process still recognise each
 * other.
 */
export const SEEN_BY_LANGFUSE_PROCESSOR: unique symbol = Symbol.for("langfuse-decorators.seen-by-processor") as never;

/**
 * How many clients still wait for their first span to be checked (shared across copies of the
 * package). Spans are only marked while it is above 0: adding a property to every span gave
 * each one a new hidden class and an out-of-object property store, on the hot path of every
 * traced call, for a check that runs once per client.
 */
export const pendingReachChecks: { count: number } = ((globalThis as Record<symbol, unknown>)[Symbol.for("langfuse-decorators.pending-reach-checks")] ??= {
  count: 0,
}) as { count: number };

/** Options of a standalone processor (for users who add it to their own NodeSDK / provider). */
export interface LangfuseSpanProcessorParams
  extends Pick<
    LangfuseOptions,
    | "publicKey"
    | "secretKey"
    | "baseUrl"
    | "host"
    | "environment"
    | "release"
    | "sampleRate"
    | "flushAt"
    | "flushInterval"
    | "timeout"
    | "mask"
    | "shouldExportSpan"
    | "additionalHeaders"
    | "maxQueueSize"
    | "maxFieldChars"
    | "debug"
    | "localDbPath"
    | "localDbSynchronous"
    | "exportEncoding"
  > {
  /** Exports in flight at once. Default 4 (16 into the embedded store, where they share commits). */
  exportConcurrency?: number;
  /**
   * How a failed batch is re-sent: first wait (default 500 ms, doubling with jitter), longest
   * wait (default 15 s), and how long after its first failure a batch is still retried before
   * it counts as failed (default 5 min).
   */
  exportRetry?: { baseDelayMs?: number; maxDelayMs?: number; maxAgeMs?: number };
  /**
   * Replaces the OTLP exporter (tests, custom collectors). It receives batches of up to
   * `flushAt` spans as they are: the built-in OTLP exporter splits its requests by serialized
   * size (and halves on 413), a custom one must respect its own transport's limits.
   */
  exporter?: SpanExporter;
}

/** What a flush of the span pipeline reports (a FlushReport plus what is still pending). */
export interface SpanFlushReport extends FlushReport {
  name: "spans";
  /** Still queued, kept for a retry or in flight when the flush timed out; reported again later. */
  pending: number;
}

/** flush()/shutdown() return within this unless told otherwise. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 30_000;
const DEFAULT_EXPORT_CONCURRENCY = 4;
/**
 * Longest one pump() call keeps starting exports before it lets the event loop run. Starting an
 * export validates (and masks) its batch and runs the exporter's synchronous part; sixteen
 * exports of 512 spans started in one go held the app's event loop ~19 ms in the ingest bench.
 */
const PUMP_BUDGET_MS = 1;

const MASKED_EXACT = new Set<string>([Attr.OBSERVATION_INPUT, Attr.OBSERVATION_OUTPUT, Attr.TRACE_INPUT, Attr.TRACE_OUTPUT]);
const OBS_META_PREFIX = Attr.OBSERVATION_METADATA;
const TRACE_META_PREFIX = Attr.TRACE_METADATA;

/** Content keys of GenAI semantic conventions (LLM instrumentations' prompts and completions). */
const GEN_AI_CONTENT_PREFIXES = ["gen_ai.prompt", "gen_ai.completion", "gen_ai.input", "gen_ai.output"];

function isMaskedKey(key: string): boolean {
  if (MASKED_EXACT.has(key) || key.startsWith(OBS_META_PREFIX) || key.startsWith(TRACE_META_PREFIX)) return true;
  return key.startsWith("gen_ai.") && GEN_AI_CONTENT_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * Instrumentation scopes of LLM frameworks whose spans are exported by default: a scope equal
 * to an entry or starting with `<entry>.` (`openinference.instrumentation.llama_index`). The
 * list of the official @langfuse/otel processor (a test keeps ours at least as wide). "ai" (the
 * Vercel AI SDK) matches exactly: `ai.` prefixes would catch unrelated scopes.
 */
export const KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES: readonly string[] = [
  TRACER_NAME,
  "agent_framework",
  "ai",
  "haystack",
  "langsmith",
  "litellm",
  "openinference",
  "opentelemetry.instrumentation.anthropic",
  "opentelemetry.instrumentation.aws_bedrock",
  "opentelemetry.instrumentation.bedrock",
  "opentelemetry.instrumentation.gemini",
  "opentelemetry.instrumentation.google_genai",
  "opentelemetry.instrumentation.google_generativeai",
  "opentelemetry.instrumentation.openai",
  "opentelemetry.instrumentation.openai_v2",
  "opentelemetry.instrumentation.vertex_ai",
  "opentelemetry.instrumentation.vertexai",
  "strands-agents",
  "vllm",
];
const EXACT_SCOPES = new Set(["ai"]);
const knownScopeCache = new Map<string, boolean>();

/** True when `scope` belongs to a known LLM instrumentation (see the list above). */
export function isKnownLLMInstrumentationScope(scope: string): boolean {
  let known = knownScopeCache.get(scope);
  if (known === undefined) {
    known = KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES.some((p) => scope === p || (!EXACT_SCOPES.has(p) && scope.startsWith(`${p}.`)));
    // Scope names are few per process; the bound only guards against generated names.
    if (knownScopeCache.size < 1000) knownScopeCache.set(scope, known);
  }
  return known;
}

/**
 * Default export filter: this SDK's spans, spans with GenAI semantic-convention keys
 * (`gen_ai.*`), and spans of known LLM instrumentation scopes (Vercel AI SDK, OpenInference,
 * LangSmith, Haystack, LiteLLM, ...). Other spans (HTTP, database) are dropped. Replace it
 * with the `shouldExportSpan` option.
 */
export function isDefaultExportSpan(span: ReadableSpan): boolean {
  const scope = span.instrumentationScope?.name;
  if (scope === TRACER_NAME) return true;
  if (scope !== undefined && isKnownLLMInstrumentationScope(scope)) return true;
  for (const key in span.attributes) if (key.startsWith("gen_ai.")) return true;
  return false;
}

/** Memo of the attribute object of one propagated state (the state objects are immutable). */
const stateAttributes = new WeakMap<PropagatedState, Attributes>();

/**
 * The Langfuse span pipeline: stamps environment, release and propagated trace attributes at
 * start; at end applies sampling and the export filter and queues the span in a bounded queue
 * (drops counted). Batches of `flushAt` go out every `flushInterval` seconds, up to
 * `exportConcurrency` at once; each fresh batch is checked span by span (a bad span is
 * repaired or dropped alone) and masked just before export.
 *
 * A batch that fails in a way that may pass (network, 408, 429, 5xx) is kept and re-sent with
 * backoff until it is delivered or `exportRetry.maxAgeMs` (5 min) has passed: an endpoint can
 * be away for minutes without losing spans. Kept batches count against `maxQueueSize`; when
 * the bound is reached, the oldest kept spans are dropped first (counted); when none is kept
 * at that moment (the backlog is unsent spans, or kept spans being re-sent), the span that just
 * ended is dropped instead (counted).
 *
 * `flushWithReport(timeoutMs)` returns within its timeout (default 30 s) whatever the endpoint
 * does, and reports what is still pending. Every span that passed sampling and the filter is
 * counted exactly once over the reports: delivered, dropped, failed, or (for now) pending.
 *
 * onStart/onEnd are synchronous and allocate nothing beyond the queue slot, so the hot path of
 * a traced call stays close to a raw OTel span.
 */
export class LangfuseSpanProcessor implements SpanProcessor {
  private readonly config: ResolvedConfig;
  private readonly exporter: SpanExporter | undefined;
  private queue: ReadableSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryTimerAt = 0;
  private pumpScheduled = false;
  /** A pump() that ran out of PUMP_BUDGET_MS continues in the next turn (see continuePump). */
  private pumpContinues = false;
  /** Failed batches waiting for their next attempt, oldest first. */
  private held: HeldBatch[] = [];
  /** Why the last failed export failed; a report of pending spans names it even while the kept batch is being re-sent (and so not in `held`). */
  private lastFailure: string | undefined;
  private heldSpans = 0;
  private active = 0;
  private inFlightSpans = 0;
  private readonly concurrency: number;
  /**
   * Exports allowed at once right now: back to 1 after a failure that may pass (an endpoint
   * that is down or overloaded gets one probe at a time, not `concurrency` timeouts), up by
   * one per success until `concurrency`.
   */
  private allowed = 1;
  private readonly retryPolicy: RetryPolicy;
  private readonly retryMaxAgeMs: number;
  /** Callbacks waiting for the next change (an export settled, a retry came due). */
  private waiters: (() => void)[] = [];
  /** > 0 while a flush runs: partial batches go out too, kept batches are not held back. */
  private flushing = 0;
  private isShutdown = false;
  /** Set when shutdown gave up on pending spans: late export callbacks no longer count. */
  private closed = false;
  private readonly environment: string | undefined;
  private readonly release: string | undefined;
  // Counters since the last report (flush() returns and resets them).
  private delivered = 0;
  private dropped = 0;
  private failed = 0;
  private repaired = 0;
  private invalid = 0;
  private errors: string[] = [];
  private readonly reason: string | undefined;

  /**
   * Sees every span about to be queued for export (the media layer reads the media references
   * in its input/output/metadata here). Must be cheap and must not throw.
   */
  onSpanQueued: ((span: ReadableSpan) => void) | undefined = undefined;

  /** Set when this processor opened its destination itself (standalone use); released on shutdown. */
  private readonly ownedTarget: StandaloneExportTarget | undefined;

  /**
   * Standalone use (your own NodeSDK / provider): options resolve like `new Langfuse()`. With
   * keys, spans go over OTLP to `baseUrl`; without, into the embedded store (LANGFUSE_LOCAL_DB).
   * The second argument is internal: the client passes its resolved config and exporter.
   */
  constructor(params: LangfuseSpanProcessorParams = {}, internal?: { config: ResolvedConfig; exporter: SpanExporter | undefined; reason?: string }) {
    if (internal) {
      this.config = internal.config;
      this.exporter = internal.exporter;
      this.reason = internal.exporter ? undefined : (internal.reason ?? "no span exporter");
    } else {
      const { exporter, exportConcurrency: _c, exportRetry: _r, ...options } = params;
      const config = resolveConfig(options);
      this.config = config;
      if (exporter) {
        this.exporter = exporter;
      } else {
        try {
          if (!standaloneExportTarget) throw new Error("langfuse-decorators was loaded without its client module");
          this.ownedTarget = standaloneExportTarget(config);
          this.exporter = this.ownedTarget.exporter;
          logger.infoOnce(`backend:${this.ownedTarget.describe()}`, this.ownedTarget.describe());
        } catch (err) {
          this.reason = `the span destination could not be opened: ${errorMessage(err)}`;
          logger.warnOnce("processor-no-store", `LangfuseSpanProcessor: ${this.reason}; spans are not exported.`);
        }
      }
    }
    this.environment = this.config.environment;
    this.release = this.config.release;
    // An exporter may say how many exports it wants in flight: the embedded store's wants more,
    // so that batches waiting for its writer share one commit.
    const preferred = (this.exporter as { exportConcurrency?: unknown } | undefined)?.exportConcurrency;
    const concurrency = params.exportConcurrency ?? (typeof preferred === "number" && preferred >= 1 ? preferred : DEFAULT_EXPORT_CONCURRENCY);
    this.concurrency = Math.max(1, Math.floor(concurrency));
    this.allowed = this.concurrency;
    this.retryPolicy = {
      maxRetries: Number.MAX_SAFE_INTEGER,
      baseDelayMs: params.exportRetry?.baseDelayMs ?? 500,
      maxDelayMs: params.exportRetry?.maxDelayMs ?? 15_000,
    };
    this.retryMaxAgeMs = params.exportRetry?.maxAgeMs ?? 5 * 60_000;
    if (this.config.debug) logger.setDebug(true);
  }

  /** Used by the client: the config is already resolved and the exporter chosen by the backend. */
  static fromConfig(
    config: ResolvedConfig,
    exporter: SpanExporter | undefined,
    noExporterReason?: string,
    queue?: Pick<LangfuseSpanProcessorParams, "exportConcurrency" | "exportRetry">,
  ): LangfuseSpanProcessor {
    return new LangfuseSpanProcessor({ ...queue }, { config, exporter, reason: noExporterReason });
  }

  /** True when ended spans actually leave the process. */
  get hasExporter(): boolean {
    return this.exporter !== undefined;
  }

  onStart(span: Span, parentContext: Context): void {
    if (pendingReachChecks.count > 0) (span as unknown as Record<symbol, boolean>)[SEEN_BY_LANGFUSE_PROCESSOR] = true;
    if (this.environment !== undefined) span.setAttribute(Attr.ENVIRONMENT, this.environment);
    if (this.release !== undefined) span.setAttribute(Attr.RELEASE, this.release);
    const state = getPropagatedState(parentContext);
    if (state) {
      let attrs = stateAttributes.get(state);
      if (!attrs) {
        attrs = propagatedAttributes(state);
        stateAttributes.set(state, attrs);
      }
      span.setAttributes(attrs);
    } else {
      const fromBaggage = baggageAttributes(parentContext);
      if (fromBaggage) span.setAttributes(fromBaggage);
    }
    if (span.instrumentationScope?.name === TRACER_NAME) {
      // The app root is the first Langfuse span of this process in the trace: the server uses
      // it as the trace root when the real OTel root is foreign (an HTTP server span) or remote.
      const parentSpan = trace.getSpan(parentContext);
      const parentCtx = parentSpan?.spanContext();
      const parentScope = (parentSpan as unknown as { instrumentationScope?: { name?: string } } | undefined)?.instrumentationScope?.name;
      if (!parentCtx || parentCtx.isRemote || (parentScope !== TRACER_NAME && !this.parentIsExported(parentSpan))) span.setAttribute(Attr.IS_APP_ROOT, true);
    }
  }

  onEnd(span: ReadableSpan): void {
    if (this.isShutdown) {
      this.dropped++;
      return;
    }
    const rate = this.config.sampleRate;
    if (rate < 1 && !isTraceSampled(span.spanContext().traceId, rate)) return;
    if (!this.shouldExport(span)) return;
    if (!this.exporter) {
      this.dropped++;
      return;
    }
    if (this.queue.length + this.heldSpans + this.inFlightSpans >= this.config.maxQueueSize && !this.evictOldestHeld()) {
      this.dropped++;
      if (this.dropped === 1) logger.warnOnce("span-queue-full", `Span queue is full (${this.config.maxQueueSize}); dropping spans until it drains.`);
      return;
    }
    if (this.onSpanQueued !== undefined) this.onSpanQueued(span);
    this.queue.push(span);
    if (this.queue.length >= this.config.flushAt) {
      if (!this.pumpScheduled) this.schedulePump();
    } else if (!this.timer) {
      this.armTimer();
    }
  }

  /** Makes room by dropping the oldest kept span (a failed batch waiting for a retry). */
  private evictOldestHeld(): boolean {
    const oldest = this.held[0];
    if (!oldest) return false;
    oldest.spans.shift();
    this.heldSpans--;
    if (oldest.spans.length === 0) this.held.shift();
    this.dropped++;
    logger.warnOnce("span-queue-full-held", `Span queue is full (${this.config.maxQueueSize}) while the endpoint fails; dropping the oldest unsent spans.`);
    return true;
  }

  /**
   * The export starts after a microtask: the span whose end() filled the batch belongs to the
   * user's traced call, whose end() must not pay for validation, masking, serialization or a
   * synchronous exporter (the embedded store ingests inside export()). A microtask rather than
   * setImmediate so a full batch is not held (and promoted by the GC) while the caller keeps
   * producing spans in the same turn.
   */
  private schedulePump(): void {
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump(false);
    });
  }

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump(true);
    }, this.config.flushIntervalSeconds * 1000);
    this.timer.unref?.();
  }

  /**
   * Whether a foreign parent (a Vercel AI SDK or OpenInference span) is itself exported, judged
   * at its children's start as the official processor does: then our span is not the app root.
   */
  private parentIsExported(parent: unknown): boolean {
    const readable = parent as Partial<ReadableSpan>;
    if (!readable || typeof readable.instrumentationScope?.name !== "string" || !readable.attributes) return false;
    const filter = this.config.shouldExportSpan;
    try {
      return filter ? filter({ otelSpan: readable as ReadableSpan }) === true : isDefaultExportSpan(readable as ReadableSpan);
    } catch {
      return false;
    }
  }

  private shouldExport(span: ReadableSpan): boolean {
    const filter = this.config.shouldExportSpan;
    if (!filter) return isDefaultExportSpan(span);
    try {
      return filter({ otelSpan: span }) === true;
    } catch (err) {
      logger.warnOnce("should-export-threw", `shouldExportSpan threw; dropping the span: ${String(err)}`);
      this.dropped++;
      return false;
    }
  }

  /**
   * Starts exports while fewer than `concurrency` run: kept batches whose wait is over first,
   * then fresh ones. Without `partial` (the flushAt trigger) only whole batches of flushAt
   * leave; a remainder waits for the interval timer or flush(), so spans ended while a batch
   * is exported do not become a string of tiny batches, each paying the per-export overhead.
   */
  private pump(partial: boolean): void {
    if (this.closed) return;
    const now = Date.now();
    const began = performance.now();
    // Bounded: each round starts one export, and at most `concurrency` run.
    for (let round = 0; round < 10_000 && this.active < this.allowed; round++) {
      // At least one export starts; more only within the budget, the rest in later turns.
      if (round > 0 && performance.now() - began >= PUMP_BUDGET_MS) {
        this.continuePump(partial);
        break;
      }
      const due = this.takeDueHeld(now);
      if (due) {
        this.startExport(due.spans, due);
        continue;
      }
      if (this.queue.length === 0) break;
      if (!partial && this.flushing === 0 && this.queue.length < this.config.flushAt) break;
      // The whole queue fits in one batch (the usual case): hand the array over and start a
      // new one, instead of splice() copying it out of an array that lives on. A long-lived
      // queue array ends up in old space, and every push then stores a young span into an
      // old object (write barrier, remembered-set entry, kept alive until the next full GC).
      let batch: ReadableSpan[];
      if (this.queue.length <= this.config.flushAt) {
        batch = this.queue;
        this.queue = [];
      } else {
        batch = this.queue.splice(0, this.config.flushAt);
      }
      this.startExport(batch, undefined);
    }
    if (this.queue.length > 0 && !this.timer && !this.isShutdown) this.armTimer();
    this.armRetryTimer(now);
  }

  private continuePump(partial: boolean): void {
    if (this.pumpContinues) return;
    this.pumpContinues = true;
    setImmediate(() => {
      this.pumpContinues = false;
      this.pump(partial);
    });
  }

  private takeDueHeld(now: number): HeldBatch | undefined {
    for (let i = 0; i < this.held.length; i++) {
      const h = this.held[i];
      if (h.notBefore <= now) {
        this.held.splice(i, 1);
        this.heldSpans -= h.spans.length;
        return h;
      }
    }
    return undefined;
  }

  /** One timer for the earliest kept batch; unref'd: a pending flush() keeps the process alive. */
  private armRetryTimer(now: number): void {
    if (this.held.length === 0 || this.closed) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const h of this.held) earliest = Math.min(earliest, h.notBefore);
    if (this.retryTimer && this.retryTimerAt <= earliest) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimerAt = earliest;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump(false);
      this.notify();
    }, Math.max(0, earliest - now));
    this.retryTimer.unref?.();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Fresh batches are validated and masked once; kept batches are sent again as they are. */
  private startExport(batch: ReadableSpan[], retry: HeldBatch | undefined): void {
    let spans = batch;
    if (!retry) {
      spans = this.validate(batch);
      this.applyMask(spans);
      if (spans.length === 0) return;
    }
    this.active++;
    this.inFlightSpans += spans.length;
    void this.exportBatch(spans).then((result) => {
      this.active--;
      this.inFlightSpans -= spans.length;
      if (!this.closed) this.settle(spans, result, retry);
      this.pump(false);
      this.notify();
    });
  }

  /** Repairs what can be repaired; drops (and counts) spans that cannot be exported at all. */
  private validate(batch: ReadableSpan[]): ReadableSpan[] {
    let out: ReadableSpan[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const verdict = repairSpan(batch[i]);
      if (verdict === "ok") {
        out?.push(batch[i]);
        continue;
      }
      if (verdict === "repaired") {
        this.repaired++;
        out?.push(batch[i]);
        continue;
      }
      this.invalid++;
      this.dropped++;
      out ??= batch.slice(0, i);
    }
    return out ?? batch;
  }

  private settle(spans: ReadableSpan[], result: ExportResult, previous: HeldBatch | undefined): void {
    if (result.code === ExportResultCode.SUCCESS) {
      // An exporter may reject single spans and store the rest (the embedded store's does).
      const rejectedCount = Math.min(spans.length, Math.max(0, Number((result as { rejectedSpans?: number }).rejectedSpans) || 0));
      this.delivered += spans.length - rejectedCount;
      if (rejectedCount > 0) {
        this.failed += rejectedCount;
        const msg = `span export: ${result.error?.message ?? `${rejectedCount} spans rejected`}`;
        this.pushError(msg);
        logger.warnOnce("span-export-rejected", msg);
      }
      if (this.allowed < this.concurrency) this.allowed++;
      logger.debug(`exported ${spans.length - rejectedCount} spans`);
      return;
    }
    const error = result.error;
    const detail = error?.message ?? "unknown error";
    // Our OTLP exporter says which spans may pass later and which never will; any other
    // exporter's failure is taken as passing (the batch is kept and re-sent).
    let retryable = spans;
    let rejected: ReadableSpan[] = [];
    let retryAfterMs: number | undefined;
    if (isSpanExportFailure(error)) {
      retryable = error.retryable;
      rejected = error.rejected;
      retryAfterMs = error.retryAfterMs;
      this.delivered += Math.max(0, spans.length - retryable.length - rejected.length);
    }
    if (rejected.length > 0) {
      this.failed += rejected.length;
      this.pushError(`span export failed (${rejected.length} spans rejected): ${detail}`);
      logger.warnOnce("span-export-rejected", `span export failed (${rejected.length} spans rejected): ${detail}`);
    }
    if (retryable.length === 0) return;
    this.lastFailure = detail;
    this.allowed = 1;
    const now = Date.now();
    const firstFailedAt = previous?.firstFailedAt ?? now;
    const attempts = (previous?.attempts ?? 0) + 1;
    if (this.isShutdown || now - firstFailedAt >= this.retryMaxAgeMs) {
      this.failed += retryable.length;
      this.pushError(`span export failed (${retryable.length} spans, ${attempts} attempts over ${Math.round((now - firstFailedAt) / 1000)} s): ${detail}`);
      logger.warnOnce("span-export-failed", `span export failed (${retryable.length} spans): ${detail}`);
      return;
    }
    logger.warnOnce("span-export-retrying", `span export failed, will retry (${retryable.length} spans kept): ${detail}`);
    // Kept in order of first failure (a batch sent again keeps its place), so the queue bound
    // evicts the oldest spans first.
    const entry: HeldBatch = { spans: retryable, attempts, firstFailedAt, notBefore: now + retryDelayMs(this.retryPolicy, attempts - 1, retryAfterMs), lastError: detail };
    let at = this.held.length;
    while (at > 0 && this.held[at - 1].firstFailedAt > firstFailedAt) at--;
    this.held.splice(at, 0, entry);
    this.heldSpans += retryable.length;
    while (this.queue.length + this.heldSpans + this.inFlightSpans > this.config.maxQueueSize && this.evictOldestHeld());
  }

  private pushError(msg: string): void {
    if (this.errors.length < 20) this.errors.push(msg);
  }

  private exportBatch(batch: ReadableSpan[]): Promise<ExportResult> {
    const exporter = this.exporter;
    if (!exporter) return Promise.resolve({ code: ExportResultCode.SUCCESS });
    return new Promise<ExportResult>((resolve) => {
      let settled = false;
      // The OTLP exporter has its own timeout; this guard only protects against an exporter
      // that never calls back (a custom one): the batch is then kept and re-sent.
      const guardMs = Math.max(10_000, this.config.timeoutSeconds * 1000 * 8);
      const guard = setTimeout(() => done({ code: ExportResultCode.FAILED, error: new Error(`export did not answer within ${guardMs} ms`) }), guardMs);
      guard.unref?.();
      const done = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve(result);
      };
      try {
        exporter.export(batch, done);
      } catch (err) {
        done({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
      }
    });
  }

  private applyMask(batch: ReadableSpan[]): void {
    const mask = this.config.mask;
    if (!mask) return;
    const maxChars = this.config.maxFieldChars;
    for (const span of batch) {
      const attrs = span.attributes as Record<string, AttributeValue | undefined>;
      for (const key of Object.keys(attrs)) {
        if (!isMaskedKey(key)) continue;
        const value = attrs[key];
        if (typeof value !== "string") continue; // numbers/booleans/arrays carry no free text to redact
        let data: unknown = value;
        if (typeof value === "string" && (value.startsWith("{") || value.startsWith("["))) {
          try {
            data = JSON.parse(value);
          } catch {
            data = value;
          }
        }
        try {
          const masked = mask({ data });
          attrs[key] = serializeValue(masked, maxChars) ?? "";
        } catch (err) {
          logger.warnOnce("mask-threw", `Masking error: the mask function threw; the value is fully masked. ${err instanceof Error ? err.message : ""}`);
          attrs[key] = MASK_FAILED;
        }
      }
    }
  }

  /** Spans not yet delivered, failed or dropped: queued, kept for a retry, or in flight. */
  get pendingSpans(): number {
    return this.queue.length + this.heldSpans + this.inFlightSpans;
  }

  /**
   * Delivers everything queued, kept batches included (their backoff is cut short), and
   * returns what happened since the previous report. Returns within `timeoutMs` (default
   * 30 s) even when the endpoint never answers; `pending` then says how many spans are still
   * queued, kept or in flight (they stay queued and are reported by a later flush).
   */
  async flushWithReport(timeoutMs: number = DEFAULT_FLUSH_TIMEOUT_MS): Promise<SpanFlushReport> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.flushing++;
    // Referenced: an awaited promise does not keep Node alive, this timer does, so a script
    // that awaits flush() is not cut off while kept batches wait for their next attempt.
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadlinePassed = new Promise<void>((resolve) => (deadlineTimer = setTimeout(resolve, Math.max(0, timeoutMs))));
    try {
      for (const h of this.held) h.notBefore = Math.min(h.notBefore, Date.now());
      // Bounded by the deadline; each pass waits for an export to settle or a retry to come due.
      for (let pass = 0; pass < 1_000_000 && this.pendingSpans > 0 && Date.now() < deadline && !this.closed; pass++) {
        this.pump(true);
        if (this.pendingSpans === 0) break;
        await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), deadlinePassed]);
      }
      if (this.pendingSpans === 0 && this.exporter?.forceFlush && Date.now() < deadline) {
        const flushed = this.exporter.forceFlush().then(
          () => true,
          (err: unknown) => {
            this.pushError(`exporter flush failed: ${errorMessage(err)}`);
            return true;
          },
        );
        if (!(await Promise.race([flushed, deadlinePassed.then(() => false)]))) this.pushError(`exporter flush did not finish within ${timeoutMs} ms`);
      }
    } finally {
      this.flushing--;
      clearTimeout(deadlineTimer);
    }
    return this.takeReport(timeoutMs);
  }

  private takeReport(timeoutMs: number): SpanFlushReport {
    const errors = [...this.errors];
    if (!this.exporter && this.dropped > 0) errors.push(`spans not exported: ${this.reason}`);
    if (this.invalid > 0) errors.push(`${this.invalid} spans dropped: no valid start or end time`);
    if (this.repaired > 0) errors.push(`${this.repaired} spans had an invalid name, time or status and were repaired`);
    const pending = this.pendingSpans;
    if (pending > 0) {
      const kept = this.held[0]?.lastError ?? this.lastFailure;
      errors.push(`${pending} spans still pending after ${timeoutMs} ms${kept ? ` (last error: ${kept})` : ""}`);
    }
    const report: SpanFlushReport = { name: "spans", delivered: this.delivered, dropped: this.dropped, failed: this.failed, pending, errors };
    if (pending === 0) this.lastFailure = undefined;
    this.delivered = 0;
    this.dropped = 0;
    this.failed = 0;
    this.repaired = 0;
    this.invalid = 0;
    this.errors = [];
    return report;
  }

  async forceFlush(): Promise<void> {
    await this.flushWithReport();
  }

  /**
   * Flushes (bounded by `timeoutMs`, default 30 s), then stops: spans still pending are given
   * up and reported as `pending`, and the exporter is shut down (aborting what is in flight).
   */
  async shutdownWithReport(timeoutMs: number = DEFAULT_FLUSH_TIMEOUT_MS): Promise<SpanFlushReport> {
    if (this.isShutdown) return { name: "spans", delivered: 0, dropped: 0, failed: 0, pending: 0, errors: [] };
    const report = await this.flushWithReport(timeoutMs);
    this.isShutdown = true;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = undefined;
    this.queue = [];
    this.held = [];
    this.heldSpans = 0;
    this.notify();
    try {
      await this.exporter?.shutdown();
      await this.ownedTarget?.shutdown();
    } catch (err) {
      report.errors.push(`exporter shutdown failed: ${errorMessage(err)}`);
    }
    return report;
  }

  async shutdown(): Promise<void> {
    await this.shutdownWithReport();
  }
}

interface HeldBatch {
  spans: ReadableSpan[];
  attempts: number;
  firstFailedAt: number;
  notBefore: number;
  lastError: string;
}

/** The failure shape of our OTLP exporter (SpanExportError), recognised without importing it. */
function isSpanExportFailure(error: unknown): error is { retryable: ReadableSpan[]; rejected: ReadableSpan[]; retryAfterMs?: number; message: string } {
  const e = error as { retryable?: unknown; rejected?: unknown } | undefined;
  return !!e && Array.isArray(e.retryable) && Array.isArray(e.rejected);
}

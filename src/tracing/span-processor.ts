import { trace, type Attributes, type AttributeValue, type Context } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { FlushReport } from "../flushable";
import type { LangfuseOptions } from "../config/options";
import { resolveConfig } from "../config/resolve-config";
import type { ResolvedConfig } from "../config/types";
import { Attr, MASK_FAILED, TRACER_NAME } from "./constants";
import { logger } from "../logger";
import { baggageAttributes, getPropagatedState, propagatedAttributes, type PropagatedState } from "./propagation";
import { isTraceSampled } from "./sampling";
import { serializeValue } from "./serialize";
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
  > {
  /**
   * Replaces the OTLP exporter (tests, custom collectors). It receives batches of up to
   * `flushAt` spans as they are: the built-in OTLP exporter splits its requests by serialized
   * size (and halves on 413), a custom one must respect its own transport's limits.
   */
  exporter?: SpanExporter;
}

const MASKED_EXACT = new Set<string>([Attr.OBSERVATION_INPUT, Attr.OBSERVATION_OUTPUT, Attr.TRACE_INPUT, Attr.TRACE_OUTPUT]);
const OBS_META_PREFIX = Attr.OBSERVATION_METADATA;
const TRACE_META_PREFIX = Attr.TRACE_METADATA;

/** Content keys of GenAI semantic conventions (LLM instrumentations' prompts and completions). */
const GEN_AI_CONTENT_PREFIXES = ["gen_ai.prompt", "gen_ai.completion", "gen_ai.input", "gen_ai.output"];

function isMaskedKey(key: string): boolean {
  if (MASKED_EXACT.has(key) || key.startsWith(OBS_META_PREFIX) || key.startsWith(TRACE_META_PREFIX)) return true;
  return key.startsWith("gen_ai.") && GEN_AI_CONTENT_PREFIXES.some((p) => key.startsWith(p));
}

/** Default export filter: this SDK's spans, and spans of LLM instrumentations (gen_ai.* keys). */
export function isDefaultExportSpan(span: ReadableSpan): boolean {
  if (span.instrumentationScope?.name === TRACER_NAME) return true;
  for (const key in span.attributes) if (key.startsWith("gen_ai.")) return true;
  return false;
}

/** Memo of the attribute object of one propagated state (the state objects are immutable). */
const stateAttributes = new WeakMap<PropagatedState, Attributes>();

/**
 * The Langfuse span pipeline: stamps environment, release and propagated trace attributes at
 * start; at end applies sampling and the export filter, queues the span in a bounded queue
 * (drops counted), and exports batches of `flushAt` every `flushInterval` seconds, masking
 * every input/output/metadata value (flattened keys included) just before export.
 *
 * onStart/onEnd are synchronous and allocate nothing beyond the queue slot, so the hot path of
 * a traced call stays close to a raw OTel span.
 */
export class LangfuseSpanProcessor implements SpanProcessor {
  private readonly config: ResolvedConfig;
  private readonly exporter: SpanExporter | undefined;
  private queue: ReadableSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private isShutdown = false;
  private readonly environment: string | undefined;
  private readonly release: string | undefined;
  // Counters since the last report (flush() returns and resets them).
  private delivered = 0;
  private dropped = 0;
  private failed = 0;
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
      const { exporter, ...options } = params;
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
    if (this.config.debug) logger.setDebug(true);
  }

  /** Used by the client: the config is already resolved and the exporter chosen by the backend. */
  static fromConfig(config: ResolvedConfig, exporter: SpanExporter | undefined, noExporterReason?: string): LangfuseSpanProcessor {
    return new LangfuseSpanProcessor({}, { config, exporter, reason: noExporterReason });
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
      if (!parentCtx || parentCtx.isRemote || parentScope !== TRACER_NAME) span.setAttribute(Attr.IS_APP_ROOT, true);
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
    if (this.queue.length >= this.config.maxQueueSize) {
      this.dropped++;
      if (this.dropped === 1) logger.warnOnce("span-queue-full", `Span queue is full (${this.config.maxQueueSize}); dropping spans until it drains.`);
      return;
    }
    if (this.onSpanQueued !== undefined) this.onSpanQueued(span);
    this.queue.push(span);
    if (this.queue.length >= this.config.flushAt) {
      if (!this.inFlight) this.inFlight = this.drain(true);
    } else if (!this.timer) {
      this.armTimer();
    }
  }

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.inFlight) this.inFlight = this.drain(false);
    }, this.config.flushIntervalSeconds * 1000);
    this.timer.unref?.();
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
   * Exports queued spans batch by batch. One export in flight at a time. The first step waits
   * for a microtask: the span whose end() filled the batch belongs to the user's traced call,
   * whose end() must not pay for masking, serialization or a synchronous exporter (the embedded
   * store ingests inside export()). A microtask rather than setImmediate so a full batch is not
   * held (and promoted by the GC) while the caller keeps producing spans in the same turn.
   * `inFlight` is set before that wait, so flush() still waits for all of it.
   * `fullOnly` (the flushAt trigger) exports what was queued when the drain started, then only
   * whole batches of flushAt, leaving a remainder to the next trigger, the interval timer or
   * flush(): spans ended while a batch is exported do not become a string of tiny batches,
   * each paying the per-export overhead.
   */
  private async drain(fullOnly: boolean): Promise<void> {
    try {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      let rounds = 0;
      const min = fullOnly ? this.config.flushAt : 1;
      let snapshot = this.queue.length;
      // Bounded: each round removes up to flushAt spans; new spans may arrive while we export.
      while (this.queue.length > 0 && (snapshot > 0 || this.queue.length >= min) && rounds < 1_000_000) {
        rounds++;
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
        snapshot -= batch.length;
        this.applyMask(batch);
        // Request size is the exporter's business: ours split by serialized size (OTLP) or
        // have no limit (the embedded store); estimating here cost every span a full walk of
        // its attributes.
        await this.exportBatch(batch);
      }
    } finally {
      this.inFlight = undefined;
      // A remainder (or spans whose interval timer fired during this drain) goes out with
      // the next interval.
      if (this.queue.length > 0 && !this.timer && !this.isShutdown) this.armTimer();
    }
  }

  private exportBatch(batch: ReadableSpan[]): Promise<void> {
    const exporter = this.exporter;
    if (!exporter) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let settled = false;
      // The OTLP exporter has its own timeout and retries; this guard only protects against an
      // exporter that never calls back (a custom one), so flush() can still settle.
      const guardMs = Math.max(10_000, this.config.timeoutSeconds * 1000 * 8);
      const guard = setTimeout(() => done({ code: ExportResultCode.FAILED, error: new Error(`export did not answer within ${guardMs} ms`) }), guardMs);
      guard.unref?.();
      const done = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        // An exporter may reject single spans and store the rest (the embedded store's does).
        const rejected = Math.min(batch.length, Math.max(0, Number((result as { rejectedSpans?: number }).rejectedSpans) || 0));
        if (result.code === ExportResultCode.SUCCESS) {
          this.delivered += batch.length - rejected;
          if (rejected > 0) {
            this.failed += rejected;
            const msg = `span export: ${result.error?.message ?? `${rejected} spans rejected`}`;
            if (this.errors.length < 20) this.errors.push(msg);
            logger.warnOnce("span-export-rejected", msg);
          }
          logger.debug(`exported ${batch.length - rejected} spans`);
        } else {
          this.failed += batch.length;
          const msg = `span export failed (${batch.length} spans): ${result.error?.message ?? "unknown error"}`;
          if (this.errors.length < 20) this.errors.push(msg);
          logger.warnOnce("span-export-failed", msg);
        }
        resolve();
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

  /** Delivers everything queued; returns what happened since the previous report. */
  async flushWithReport(): Promise<FlushReport> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Bounded: each pass either drains or waits for the in-flight drain to finish.
    for (let i = 0; i < 10_000 && (this.inFlight || this.queue.length > 0); i++) {
      if (!this.inFlight) this.inFlight = this.drain(false);
      await this.inFlight;
    }
    try {
      await this.exporter?.forceFlush?.();
    } catch (err) {
      this.errors.push(`exporter flush failed: ${errorMessage(err)}`);
    }
    const errors = [...this.errors];
    if (!this.exporter && this.dropped > 0) errors.push(`spans not exported: ${this.reason}`);
    const report: FlushReport = { name: "spans", delivered: this.delivered, dropped: this.dropped, failed: this.failed, errors };
    this.delivered = 0;
    this.dropped = 0;
    this.failed = 0;
    this.errors = [];
    return report;
  }

  async forceFlush(): Promise<void> {
    await this.flushWithReport();
  }

  async shutdownWithReport(): Promise<FlushReport> {
    if (this.isShutdown) return { name: "spans", delivered: 0, dropped: 0, failed: 0, errors: [] };
    const report = await this.flushWithReport();
    this.isShutdown = true;
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

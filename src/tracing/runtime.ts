import { trace, type Span, type Tracer } from "@opentelemetry/api";
import { errorMessage } from "../errors";
import { logger } from "../logger";
import type { LangfuseClient } from "./client-handle";
import type { ObservationScorer } from "./score-port";
import { pendingReachChecks, SEEN_BY_LANGFUSE_PROCESSOR } from "./span-processor";

export interface TracingRuntimeOptions {
  /** The client observations report as `observation.client`; absent only for the no-client runtime. */
  client?: LangfuseClient;
  /** Where `observation.score()` goes; absent: scores are `{ status: "disabled" }`. */
  scorer?: ObservationScorer;
  enabled: boolean;
  tracer: Tracer;
  maxFieldChars: number;
  ioCaptureEnabled: boolean;
  /** Check once that this client's spans reach a LangfuseSpanProcessor (providers it does not own). */
  checkProcessorReach: boolean;
}

/**
 * What the tracing code needs from one client: its tracer, the limits of its config and the
 * scorer behind `observation.score()`. Observation objects keep a reference to it.
 */
export class TracingRuntime {
  /** True until the first recording span was checked (a plain field: read on every traced call). */
  needsReachCheck: boolean;
  readonly client: LangfuseClient | undefined;
  readonly scorer: ObservationScorer | undefined;
  readonly enabled: boolean;
  readonly tracer: Tracer;
  readonly maxFieldChars: number;
  readonly ioCaptureEnabled: boolean;

  constructor(options: TracingRuntimeOptions) {
    this.client = options.client;
    this.scorer = options.scorer;
    this.enabled = options.enabled;
    this.tracer = options.tracer;
    this.maxFieldChars = options.maxFieldChars;
    this.ioCaptureEnabled = options.ioCaptureEnabled;
    this.needsReachCheck = options.checkProcessorReach;
    if (options.checkProcessorReach) pendingReachChecks.count++;
  }

  /**
   * Called with the first recording span this client starts on a provider it does not own:
   * if no LangfuseSpanProcessor saw it start, the user's provider lacks our processor and
   * nothing will reach Langfuse. Checked once, so the hot path pays one boolean test.
   */
  checkReach(span: Span): void {
    if (!this.needsReachCheck || !span.isRecording()) return;
    this.needsReachCheck = false;
    pendingReachChecks.count--;
    if (!(span as unknown as Record<symbol, boolean>)[SEEN_BY_LANGFUSE_PROCESSOR]) {
      logger.warnOnce(
        "processor-missing",
        "Langfuse spans are created on a TracerProvider without a LangfuseSpanProcessor, so they are not sent to Langfuse. " +
          "Add `langfuse.spanProcessor` (or `new LangfuseSpanProcessor()`) to your provider's spanProcessors.",
      );
    }
  }

  /** The client shuts down before its first span: nothing to check, stop spans being marked for it. */
  cancelReachCheck(): void {
    if (!this.needsReachCheck) return;
    this.needsReachCheck = false;
    pendingReachChecks.count--;
  }
}

/**
 * A runtime that records nothing: tracing switched off, or no client at all (`client` absent,
 * e.g. the environment's configuration is invalid). Spans come from the global no-op tracer.
 */
export function createDisabledRuntime(client?: LangfuseClient, maxFieldChars = 1_000_000, scorer?: ObservationScorer): TracingRuntime {
  return new TracingRuntime({
    ...(client ? { client } : {}),
    ...(scorer ? { scorer } : {}),
    enabled: false,
    tracer: trace.getTracer("langfuse-sdk"),
    maxFieldChars,
    ioCaptureEnabled: false,
    checkProcessorReach: false,
  });
}

/**
 * How decorators and `observe()` find a client without importing src/client (which imports
 * this folder): the client registry installs a resolver when it loads, and caches the default
 * client's runtime here so a traced call costs one variable read.
 */
let cached: TracingRuntime | undefined;
let resolver: (() => TracingRuntime | undefined) | undefined;

export function setRuntimeResolver(fn: () => TracingRuntime | undefined): void {
  resolver = fn;
}

export function setCachedRuntime(rt: TracingRuntime | undefined): void {
  cached = rt;
}

export function resolveRuntime(): TracingRuntime | undefined {
  if (cached !== undefined) return cached;
  try {
    return resolver?.();
  } catch (err) {
    logger.warnOnce("no-client", `Langfuse client could not be created; tracing is off: ${errorMessage(err)}`);
    return undefined;
  }
}

import { type Span, type Tracer } from "@opentelemetry/api";
import type { Langfuse } from "../client/langfuse";
import { logger } from "../logger";
import { pendingReachChecks, SEEN_BY_LANGFUSE_PROCESSOR } from "./span-processor";
import { errorMessage } from "../errors";

/**
 * What the tracing code needs from one client: its tracer and the limits of its config.
 * Observation objects keep a reference (and through it, `client`) so that scores and other
 * client features can hang off an observation.
 */
export class TracingRuntime {
  /** True until the first recording span was checked (a plain field: read on every traced call). */
  needsReachCheck: boolean;

  constructor(
    readonly client: Langfuse,
    readonly enabled: boolean,
    readonly tracer: Tracer,
    readonly maxFieldChars: number,
    readonly ioCaptureEnabled: boolean,
    checkProcessorReach: boolean,
  ) {
    this.needsReachCheck = checkProcessorReach;
    if (checkProcessorReach) pendingReachChecks.count++;
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

import {
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, SamplingDecision, type Sampler, type SamplingResult } from "@opentelemetry/sdk-trace-base";
import type { ResolvedConfig } from "../config/types";
import { TRACER_NAME } from "./constants";
import { logger } from "../logger";
import { isTraceSampled } from "./sampling";
import { LangfuseSpanProcessor } from "./span-processor";

/** Marks providers created by a Langfuse client (Symbol.for: survives duplicate package copies). */
const OWNED_PROVIDER: unique symbol = Symbol.for("langfuse-decorators.owned-provider") as never;

/** Keeps or drops whole traces with the same rule scores use (isTraceSampled). */
export class LangfuseTraceSampler implements Sampler {
  constructor(private readonly rate: number) {}
  shouldSample(_ctx: Context, traceId: string, _name: string, _kind: SpanKind, _attrs: Attributes, _links: Link[]): SamplingResult {
    return { decision: isTraceSampled(traceId, this.rate) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }
  toString(): string {
    return `LangfuseTraceSampler{${this.rate}}`;
  }
}

export type ProviderMode = "owned-global" | "owned-isolated" | "explicit" | "foreign-global" | "disabled";

export interface TracerSetup {
  mode: ProviderMode;
  tracer: Tracer;
  /** Set when this client created the provider (it shuts it down). */
  ownedProvider?: BasicTracerProvider;
  /** True when spans may go to a provider without our processor; the client checks once. */
  checkProcessorReach: boolean;
  /** The user's provider (explicit or global): flush() force-flushes it so their Langfuse processor delivers too. */
  externalProvider?: TracerProvider;
}

function globalDelegate(): TracerProvider | undefined {
  const proxy = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  const delegate = proxy.getDelegate ? proxy.getDelegate() : proxy;
  if (!delegate || delegate.constructor?.name === "NoopTracerProvider") return undefined;
  return delegate;
}

/**
 * Chooses where the client's spans are created (issue 2, point 3):
 *  - explicit `tracerProvider`: used as given; the user adds LangfuseSpanProcessor to it;
 *  - no global provider: create one with our processor and register it globally, with an
 *    AsyncLocalStorage context manager and W3C trace-context + baggage propagators;
 *  - the global provider is another Langfuse client's: create an isolated provider (two
 *    clients for two projects never share a pipeline);
 *  - a foreign global provider (the user's NodeSDK, Sentry): never replace it; create spans on
 *    it and rely on the user adding LangfuseSpanProcessor (warned once if they did not).
 */
export function setUpTracer(config: ResolvedConfig, processor: LangfuseSpanProcessor): TracerSetup {
  const version = config.sdkVersion;
  if (config.tracerProvider) {
    return {
      mode: "explicit",
      tracer: config.tracerProvider.getTracer(TRACER_NAME, version),
      checkProcessorReach: true,
      externalProvider: config.tracerProvider,
    };
  }
  const existing = globalDelegate();
  if (existing && !(existing as unknown as Record<symbol, boolean>)[OWNED_PROVIDER]) {
    logger.infoOnce(
      "foreign-provider",
      "An OpenTelemetry TracerProvider is already registered; Langfuse spans use it. Add `langfuse.spanProcessor` (or a LangfuseSpanProcessor) to that provider.",
    );
    return { mode: "foreign-global", tracer: trace.getTracer(TRACER_NAME, version), checkProcessorReach: true, externalProvider: existing };
  }
  const provider = new BasicTracerProvider({
    spanProcessors: [processor],
    sampler: config.sampleRate < 1 ? new LangfuseTraceSampler(config.sampleRate) : undefined,
    // OTel's default of 128 attributes per span can silently cut flattened metadata.
    spanLimits: { attributeCountLimit: 1024 },
  });
  (provider as unknown as Record<symbol, boolean>)[OWNED_PROVIDER] = true;
  if (!existing) {
    // Context first: without a context manager nothing nests. setGlobal* are no-ops (false) if
    // the user already registered one, which we keep.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
    trace.setGlobalTracerProvider(provider);
    return { mode: "owned-global", tracer: provider.getTracer(TRACER_NAME, version), ownedProvider: provider, checkProcessorReach: false };
  }
  return { mode: "owned-isolated", tracer: provider.getTracer(TRACER_NAME, version), ownedProvider: provider, checkProcessorReach: false };
}

/** Undo the global registration done by setUpTracer (on shutdown), only if it is still ours. */
export function releaseGlobalProvider(provider: BasicTracerProvider): void {
  if (globalDelegate() === provider) trace.disable();
}

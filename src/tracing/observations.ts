import { randomBytes } from "node:crypto";
import {
  context,
  INVALID_SPAN_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
} from "@opentelemetry/api";
import {
  setObservationAttributes,
  setTraceAttributes,
  type LangfuseEventAttributes,
  type LangfuseGenerationAttributes,
  type LangfuseSpanAttributes,
  type LangfuseTraceAttributes,
} from "./attributes";
import { activeContext } from "./ambient";
import { runInSpan } from "./call-runner";
import { Attr, OBSERVATION_TYPES, type ObservationType } from "./constants";
import { logger } from "../logger";
import type { LangfuseClient } from "./client-handle";
import type { TracingRuntime } from "./runtime";
import type { ScoreOptions, ScoreOutcome } from "./score-port";

/** Continue a trace started elsewhere (W3C distributed tracing, or a trace id you chose). */
export interface TraceContext {
  /** 32 lowercase hex chars. */
  traceId: string;
  /** 16 lowercase hex chars; without it the new observation is the root of the trace. */
  parentSpanId?: string;
}

/** The attribute type each observation type accepts. */
export interface AttributesByType {
  span: LangfuseSpanAttributes;
  generation: LangfuseGenerationAttributes;
  event: LangfuseEventAttributes;
  agent: LangfuseSpanAttributes;
  tool: LangfuseSpanAttributes;
  chain: LangfuseSpanAttributes;
  retriever: LangfuseSpanAttributes;
  evaluator: LangfuseSpanAttributes;
  embedding: LangfuseGenerationAttributes;
  guardrail: LangfuseSpanAttributes;
}

interface StartOptionsBase<T extends ObservationType> {
  name: string;
  asType?: T;
  startTime?: Date;
  /** Continue a remote trace; wins over the active context. */
  traceContext?: TraceContext;
  /** Explicit parent span context; wins over the active context. */
  parentSpanContext?: SpanContext;
}

export type StartObservationOptions<T extends ObservationType = "span"> = StartOptionsBase<T> & AttributesByType[T];

export type StartAsCurrentObservationOptions<T extends ObservationType = "span"> = StartObservationOptions<T> & {
  /** false: the observation stays open after `fn` returns; call `end()` yourself. */
  endOnExit?: boolean;
};

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

/**
 * Common base of the ten observation classes: a handle on one OTel span with the Langfuse
 * wire attributes. Every method is safe to call after end() or when tracing is off (no-ops).
 * Other modules extend it (scores add `score()` / `scoreTrace()` here).
 */
export abstract class LangfuseObservationBase<TAttributes extends LangfuseSpanAttributes = LangfuseSpanAttributes> {
  abstract readonly type: ObservationType;
  /** The client that created this observation (a `Langfuse`). */
  readonly client: LangfuseClient;
  readonly otelSpan: Span;
  /** The span id (16 hex chars); the Langfuse observation id. */
  readonly id: string;
  /** 32 hex chars. */
  readonly traceId: string;
  /** @internal */
  protected readonly runtime: TracingRuntime;

  constructor(runtime: TracingRuntime, otelSpan: Span) {
    this.runtime = runtime;
    // Undefined only on the runtime used when no client could be created at all (tracing off).
    this.client = runtime.client as LangfuseClient;
    this.otelSpan = otelSpan;
    const sc = otelSpan.spanContext();
    this.id = sc.spanId;
    this.traceId = sc.traceId;
  }

  /** Sets or overwrites fields; metadata merges per top-level key. Returns this for chaining. */
  update(attributes: TAttributes): this {
    try {
      if (attributes && this.otelSpan.isRecording()) setObservationAttributes(this.otelSpan, attributes, this.runtime.maxFieldChars);
    } catch (err) {
      logger.warnOnce("update-failed", `observation update failed: ${String(err)}`);
    }
    return this;
  }

  /** Sets trace-level fields (name, user, session, tags, ...) through this observation's span. */
  updateTrace(attributes: LangfuseTraceAttributes): this {
    try {
      if (attributes && this.otelSpan.isRecording()) setTraceAttributes(this.otelSpan, attributes, this.runtime.maxFieldChars);
    } catch (err) {
      logger.warnOnce("update-trace-failed", `trace update failed: ${String(err)}`);
    }
    return this;
  }

  end(endTime?: Date | number): this {
    try {
      this.otelSpan.end(endTime);
    } catch {
      /* ending twice or a broken span must not throw into user code */
    }
    return this;
  }

  /** Scores this observation (validated, sampled with the trace, sent on flush). Never throws. */
  score(score: ScoreOptions): ScoreOutcome {
    try {
      return this.runtime.scorer?.scoreObservation(this, score) ?? { status: "disabled" };
    } catch (err) {
      logger.warnOnce("score-failed", `scoring failed: ${String(err)}`);
      return { status: "dropped" };
    }
  }

  /** Scores this observation's trace. Never throws. */
  scoreTrace(score: ScoreOptions): ScoreOutcome {
    try {
      return this.runtime.scorer?.scoreTrace(this, score) ?? { status: "disabled" };
    } catch (err) {
      logger.warnOnce("score-failed", `scoring failed: ${String(err)}`);
      return { status: "dropped" };
    }
  }

  /** True while the span records (not ended, sampled, tracing on). */
  isRecording(): boolean {
    return this.otelSpan.isRecording();
  }

  /** Starts a child observation (not made current). */
  startObservation<T extends ObservationType = "span">(options: StartObservationOptions<T>): ObservationByType[T] {
    return createObservation(this.runtime, { ...options, parentSpanContext: options.parentSpanContext ?? this.otelSpan.spanContext() });
  }

  /** Starts a child observation, makes it current for `fn`, and ends it when `fn` finishes. */
  startAsCurrentObservation<T extends ObservationType = "span", R = unknown>(
    options: StartAsCurrentObservationOptions<T>,
    fn: (observation: ObservationByType[T]) => R,
  ): R {
    return startAsCurrentObservation(
      this.runtime,
      { ...options, parentSpanContext: options.parentSpanContext ?? this.otelSpan.spanContext() } as StartAsCurrentObservationOptions<T>,
      fn,
    );
  }
}

export class LangfuseSpan extends LangfuseObservationBase<LangfuseSpanAttributes> {
  readonly type = "span" as const;
}
export class LangfuseGeneration extends LangfuseObservationBase<LangfuseGenerationAttributes> {
  readonly type = "generation" as const;
}
export class LangfuseEvent extends LangfuseObservationBase<LangfuseEventAttributes> {
  readonly type = "event" as const;
  /** Events are ended at creation; an update would be lost, so it is refused with a warning. */
  override update(_attributes: LangfuseEventAttributes): this {
    logger.warnOnce("event-update", "Attempted to update a LangfuseEvent; events cannot be updated after creation.");
    return this;
  }
}
export class LangfuseAgent extends LangfuseObservationBase<LangfuseSpanAttributes> {
  readonly type = "agent" as const;
}
export class LangfuseTool extends LangfuseObservationBase<LangfuseSpanAttributes> {
  readonly type = "tool" as const;
}
export class LangfuseChain extends LangfuseObservationBase<LangfuseSpanAttributes> {
  readonly type = "chain" as const;
}
export class LangfuseRetriever extends LangfuseObservationBase<LangfuseSpanAttributes> {
  readonly type = "retriever" as const;
}
export class LangfuseEvaluator extends LangfuseObservationBase<LangfuseSpanAttributes> {
  readonly type = "evaluator" as const;
}
export class LangfuseEmbedding extends LangfuseObservationBase<LangfuseGenerationAttributes> {
  readonly type = "embedding" as const;
}
export class LangfuseGuardrail extends LangfuseObservationBase<LangfuseSpanAttributes> {
  readonly type = "guardrail" as const;
}

export interface ObservationByType {
  span: LangfuseSpan;
  generation: LangfuseGeneration;
  event: LangfuseEvent;
  agent: LangfuseAgent;
  tool: LangfuseTool;
  chain: LangfuseChain;
  retriever: LangfuseRetriever;
  evaluator: LangfuseEvaluator;
  embedding: LangfuseEmbedding;
  guardrail: LangfuseGuardrail;
}

export type LangfuseObservation = ObservationByType[ObservationType];

type ObservationCtor = new (runtime: TracingRuntime, span: Span) => LangfuseObservation;

const CLASSES: Record<ObservationType, ObservationCtor> = {
  span: LangfuseSpan,
  generation: LangfuseGeneration,
  event: LangfuseEvent,
  agent: LangfuseAgent,
  tool: LangfuseTool,
  chain: LangfuseChain,
  retriever: LangfuseRetriever,
  evaluator: LangfuseEvaluator,
  embedding: LangfuseEmbedding,
  guardrail: LangfuseGuardrail,
};

export function normalizeType(asType: unknown): ObservationType {
  if (asType === undefined || asType === null) return "span";
  if ((OBSERVATION_TYPES as readonly unknown[]).includes(asType)) return asType as ObservationType;
  logger.warnOnce(`bad-type-${String(asType)}`, `Invalid observation type '${String(asType)}'; using 'span'. Valid: ${OBSERVATION_TYPES.join(", ")}.`);
  return "span";
}

/** Wraps an existing span (e.g. the active one) in the class of `asType` without touching its attributes. */
export function wrapSpan<T extends ObservationType>(runtime: TracingRuntime, span: Span, asType: T): ObservationByType[T] {
  return new CLASSES[asType](runtime, span) as ObservationByType[T];
}

/** The parent context for a new observation: traceContext > parentSpanContext > active. */
function parentContextFor(options: StartOptionsBase<ObservationType>): { ctx: Context; asRoot: boolean } {
  const active = context.active();
  const tc = options.traceContext;
  if (tc && typeof tc.traceId === "string") {
    if (!HEX32.test(tc.traceId)) {
      logger.warn(`traceContext.traceId '${String(tc.traceId).slice(0, 64)}' is not 32 lowercase hex chars; ignoring it.`);
    } else {
      let spanId = tc.parentSpanId;
      if (spanId !== undefined && !HEX16.test(spanId)) {
        logger.warn(`traceContext.parentSpanId '${String(spanId).slice(0, 64)}' is not 16 lowercase hex chars; ignoring it.`);
        spanId = undefined;
      }
      const asRoot = spanId === undefined;
      const sc: SpanContext = {
        traceId: tc.traceId,
        spanId: spanId ?? randomBytes(8).toString("hex"),
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      };
      return { ctx: trace.setSpanContext(active, sc), asRoot };
    }
  }
  if (options.parentSpanContext) return { ctx: trace.setSpanContext(active, options.parentSpanContext), asRoot: false };
  return { ctx: activeContext(), asRoot: false };
}

const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Creates (and, for events, ends) an observation. Never throws. */
export function createObservation<T extends ObservationType>(runtime: TracingRuntime, options: StartObservationOptions<T>): ObservationByType[T] {
  const asType = normalizeType(options?.asType) as T;
  if (!runtime.enabled) return wrapSpan(runtime, NOOP_SPAN, asType);
  try {
    const { ctx, asRoot } = parentContextFor(options);
    const span = runtime.tracer.startSpan(String(options.name ?? asType), { startTime: options.startTime }, ctx);
    if (span.isRecording()) {
      span.setAttribute(Attr.OBSERVATION_TYPE, asType);
      if (asRoot) span.setAttribute(Attr.AS_ROOT, true);
      setObservationAttributes(span, options as LangfuseGenerationAttributes, runtime.maxFieldChars);
    }
    if (runtime.needsReachCheck) runtime.checkReach(span);
    const obs = wrapSpan(runtime, span, asType);
    if (asType === "event") span.end(options.startTime);
    return obs;
  } catch (err) {
    logger.warnOnce("start-failed", `starting an observation failed; continuing untraced: ${String(err)}`);
    return wrapSpan(runtime, NOOP_SPAN, asType);
  }
}

/**
 * Runs `fn` with a new observation as the current span. Sync `fn` stays sync; a promise is
 * chained; the observation ends on return, throw or settle (unless endOnExit is false), and an
 * error is recorded (exception event, level ERROR, OTel status ERROR) then rethrown unchanged.
 */
export function startAsCurrentObservation<T extends ObservationType, R>(
  runtime: TracingRuntime,
  options: StartAsCurrentObservationOptions<T>,
  fn: (observation: ObservationByType[T]) => R,
): R {
  const obs = createObservation(runtime, options);
  if (!runtime.enabled || obs.otelSpan === NOOP_SPAN) return fn(obs);
  const ctx = trace.setSpan(context.active(), obs.otelSpan);
  return runInSpan(obs.otelSpan, ctx, fn as (o: ObservationByType[T]) => R, undefined, [obs], {
    endOnExit: options.endOnExit !== false && obs.type !== "event",
    captureOutput: false,
    maxFieldChars: runtime.maxFieldChars,
  });
}

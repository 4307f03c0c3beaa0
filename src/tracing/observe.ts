import { trace } from "@opentelemetry/api";
import { activeContext } from "./ambient";
import { Attr, type ObservationType } from "./constants";
import { errorMessage } from "../errors";
import { runInSpan, type CallOptions } from "./call-runner";
import { logger } from "../logger";
import { normalizeType } from "./observations";
import { resolveRuntime } from "./runtime";
import { serializeValue } from "./serialize";

/** Options of `observe(fn, options)` and `@Observe(options)`. */
export interface ObserveOptions {
  /** Observation name; default: the function name, or `ClassName.method` for decorated methods. */
  name?: string;
  /** Observation type; default "span". ("event" is not allowed for calls: events have no duration.) */
  asType?: Exclude<ObservationType, "event">;
  /**
   * Record the arguments as input (never `this`): 0 args -> none, 1 -> the argument, n -> the
   * array. A function receives the argument array and returns what to record (mapping, redaction).
   * Default: the client's ioCaptureEnabled (LANGFUSE_OBSERVE_DECORATOR_IO_CAPTURE_ENABLED).
   */
  captureInput?: boolean | ((args: unknown[]) => unknown);
  /** Record the return value (for streams: the collected chunks). A function maps it first. */
  captureOutput?: boolean | ((output: unknown) => unknown);
  /** false: the observation stays open after the call; end it via the current observation. */
  endOnExit?: boolean;
}

/** Per-call options: `(thisArg, ...args) => options`, merged over the static ones. */
export type DynamicObserveOptions = (thisArg: unknown, ...args: unknown[]) => ObserveOptions;

export type ObserveConfig = ObservationType | ObserveOptions | DynamicObserveOptions;

/** Marks a traced wrapper; holds the original function and its options. */
export const ORIGINAL_FUNCTION: unique symbol = Symbol.for("langfuse-decorators.original") as never;
export const OBSERVE_OPTIONS: unique symbol = Symbol.for("langfuse-decorators.observe-options") as never;

interface TracedFunction {
  [ORIGINAL_FUNCTION]?: (...args: unknown[]) => unknown;
  [OBSERVE_OPTIONS]?: ObserveOptions;
}

export function isTraced(fn: unknown): boolean {
  return typeof fn === "function" && (fn as TracedFunction)[ORIGINAL_FUNCTION] !== undefined;
}

/** The undecorated function behind a traced wrapper (itself when not traced). */
export function getOriginalFunction<F extends (...args: never[]) => unknown>(fn: F): F {
  return ((fn as unknown as TracedFunction)[ORIGINAL_FUNCTION] as F | undefined) ?? fn;
}

export function normalizeObserveConfig(config: ObserveConfig | undefined): { statics: ObserveOptions; dynamic?: DynamicObserveOptions } {
  if (config === undefined || config === null) return { statics: {} };
  if (typeof config === "string") return { statics: { asType: config as Exclude<ObservationType, "event"> } };
  if (typeof config === "function") return { statics: {}, dynamic: config };
  return { statics: { ...config } };
}

function captureArgs(args: unknown[]): unknown {
  if (args.length === 0) return undefined;
  return args.length === 1 ? args[0] : args;
}

function checkType(t: unknown): ObservationType {
  const type = normalizeType(t);
  if (type === "event") {
    logger.warnOnce("observe-event", "observe()/@Observe cannot create events (they have no duration); using 'span'.");
    return "span";
  }
  return type;
}

/**
 * Builds the traced wrapper of `fn`. `nameOf(thisArg)` gives the default name (decorators pass
 * `ClassName.method`). The wrapper keeps `this`, the return shape (sync stays sync), `name`
 * and `length`, and behaves exactly like `fn` when tracing is off.
 */
export function traceFunction<F extends (...args: never[]) => unknown>(
  fn: F,
  config: ObserveConfig | undefined,
  nameOf: (thisArg: unknown) => string,
): F {
  if (isTraced(fn)) return fn;
  const { statics, dynamic } = normalizeObserveConfig(config);
  const staticType = checkType(statics.asType);
  const original = fn as unknown as (...args: unknown[]) => unknown;
  let cachedFor: unknown;
  let cachedCallOptions: CallOptions | undefined;

  const traced = function (this: unknown, ...args: unknown[]): unknown {
    const rt = resolveRuntime();
    if (rt === undefined || !rt.enabled) return original.apply(this, args);

    let opts = statics;
    let asType = staticType;
    if (dynamic) {
      try {
        opts = { ...statics, ...dynamic(this, ...args) };
        asType = checkType(opts.asType);
      } catch (err) {
        logger.warnOnce("observe-dynamic-options", `dynamic @Observe options threw; using the static ones: ${String(err)}`);
      }
    }

    const parent = activeContext();
    let span;
    try {
      span = rt.tracer.startSpan(opts.name ?? nameOf(this), undefined, parent);
      if (span.isRecording()) {
        span.setAttribute(Attr.OBSERVATION_TYPE, asType);
        const captureInput = opts.captureInput ?? rt.ioCaptureEnabled;
        if (captureInput !== false && args.length > 0) {
          // A throwing captureInput mapper is the user's code: record the failure on the span
          // and keep tracing the call (it used to end the span empty and run untraced).
          let s: string | undefined;
          try {
            const input = typeof captureInput === "function" ? captureInput(args) : captureArgs(args);
            s = serializeValue(input, rt.maxFieldChars);
          } catch (err) {
            s = `<failed to capture input: ${errorMessage(err)}>`;
          }
          if (s !== undefined) span.setAttribute(Attr.OBSERVATION_INPUT, s);
        }
      }
      if (rt.needsReachCheck) rt.checkReach(span);
    } catch (err) {
      // Tracing must never break the call: run it untraced.
      logger.warnOnce("observe-start-failed", `could not start an observation; running untraced: ${String(err)}`);
      span?.end();
      return original.apply(this, args);
    }
    let callOptions: CallOptions;
    if (opts === statics && cachedFor === rt && cachedCallOptions) {
      callOptions = cachedCallOptions;
    } else {
      callOptions = {
        endOnExit: opts.endOnExit !== false,
        captureOutput: opts.captureOutput ?? rt.ioCaptureEnabled,
        maxFieldChars: rt.maxFieldChars,
      };
      // Static options and the same client give the same call options: reuse them (hot path).
      if (opts === statics) {
        cachedFor = rt;
        cachedCallOptions = callOptions;
      }
    }
    return runInSpan(span, trace.setSpan(parent, span), original, this, args, callOptions);
  };

  Object.defineProperty(traced, "name", { value: fn.name, configurable: true });
  Object.defineProperty(traced, "length", { value: fn.length, configurable: true });
  Object.defineProperty(traced, ORIGINAL_FUNCTION, { value: fn, configurable: true });
  Object.defineProperty(traced, OBSERVE_OPTIONS, { value: { ...statics, asType: staticType }, configurable: true });
  return traced as unknown as F;
}

/**
 * Wraps a function so every call is an observation (the function form of `@Observe`).
 * `this` is forwarded, sync stays sync, promises are chained, generators and streams are
 * traced until consumed, errors are recorded and rethrown unchanged.
 */
export function observe<F extends (...args: never[]) => unknown>(fn: F, options?: ObserveConfig): F {
  if (typeof fn !== "function") return fn;
  const fallback = fn.name || "anonymous-function";
  return traceFunction(fn, options, () => fallback);
}

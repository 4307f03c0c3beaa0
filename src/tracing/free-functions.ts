import type { ObservationType } from "./constants";
import {
  createObservation,
  startAsCurrentObservation as startAsCurrentWith,
  type ObservationByType,
  type StartAsCurrentObservationOptions,
  type StartObservationOptions,
} from "./observations";
import { logger } from "../logger";
import { resolveRuntime, type TracingRuntime } from "./runtime";
import { trace } from "@opentelemetry/api";
import type { Langfuse } from "../client/langfuse";
import { errorMessage } from "../errors";

let disabled: TracingRuntime | undefined;

/** A runtime that records nothing, used only if no client can be created (bad env config). */
function runtime(): TracingRuntime {
  const rt = resolveRuntime();
  if (rt) return rt;
  const { TracingRuntime: Ctor } = require("./runtime") as typeof import("./runtime");
  disabled ??= new Ctor(undefined as unknown as Langfuse, false, trace.getTracer("langfuse-sdk"), 1_000_000, false, false);
  return disabled;
}

/** `getClient().startObservation(options)`. */
export function startObservation<T extends ObservationType = "span">(options: StartObservationOptions<T>): ObservationByType[T] {
  return createObservation(runtime(), options);
}

/** `getClient().startAsCurrentObservation(options, fn)`. */
export function startAsCurrentObservation<T extends ObservationType = "span", R = unknown>(
  options: StartAsCurrentObservationOptions<T>,
  fn: (observation: ObservationByType[T]) => R,
): R {
  return startAsCurrentWith(runtime(), options, fn);
}

type ScoreOptions = import("../scores").ScoreOptions;
type ScoreOutcome = import("../scores").ScoreOutcome;

function scoreWithDefaultClient(what: string, call: (client: Langfuse) => ScoreOutcome): ScoreOutcome {
  try {
    const client = resolveRuntime()?.client;
    if (!client) return { status: "disabled" };
    return call(client);
  } catch (err) {
    logger.warnOnce(`${what}-threw`, `${what}: the score could not be queued: ${errorMessage(err)}`);
    return { status: "dropped" };
  }
}

/**
 * `getClient().scoreCurrentSpan(score)`: scores the active observation with the default
 * client. A warning and no-op without an active span; `{ status: "disabled" }` when tracing is
 * off and no client exists. Never throws.
 */
export function scoreCurrentSpan(score: ScoreOptions): ScoreOutcome {
  return scoreWithDefaultClient("scoreCurrentSpan", (client) => client.scoreCurrentSpan(score));
}

/** `getClient().scoreCurrentTrace(score)`: scores the active observation's trace. Never throws. */
export function scoreCurrentTrace(score: ScoreOptions): ScoreOutcome {
  return scoreWithDefaultClient("scoreCurrentTrace", (client) => client.scoreCurrentTrace(score));
}

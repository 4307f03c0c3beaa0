import type { ObservationType } from "./constants";
import {
  createObservation,
  startAsCurrentObservation as startAsCurrentWith,
  type ObservationByType,
  type StartAsCurrentObservationOptions,
  type StartObservationOptions,
} from "./observations";
import { logger } from "../logger";
import { createDisabledRuntime, resolveRuntime, type TracingRuntime } from "./runtime";
import type { ObservationScorer, ScoreOptions, ScoreOutcome } from "./score-port";
import { errorMessage } from "../errors";

let disabled: TracingRuntime | undefined;

/** Used only if no client can be created (bad env config): records nothing. */
function runtime(): TracingRuntime {
  return resolveRuntime() ?? (disabled ??= createDisabledRuntime());
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

function scoreWithDefaultClient(what: string, call: (scorer: ObservationScorer) => ScoreOutcome): ScoreOutcome {
  try {
    const scorer = resolveRuntime()?.scorer;
    if (!scorer) return { status: "disabled" };
    return call(scorer);
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
  return scoreWithDefaultClient("scoreCurrentSpan", (scorer) => scorer.scoreCurrentSpan(score));
}

/** `getClient().scoreCurrentTrace(score)`: scores the active observation's trace. Never throws. */
export function scoreCurrentTrace(score: ScoreOptions): ScoreOutcome {
  return scoreWithDefaultClient("scoreCurrentTrace", (scorer) => scorer.scoreCurrentTrace(score));
}

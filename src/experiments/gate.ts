import type { ExperimentResult } from "./experiment-result";

/** A CI gate on one score name. All given conditions must hold. */
export interface Threshold {
  /** The mean over all items must be at least this. */
  mean?: number;
  /** Every item's value must be at least this. */
  min?: number;
  /** At least `rate` (0..1) of the items must score at least `score`. */
  passRate?: { score: number; rate: number };
}

export type Thresholds = Record<string, Threshold>;

export interface GateCheck {
  score: string;
  kind: "mean" | "min" | "passRate" | "present";
  expected: number;
  /** Undefined when the score is missing. */
  actual?: number;
  passed: boolean;
  detail: string;
}

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  /** Why the gate failed beyond the checks (no results, errors with failOnError). */
  problems: string[];
}

export interface GateOptions {
  /** Task or evaluator errors fail the gate. */
  failOnError?: boolean;
}

/**
 * Applies thresholds to an experiment result. Fails closed: no items, an item without the
 * score (its task failed or its evaluator errored or returned nothing), or a non-numeric
 * score all fail the threshold instead of being skipped. A threshold naming a run evaluation
 * (not an item score) is checked against that single value.
 */
export function evaluateGate(result: ExperimentResult, thresholds: Thresholds = {}, options: GateOptions = {}): GateResult {
  const checks: GateCheck[] = [];
  const problems: string[] = [];
  const items = result.itemResults;
  if (items.length === 0) problems.push("the experiment produced no results");
  if (options.failOnError) {
    const failed = result.failedItems.length;
    if (failed) problems.push(`${failed} item(s) failed`);
    const evalErrors = result.evaluatorErrorCount;
    if (evalErrors) problems.push(`${evalErrors} evaluator error(s)`);
  }

  for (const [score, threshold] of Object.entries(thresholds)) {
    const runEval = result.runEvaluations.find((e) => e.name === score);
    const itemValues: (number | undefined)[] = [];
    let seen = 0;
    for (const r of items) {
      const e = r.evaluations.find((x) => x.name === score);
      if (e) seen++;
      itemValues.push(e?.numericValue);
    }
    const useRun = seen === 0 && runEval !== undefined;
    const values = useRun ? [runEval.numericValue] : itemValues;
    const present = values.filter((v): v is number => v !== undefined);
    const missing = values.length - present.length;
    const missingNote = missing ? ` (missing or non-numeric on ${missing} of ${values.length})` : "";

    if (values.length === 0 || present.length === 0) {
      checks.push({ score, kind: "present", expected: 1, passed: false, detail: `no numeric "${score}" score was produced` });
      continue;
    }
    if (threshold.mean !== undefined) {
      // Missing values count as failures, not as absent: the mean covers what was produced and the check fails if any is missing.
      const mean = present.reduce((a, b) => a + b, 0) / present.length;
      const passed = missing === 0 && mean >= threshold.mean;
      checks.push({ score, kind: "mean", expected: threshold.mean, actual: mean, passed, detail: `mean ${mean.toFixed(3)}, needs >= ${threshold.mean}${missingNote}` });
    }
    if (threshold.min !== undefined) {
      const min = Math.min(...present);
      const passed = missing === 0 && min >= threshold.min;
      checks.push({ score, kind: "min", expected: threshold.min, actual: min, passed, detail: `min ${min.toFixed(3)}, needs >= ${threshold.min}${missingNote}` });
    }
    if (threshold.passRate !== undefined) {
      const { score: cut, rate } = threshold.passRate;
      // Missing values count as failing items here, so the rate is over all items.
      const passing = present.filter((v) => v >= cut).length;
      const actual = passing / values.length;
      const passed = actual >= rate;
      checks.push({
        score,
        kind: "passRate",
        expected: rate,
        actual,
        passed,
        detail: `${passing}/${values.length} items >= ${cut} (${(actual * 100).toFixed(1)}%), needs >= ${(rate * 100).toFixed(1)}%${missingNote}`,
      });
    }
  }
  return { passed: problems.length === 0 && checks.every((c) => c.passed), checks, problems };
}

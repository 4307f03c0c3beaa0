import { LangfuseValidationError, type ValidationIssue } from "../errors";
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

const CONDITIONS = ["mean", "min", "passRate"] as const;
const PASS_RATE_KEYS = ["score", "rate"] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function checkNumber(issues: ValidationIssue[], path: string, value: unknown, range?: [number, number]): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    issues.push({ path, message: `must be a finite number, got ${describeValue(value)}` });
  } else if (range && (value < range[0] || value > range[1])) {
    issues.push({ path, message: `must be between ${range[0]} and ${range[1]}, got ${value}` });
  }
}

/**
 * Checks thresholds the way the gate reads them, so a typo cannot make a gate pass silently:
 * an object keyed by score name, each threshold an object with only `mean`, `min` and
 * `passRate: { score, rate }`, at least one of them, every number finite and `rate` in [0, 1].
 * Returns the issues (empty when valid), each with a dotted path (`thresholds.acc.mean`).
 */
export function validateThresholds(thresholds: unknown, path = "thresholds"): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (thresholds === undefined) return issues;
  if (!isPlainObject(thresholds)) {
    issues.push({ path, message: `must be an object keyed by score name, got ${describeValue(thresholds)}` });
    return issues;
  }
  for (const [score, threshold] of Object.entries(thresholds)) {
    const at = `${path}.${score}`;
    if (score.trim() === "") issues.push({ path: at, message: "the score name must be a non-empty string" });
    if (!isPlainObject(threshold)) {
      issues.push({ path: at, message: `must be an object with mean, min or passRate, got ${describeValue(threshold)}` });
      continue;
    }
    for (const key of Object.keys(threshold)) {
      if (!(CONDITIONS as readonly string[]).includes(key)) issues.push({ path: `${at}.${key}`, message: "unknown condition (use mean, min or passRate)" });
    }
    const given = CONDITIONS.filter((k) => threshold[k] !== undefined);
    if (given.length === 0) issues.push({ path: at, message: "needs at least one condition: mean, min or passRate" });
    if (threshold.mean !== undefined) checkNumber(issues, `${at}.mean`, threshold.mean);
    if (threshold.min !== undefined) checkNumber(issues, `${at}.min`, threshold.min);
    const passRate = threshold.passRate;
    if (passRate !== undefined) {
      if (!isPlainObject(passRate)) {
        issues.push({ path: `${at}.passRate`, message: `must be { score, rate }, got ${describeValue(passRate)}` });
        continue;
      }
      for (const key of Object.keys(passRate)) {
        if (!(PASS_RATE_KEYS as readonly string[]).includes(key)) issues.push({ path: `${at}.passRate.${key}`, message: "unknown field (use score and rate)" });
      }
      checkNumber(issues, `${at}.passRate.score`, passRate.score);
      checkNumber(issues, `${at}.passRate.rate`, passRate.rate, [0, 1]);
    }
  }
  return issues;
}

/** Throws a LangfuseValidationError naming every bad path when `validateThresholds` finds issues. */
export function assertValidThresholds(thresholds: unknown, context = "Invalid thresholds", path = "thresholds"): void {
  const issues = validateThresholds(thresholds, path);
  if (issues.length) throw new LangfuseValidationError(context, issues);
}

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
 * (not an item score) is checked against that single value. Malformed thresholds (a threshold
 * without conditions, an unknown key, a non-numeric or non-finite value, a rate outside
 * [0, 1]) are a LangfuseValidationError, never a silent pass.
 */
export function evaluateGate(result: ExperimentResult, thresholds: Thresholds = {}, options: GateOptions = {}): GateResult {
  assertValidThresholds(thresholds);
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

/**
 * The registry of `@ExperimentSuite` classes (decorators/ validates and registers, the suite
 * runner and the CLI read). Kept here, in src/experiments, so src/ never imports decorators/.
 */
import type { Json } from "../../api/types";
import { LangfuseValidationError, type ValidationIssue } from "../../errors";
import { validateThresholds, type Thresholds } from "../gate";
import type { EvaluatorFn, LocalExperimentItem } from "../types";

/** A class decorated with `@Evaluator()` (it has `evaluate(args)`), resolved through the container. */
export type EvaluatorClass = new (...args: never[]) => { evaluate(args: never): unknown };

export interface ExperimentSuiteOptions {
  /** Experiment name (runs are named `${name} - ${timestamp}` unless `runName` is set). */
  name: string;
  description?: string;
  runName?: string;
  /** A Langfuse dataset (by name, optionally at a version). Exactly one of `dataset` / `data`. */
  dataset?: string | { name: string; version?: Date };
  /** Local items. Exactly one of `dataset` / `data`. */
  data?: readonly LocalExperimentItem[];
  /** Default 3. */
  maxConcurrency?: number;
  metadata?: Record<string, Json>;
  /** CI gates per score name: `{ accuracy: { mean: 0.8, min: 0.5, passRate: { score: 1, rate: 0.9 } } }`. */
  thresholds?: Thresholds;
  /** Reusable evaluators, in addition to the suite's own `@Evaluator` methods. */
  evaluators?: ReadonlyArray<EvaluatorClass | EvaluatorFn>;
}

export type SuiteClass = new (...args: never[]) => object;

export interface RegisteredSuite {
  target: SuiteClass;
  options: ExperimentSuiteOptions;
}

/**
 * Every `@ExperimentSuite` class, in definition order. Kept on globalThis so suites loaded by
 * the CLI and `runSuites` imported from another copy of the package still meet.
 */
const REGISTRY_KEY = Symbol.for("langfuse-decorators.experiment-suites");
function registry(): RegisteredSuite[] {
  const g = globalThis as { [REGISTRY_KEY]?: RegisteredSuite[] };
  return (g[REGISTRY_KEY] ??= []);
}

/** All registered suites (a copy). */
export function getRegisteredSuites(): RegisteredSuite[] {
  return [...registry()];
}

/** The suite options of a decorated class, or undefined. */
export function getSuiteOptions(target: Function): ExperimentSuiteOptions | undefined {
  return registry().find((s) => s.target === target)?.options;
}

/** Forgets registered suites (tests and the CLI use it between runs). */
export function clearRegisteredSuites(): void {
  registry().length = 0;
}

/** Throws a LangfuseValidationError naming every bad option of `@ExperimentSuite(options)`. */
export function validateSuiteOptions(options: ExperimentSuiteOptions): void {
  const issues: ValidationIssue[] = [];
  if (!options || typeof options.name !== "string" || options.name.trim() === "") issues.push({ path: "name", message: "must be a non-empty string" });
  const hasDataset = options?.dataset !== undefined;
  const hasData = options?.data !== undefined;
  if (hasDataset === hasData) issues.push({ path: "dataset", message: "give exactly one of dataset or data" });
  if (hasData && !Array.isArray(options.data)) issues.push({ path: "data", message: "must be an array of { input, expectedOutput?, metadata? }" });
  if (hasDataset) {
    const d = options.dataset;
    const name = typeof d === "string" ? d : d?.name;
    if (typeof name !== "string" || name === "") issues.push({ path: "dataset", message: "must be a dataset name or { name, version? }" });
  }
  const mc = options?.maxConcurrency;
  if (mc !== undefined && (!Number.isInteger(mc) || mc < 1)) issues.push({ path: "maxConcurrency", message: "must be an integer >= 1" });
  // A misspelt or empty threshold would otherwise gate nothing and pass: the gate fails closed.
  issues.push(...validateThresholds(options?.thresholds, "thresholds"));
  if (issues.length) throw new LangfuseValidationError(`Invalid @ExperimentSuite(${JSON.stringify(options?.name ?? "")})`, issues);
}


/** Registers (or re-registers, replacing the earlier entry) a suite class. */
export function registerSuite(target: SuiteClass, options: ExperimentSuiteOptions): void {
  const list = registry();
  const existing = list.findIndex((s) => s.target === target);
  const entry = { target, options };
  if (existing >= 0) list[existing] = entry;
  else list.push(entry);
}

import "reflect-metadata";
import { resolveClient } from "../../di/resolve-client";
import { LangfuseError, errorMessage } from "../../errors";
import type { ExperimentResult } from "../experiment-result";
import { assertValidThresholds, evaluateGate, type GateResult } from "../gate";
import type { DatasetExperimentOptions, EvaluatorArgs, EvaluatorFn, ExperimentItem, ExperimentOptions, RunEvaluatorArgs, RunEvaluatorFn, TaskArgs } from "../types";
import { getEvaluatorMetadata, isEvaluatorClass, type MarkedMethod } from "./evaluator-registry";
import { getRegisteredSuites, type ExperimentSuiteOptions, type RegisteredSuite, type SuiteClass } from "./suite-registry";

/** Any DI container: tsyringe's `container`, a child container, or your own `{ resolve }`. */
export interface DiContainer {
  resolve<T>(token: unknown): T;
}

/** The client operations suites need (the `Langfuse` facade provides them). */
export interface SuiteClient {
  runExperiment<I extends ExperimentItem, O>(options: ExperimentOptions<I, O>): Promise<ExperimentResult<I, O>>;
  getDataset(name: string, options?: { version?: Date }): Promise<{
    runExperiment<O>(options: DatasetExperimentOptions<never, O>): Promise<ExperimentResult<ExperimentItem, O>>;
  }>;
}

export interface RunSuitesOptions {
  /** Resolves suite classes and evaluator classes (constructor injection). Default: `new Class()`. */
  container?: DiContainer;
  /**
   * The client to record runs with. Default: the container's (`registerLangfuse`), else the
   * default client (`getClient()`, the embedded store when no keys are set).
   */
  langfuse?: SuiteClient;
  /** Which suites to run: a name substring, a RegExp on the name, or a predicate. Default: all. */
  filter?: string | RegExp | ((name: string) => boolean);
  /** Suites to consider. Default: every `@ExperimentSuite` class defined so far. */
  suites?: ReadonlyArray<SuiteClass>;
  /** Task/evaluator errors fail a suite's gate. */
  failOnError?: boolean;
  /** Progress bars (default: on a TTY). */
  progress?: boolean;
}

export interface SuiteOutcome {
  name: string;
  options: ExperimentSuiteOptions;
  /** Absent when the suite could not run (see `error`). */
  result?: ExperimentResult;
  gate?: GateResult;
  /** A runtime or configuration error that stopped this suite. */
  error?: string;
}

export interface SuiteRunReport {
  outcomes: SuiteOutcome[];
  /** Every selected suite ran and passed its gate (and at least one suite was selected). */
  passed: boolean;
}

/**
 * Runs `@ExperimentSuite` classes: resolves each through the container, builds the experiment
 * from its `@Task`, `@Evaluator` and `@RunEvaluator` methods (plus reusable evaluator classes),
 * runs it on its dataset or local data, and applies its thresholds. One suite's failure does
 * not stop the others; it is reported in its outcome.
 */
export async function runSuites(options: RunSuitesOptions): Promise<SuiteRunReport> {
  const langfuse: SuiteClient = options?.langfuse ?? resolveClient(options?.container);
  const registered = getRegisteredSuites();
  const candidates: RegisteredSuite[] = options.suites
    ? options.suites.map((target) => {
        const found = registered.find((s) => s.target === target);
        if (!found) throw new LangfuseError("CONFIG", `${target.name} is not decorated with @ExperimentSuite`);
        return found;
      })
    : registered;
  const selected = candidates.filter((s) => matches(options.filter, s.options.name));
  const outcomes: SuiteOutcome[] = [];
  for (const suite of selected) outcomes.push(await runOne(suite, { ...options, langfuse }));
  return { outcomes, passed: outcomes.length > 0 && outcomes.every((o) => !o.error && o.gate?.passed) };
}

function matches(filter: RunSuitesOptions["filter"], name: string): boolean {
  if (filter === undefined) return true;
  if (typeof filter === "string") return name.includes(filter);
  if (filter instanceof RegExp) return filter.test(name);
  return filter(name);
}

async function runOne(suite: RegisteredSuite, options: RunSuitesOptions & { langfuse: SuiteClient }): Promise<SuiteOutcome> {
  const { options: suiteOptions } = suite;
  const outcome: SuiteOutcome = { name: suiteOptions.name, options: suiteOptions };
  try {
    // Checked again here (not only in @ExperimentSuite): options may have been changed after
    // declaration or registered by another copy of the package. A bad gate is a config error
    // (exit 2) and the suite does not run.
    assertValidThresholds(suiteOptions.thresholds, `Invalid thresholds of suite "${suiteOptions.name}"`);
    const instance = resolveInstance(suite.target, options.container) as Record<string | symbol, unknown>;
    const meta = getEvaluatorMetadata(suite.target);
    if (!meta.task) throw new LangfuseError("CONFIG", `Suite "${suiteOptions.name}" (${suite.target.name}) has no @Task() method`);
    const task = bindMethod(instance, meta.task, "task") as (args: TaskArgs) => unknown;

    const evaluators: EvaluatorFn<ExperimentItem, unknown>[] = meta.evaluators.map((m) => bindMethod(instance, m, "evaluator") as EvaluatorFn);
    for (const e of suiteOptions.evaluators ?? []) {
      if (isEvaluatorClass(e)) {
        const evaluatorInstance = resolveInstance(e as unknown as SuiteClass, options.container) as { evaluate(args: EvaluatorArgs): unknown };
        const name = getEvaluatorMetadata(e).classEvaluator?.name ?? e.name;
        evaluators.push(named((args: EvaluatorArgs) => evaluatorInstance.evaluate(args), name) as EvaluatorFn);
      } else if (typeof e === "function") {
        evaluators.push(e as EvaluatorFn);
      } else {
        throw new LangfuseError("CONFIG", `Suite "${suiteOptions.name}": evaluators must be functions or @Evaluator() classes`);
      }
    }
    const runEvaluators = meta.runEvaluators.map((m) => bindMethod(instance, m, "runEvaluator") as RunEvaluatorFn);

    const common = {
      name: suiteOptions.name,
      ...(suiteOptions.runName !== undefined ? { runName: suiteOptions.runName } : {}),
      ...(suiteOptions.description !== undefined ? { description: suiteOptions.description } : {}),
      ...(suiteOptions.maxConcurrency !== undefined ? { maxConcurrency: suiteOptions.maxConcurrency } : {}),
      ...(suiteOptions.metadata !== undefined ? { metadata: suiteOptions.metadata } : {}),
      ...(options.progress !== undefined ? { progress: options.progress } : {}),
      task,
      evaluators,
      runEvaluators,
    };
    let result: ExperimentResult;
    if (suiteOptions.data !== undefined) {
      result = await options.langfuse.runExperiment({ ...common, data: suiteOptions.data });
    } else {
      const ref = suiteOptions.dataset!;
      const name = typeof ref === "string" ? ref : ref.name;
      const version = typeof ref === "string" ? undefined : ref.version;
      const dataset = await options.langfuse.getDataset(name, version ? { version } : {});
      result = await dataset.runExperiment(common as DatasetExperimentOptions<never, unknown>);
    }
    outcome.result = result;
    outcome.gate = evaluateGate(result, suiteOptions.thresholds, { failOnError: options.failOnError });
  } catch (error) {
    outcome.error = errorMessage(error);
  }
  return outcome;
}

function named<F extends Function>(fn: F, name: string): F {
  (fn as unknown as { evaluatorName: string }).evaluatorName = name;
  return fn;
}

function bindMethod(instance: Record<string | symbol, unknown>, marked: MarkedMethod, role: string): Function {
  const fn = instance[marked.method];
  if (typeof fn !== "function") throw new LangfuseError("CONFIG", `${role} ${String(marked.method)} is not a method of ${instance.constructor.name}`);
  return named((args: unknown) => fn.call(instance, args), marked.name);
}

/**
 * Resolves through the container when there is one. A container that cannot build the class
 * itself (tsyringe without `@injectable()`) gets a second chance: the constructor's
 * `design:paramtypes` (emitted because the class is decorated) are resolved one by one.
 */
function resolveInstance(target: SuiteClass, container: DiContainer | undefined): unknown {
  if (!container) {
    if (target.length > 0) {
      throw new LangfuseError("CONFIG", `${target.name} needs constructor arguments: pass a DI container to runSuites({ container })`);
    }
    return new (target as unknown as new () => unknown)();
  }
  try {
    return container.resolve(target);
  } catch (first) {
    // A class without a constructor has no paramtypes but needs nothing.
    const params = (Reflect.getMetadata("design:paramtypes", target) as unknown[] | undefined) ?? (target.length === 0 ? [] : undefined);
    if (!params || params.length !== target.length) {
      throw new LangfuseError("CONFIG", `Could not resolve ${target.name} from the container: ${errorMessage(first)}`);
    }
    const args = params.map((p) => container.resolve(p));
    return new (target as unknown as new (...a: unknown[]) => unknown)(...args);
  }
}

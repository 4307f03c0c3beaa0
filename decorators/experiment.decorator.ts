import { LangfuseError } from "../src/errors";
import {
  registerSuite,
  validateSuiteOptions,
  type ExperimentSuiteOptions,
  type SuiteClass,
} from "../src/experiments/suites/suite-registry";

/**
 * Declares an experiment suite: a class (resolved through your DI container, so its
 * constructor gets services and `@Prompt` refs) with one `@Task()` method, `@Evaluator()`
 * methods and optional `@RunEvaluator()` methods. Run it with `runSuites()` or the CLI
 * (`langfuse-decorators experiment`). Works as a legacy and as a TC39 class decorator.
 */
export function ExperimentSuite(options: ExperimentSuiteOptions) {
  validateSuiteOptions(options);
  return function decorate(target: Function, context?: { kind: string }): void {
    if (typeof target !== "function" || (context !== undefined && context.kind !== "class")) {
      throw new LangfuseError("CONFIG", "@ExperimentSuite can only decorate classes");
    }
    registerSuite(target as SuiteClass, options);
  };
}

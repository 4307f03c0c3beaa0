/**
 * `@Evaluator`, `@RunEvaluator` and `@Task`: mark the methods of an experiment suite (or a
 * reusable evaluator class) so `runSuites` can build an experiment from them. They only record
 * metadata (src/experiments/suites/evaluator-registry.ts); the method itself is left untouched.
 * `@Evaluator` works with both legacy (`experimentalDecorators`) and TC39 (TypeScript 5
 * standard) decorators.
 */
import { LangfuseError } from "../src/errors";
import {
  addMarkedMethod,
  metaFor,
  type EvaluatorMetadata,
  type EvaluatorOptions,
} from "../src/experiments/suites/evaluator-registry";

type LegacyMethodDecorator = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => void;
interface Tc39MethodContext {
  kind: "method";
  name: string | symbol;
  static: boolean;
  addInitializer(init: (this: unknown) => void): void;
}
interface Tc39ClassContext {
  kind: "class";
  name: string | undefined;
  addInitializer(init: (this: unknown) => void): void;
}

function isTc39Context(x: unknown): x is Tc39MethodContext | Tc39ClassContext {
  return typeof x === "object" && x !== null && "kind" in x && typeof (x as { kind: unknown }).kind === "string";
}

/**
 * Builds a decorator usable on methods in both decorator modes. Legacy mode registers at class
 * definition; TC39 mode registers when the first instance is created (via addInitializer),
 * which is before `runSuites` reads the metadata since it reads it from a resolved instance.
 */
function methodMarker(record: (meta: EvaluatorMetadata, method: string | symbol) => void, label: string) {
  return function decorate(targetOrMethod: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): void {
    if (isTc39Context(keyOrContext)) {
      if (keyOrContext.kind !== "method") throw new LangfuseError("CONFIG", `@${label} can only decorate methods${label === "Evaluator" ? " or classes" : ""}`);
      const ctx = keyOrContext as Tc39MethodContext;
      if (ctx.static) throw new LangfuseError("CONFIG", `@${label} cannot decorate a static method`);
      ctx.addInitializer(function (this: unknown) {
        record(metaFor((this as object).constructor), ctx.name);
      });
      return;
    }
    if (typeof keyOrContext !== "string" && typeof keyOrContext !== "symbol") throw new LangfuseError("CONFIG", `@${label} can only decorate methods`);
    if (typeof targetOrMethod === "function") throw new LangfuseError("CONFIG", `@${label} cannot decorate a static method`);
    if (!descriptor || typeof descriptor.value !== "function") throw new LangfuseError("CONFIG", `@${label} can only decorate methods`);
    record(metaFor((targetOrMethod as object).constructor), keyOrContext);
  };
}

/** Marks the method that produces the output for one item: `answer({ input, item })`. One per suite. */
export function Task(): LegacyMethodDecorator & ((method: Function, context: Tc39MethodContext) => void) {
  return methodMarker((meta, method) => {
    meta.task = { method, name: String(method) };
  }, "Task") as never;
}

/**
 * Marks an item evaluator: on a method `(args) => Evaluation | Evaluation[]`, or on a class
 * with an `evaluate(args)` method (resolved through the DI container and reusable by listing it
 * in a suite's `evaluators`).
 */
export function Evaluator(options: EvaluatorOptions = {}) {
  const methodDecorator = methodMarker((meta, method) => {
    addMarkedMethod(meta.evaluators, { method, name: options.name ?? String(method) });
  }, "Evaluator");
  return function decorate(target: unknown, keyOrContext?: unknown, descriptor?: PropertyDescriptor): void {
    const classContext = isTc39Context(keyOrContext) && keyOrContext.kind === "class";
    if (typeof target === "function" && (keyOrContext === undefined || classContext)) {
      if (typeof (target as { prototype?: { evaluate?: unknown } }).prototype?.evaluate !== "function") {
        throw new LangfuseError("CONFIG", `@Evaluator on class ${(target as Function).name} needs an evaluate(args) method`);
      }
      metaFor(target as Function).classEvaluator = { name: options.name ?? (target as Function).name };
      return;
    }
    methodDecorator(target, keyOrContext, descriptor);
  } as LegacyMethodDecorator & ((target: Function, context?: Tc39MethodContext | Tc39ClassContext) => void);
}

/** Marks a run evaluator: `({ itemResults }) => Evaluation | Evaluation[]`, run once after all items. */
export function RunEvaluator(options: EvaluatorOptions = {}): LegacyMethodDecorator & ((method: Function, context: Tc39MethodContext) => void) {
  return methodMarker((meta, method) => {
    addMarkedMethod(meta.runEvaluators, { method, name: options.name ?? String(method) });
  }, "RunEvaluator") as never;
}

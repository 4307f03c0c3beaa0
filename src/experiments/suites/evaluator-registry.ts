/**
 * What `@Task`, `@Evaluator` and `@RunEvaluator` record about a class (decorators/ writes it,
 * the suite runner reads it). Kept here, in src/experiments, so src/ never imports decorators/.
 */

export interface EvaluatorOptions {
  /** Name used in error reports and as the default score name; default: the method/class name. */
  name?: string;
}

export interface MarkedMethod {
  method: string | symbol;
  name: string;
}

/** What a class declares through these decorators. */
export interface EvaluatorMetadata {
  task?: MarkedMethod;
  evaluators: MarkedMethod[];
  runEvaluators: MarkedMethod[];
  /** Set when the class itself is an evaluator (`@Evaluator()` on a class with `evaluate`). */
  classEvaluator?: { name: string };
}

// Keyed by constructor; a WeakMap keeps decorated classes collectable. Kept on globalThis so a
// suite compiled against one copy of this package (the TS sources) is read by another (the
// CLI's built copy).
const REGISTRY_KEY = Symbol.for("langfuse-decorators.evaluator-metadata");
const registry: WeakMap<Function, EvaluatorMetadata> = ((globalThis as { [REGISTRY_KEY]?: WeakMap<Function, EvaluatorMetadata> })[REGISTRY_KEY] ??=
  new WeakMap<Function, EvaluatorMetadata>());

/** The (mutable) metadata of `ctor`, created on first use and inheriting a decorated base class. */
export function metaFor(ctor: Function): EvaluatorMetadata {
  let meta = registry.get(ctor);
  if (!meta) {
    // Inherit what a decorated base class declared (subclasses extend suites).
    const parent = Object.getPrototypeOf(ctor) as Function | null;
    const base = parent && parent !== Function.prototype ? registry.get(parent) : undefined;
    meta = {
      ...(base?.task ? { task: base.task } : {}),
      evaluators: [...(base?.evaluators ?? [])],
      runEvaluators: [...(base?.runEvaluators ?? [])],
    };
    registry.set(ctor, meta);
  }
  return meta;
}

/** The metadata declared on `ctor` (and its decorated base classes). */
export function getEvaluatorMetadata(ctor: Function): EvaluatorMetadata {
  return metaFor(ctor);
}

/** True for a class decorated with `@Evaluator()` (it has an `evaluate` method). */
export function isEvaluatorClass(value: unknown): value is new (...args: never[]) => { evaluate(args: unknown): unknown } {
  return typeof value === "function" && registry.get(value)?.classEvaluator !== undefined;
}

/** Adds or replaces (by method) one marked method. */
export function addMarkedMethod(list: MarkedMethod[], entry: MarkedMethod): void {
  const i = list.findIndex((m) => m.method === entry.method);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

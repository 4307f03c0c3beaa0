/**
 * Metadata keys written by the public decorators, and typed readers for them. Decorators only
 * record metadata and wrap methods; discovery code (DI, experiment suites) reads it here.
 */
import { OBSERVE_OPTIONS, ORIGINAL_FUNCTION, type ObserveOptions } from "../src/tracing/observe";

/** reflect-metadata key of the options a method was observed with (on the wrapper and the original). */
export const OBSERVE_OPTIONS_METADATA = "langfuse:observe:options";

type ReflectWithMetadata = typeof Reflect & {
  getMetadataKeys?: (target: object) => unknown[];
  getMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
};

const R = Reflect as ReflectWithMetadata;

/** True when the reflect-metadata polyfill is loaded (the package entry point loads it). */
export function hasReflectMetadata(): boolean {
  return typeof R.getMetadataKeys === "function" && typeof R.defineMetadata === "function";
}

/**
 * Copies every reflect-metadata entry of `from` onto `to`. Frameworks (NestJS routes, event
 * handlers, guards) store metadata on the method function; replacing the function without this
 * silently loses it.
 */
export function copyFunctionMetadata(from: object, to: object): void {
  if (!hasReflectMetadata()) return;
  for (const key of R.getMetadataKeys!(from)) {
    R.defineMetadata!(key, R.getMetadata!(key, from), to);
  }
}

export function defineFunctionMetadata(key: string, value: unknown, target: object): void {
  if (hasReflectMetadata()) R.defineMetadata!(key, value, target);
}

/** The options `@Observe` recorded for a method (or a function wrapped by `observe`), if any. */
export function getObserveOptions(fn: unknown): ObserveOptions | undefined {
  if (typeof fn !== "function") return undefined;
  return (fn as { [OBSERVE_OPTIONS]?: ObserveOptions })[OBSERVE_OPTIONS];
}

/** True when `fn` is a traced wrapper. */
export function isObserved(fn: unknown): boolean {
  return typeof fn === "function" && (fn as { [ORIGINAL_FUNCTION]?: unknown })[ORIGINAL_FUNCTION] !== undefined;
}

/**
 * The edge of the embedded store: every argument of every LocalApi method (names, queries,
 * bodies) passes here before any SQL runs, whether it came from the local server or from the
 * SDK in-process. Values nested too deep for JSON.stringify are refused with a 400 naming the
 * field (stored, they would break every later read of the row), and lone surrogates become
 * U+FFFD (stored, SQLite reads them back as other characters, so the row could not be found
 * by the name it was created with).
 */
import { MAX_JSON_DEPTH, valueDepthExceeds, wellFormedCopy } from "../../bounded-json";
import { invalidField } from "./common";

function checkDepth(arg: unknown, index: number): void {
  if (arg === null || typeof arg !== "object" || !valueDepthExceeds(arg, MAX_JSON_DEPTH)) return;
  // Name the top-level field that holds the deep value (a body's `metadata`, `config`, ...).
  let field: string | number = index;
  if (!Array.isArray(arg)) {
    for (const [key, v] of Object.entries(arg)) {
      if (valueDepthExceeds(v, MAX_JSON_DEPTH - 1)) {
        field = key;
        break;
      }
    }
  }
  throw invalidField([field], `Value is nested deeper than ${MAX_JSON_DEPTH} levels`);
}

function guardArgs(args: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    checkDepth(args[i], i);
    const fixed = wellFormedCopy(args[i]);
    if (fixed !== args[i]) (out ??= args.slice())[i] = fixed;
  }
  return out ?? args;
}

/**
 * A view of `group` (one LangfuseApi resource: prompts, scores, ...) whose methods check and
 * normalise their arguments first. Methods are bound to the original object, so class-based
 * groups keep their private state.
 */
export function guardInputs<G extends object>(group: G): G {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(group, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function") return value;
      let fn = wrapped.get(key);
      if (fn === undefined) {
        const method = value as (...a: unknown[]) => unknown;
        // Every LangfuseApi method is async: a refused argument is a rejection, never a throw.
        fn = async (...args: unknown[]) => method.apply(target, guardArgs(args));
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}

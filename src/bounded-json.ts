/**
 * JSON with bounds, for every value the SDK stores, sends or serves.
 *
 * V8's JSON.parse is iterative, but JSON.stringify recurses: a value nested a few thousand
 * levels deep (a 20 KB string `[[[...]]]` is enough) parses fine and then throws "Maximum call
 * stack size exceeded" wherever it is written out again. One such value in a page of results
 * would fail every read of that page. So depth is bounded where text becomes a value (parse,
 * request bodies) and where a value becomes text (stringify), with one limit everywhere.
 *
 * Text is also made well-formed here: a lone UTF-16 surrogate (half an emoji, what `slice`
 * leaves) is stored by SQLite as bytes that read back as three U+FFFD, so a row keyed by such a
 * string could never be found again. Lone surrogates become U+FFFD at the edge instead.
 */

/** Deepest nesting of arrays/objects accepted or written (JSON.stringify copes with ~3,000). */
export const MAX_JSON_DEPTH = 1000;

/** Replaces a value nested deeper than the limit, so the cut is visible in the stored JSON. */
export const DEPTH_MARKER = `<truncated: nested deeper than ${MAX_JSON_DEPTH} levels>`;

/**
 * Maximum nesting depth of JSON text (brackets outside strings), stopping early once `limit`
 * is passed. Linear in the text, no allocation; texts too short to nest that deep are skipped.
 */
export function jsonTextDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length <= 2 * limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Walks a value without recursion and reports whether it nests deeper than `limit`. Shared
 * references are walked once per path but cycles are not followed (they cannot be JSON anyway).
 */
export function valueDepthExceeds(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  const stack: [object, number][] = [[value, 1]];
  const onPath = new WeakSet<object>();
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (onPath.has(node)) continue;
    onPath.add(node);
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Parses JSON text whose nesting stays within the limit; `undefined` for text that does not
 * parse or nests deeper (the caller keeps the raw string, which always serializes).
 */
export function parseBoundedJson(text: string, limit = MAX_JSON_DEPTH): { value: unknown } | undefined {
  if (jsonTextDepthExceeds(text, limit)) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/**
 * JSON.stringify that never throws for depth: values nested deeper than `limit` become
 * DEPTH_MARKER. The fast native path is tried first; the replacer only runs for the rare value
 * that overflows it. Other errors (a throwing toJSON, BigInt) still throw, as JSON.stringify does.
 */
export function stringifyBounded(value: unknown, limit = MAX_JSON_DEPTH): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  return JSON.stringify(value, depthLimitingReplacer(limit));
}

/**
 * A replacer that cuts the tree at `limit` levels. It keeps the chain of holders from the root
 * to the current value (JSON.stringify visits depth-first, so the chain is a stack).
 */
export function depthLimitingReplacer(limit: number): (this: unknown, key: string, value: unknown) => unknown {
  const chain: unknown[] = [];
  return function replacer(this: unknown, _key: string, value: unknown): unknown {
    while (chain.length > 0 && chain[chain.length - 1] !== this) chain.pop();
    if (value === null || typeof value !== "object") return value;
    if (chain.length >= limit) return DEPTH_MARKER;
    chain.push(value);
    return value;
  };
}

/** ES2024 string methods (Node >= 20); the project's lib is ES2022. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
const isWellFormed = (s: string): boolean => (s as unknown as WellFormedString).isWellFormed();
const toWellFormed = (s: string): string => (s as unknown as WellFormedString).toWellFormed();

/** A string with every lone surrogate replaced by U+FFFD (well-formed strings are returned as is). */
export function wellFormed(s: string): string {
  return isWellFormed(s) ? s : toWellFormed(s);
}

/**
 * Makes every string in a freshly parsed JSON value (keys included) well-formed, in place, and
 * returns the value. Iterative; only for plain JSON data (objects, arrays, primitives).
 */
export function wellFormedDeep<V>(value: V): V {
  if (typeof value === "string") return wellFormed(value) as V;
  if (value === null || typeof value !== "object") return value;
  const stack: object[] = [value as object];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (typeof v === "string") {
          if (!isWellFormed(v)) node[i] = toWellFormed(v);
        } else if (v !== null && typeof v === "object") stack.push(v);
      }
      continue;
    }
    const rec = node as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      let v = rec[key];
      if (typeof v === "string" && !isWellFormed(v)) v = rec[key] = toWellFormed(v);
      else if (v !== null && typeof v === "object") stack.push(v);
      if (!isWellFormed(key)) {
        delete rec[key];
        rec[toWellFormed(key)] = v;
      }
    }
  }
  return value;
}

const isPlainContainer = (v: unknown): v is Record<string, unknown> | unknown[] => {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * Like wellFormedDeep but never mutates: returns the same value when every string is already
 * well-formed (the common case, no allocation) and a copy of only the changed branches
 * otherwise. Only plain objects and arrays are entered (Dates, buffers, class instances pass
 * through). Recursive: call it on values whose depth was checked first.
 */
export function wellFormedCopy<V>(value: V): V {
  if (typeof value === "string") return wellFormed(value) as V;
  if (!isPlainContainer(value)) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const fixed = wellFormedCopy(v);
      if (fixed !== v) (out ??= value.slice())[i] = fixed;
    }
    return (out ?? value) as V;
  }
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const fixed = wellFormedCopy(v);
    const fixedKey = wellFormed(key);
    if (fixed === v && fixedKey === key) continue;
    out ??= { ...value };
    if (fixedKey !== key) delete out[key];
    out[fixedKey] = fixed;
  }
  return (out ?? value) as V;
}

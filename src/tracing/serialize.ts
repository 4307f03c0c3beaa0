import { DEPTH_MARKER, MAX_JSON_DEPTH, wellFormed } from "../bounded-json";
import { TRUNCATION_MARKER } from "./constants";
import { errorMessage } from "../errors";

/**
 * A transform of every serialized value before truncation; the media layer installs one that
 * swaps media content for references (src/media). Must be cheap when there is nothing to do
 * and must not throw.
 */
let serializedValueHook: ((serialized: string) => string) | undefined;

export function setSerializedValueHook(hook: ((serialized: string) => string) | undefined): void {
  serializedValueHook = hook;
}

/**
 * Turns any value into the wire string of an input/output/metadata attribute.
 * Rules (compatible with the official SDKs, extended where they lose data):
 *  - strings pass through raw (not JSON-quoted, lone surrogates made U+FFFD); undefined gives
 *    undefined (no attribute);
 *  - everything else is JSON; Map -> object (or entry list for non-string keys), Set -> array,
 *    Error -> {name, message, stack?, cause?}, BigInt -> decimal string, Date -> ISO string,
 *    Buffer / typed arrays -> "<Uint8Array N bytes>", functions and symbols dropped,
 *    circular references -> "[Circular]", throwing getters / toJSON -> "<failed to serialize: ...>",
 *    objects nested deeper than MAX_JSON_DEPTH -> DEPTH_MARKER (the same bound the store and the
 *    server read with, so whatever is sent can be read back);
 *  - results longer than `maxChars` are cut and end with TRUNCATION_MARKER and the original length.
 * It never throws.
 */
export function serializeValue(value: unknown, maxChars: number): string | undefined {
  if (value === undefined) return undefined;
  let out: string | undefined;
  if (typeof value === "string") {
    out = wellFormed(value);
  } else if (typeof value === "number" || typeof value === "boolean") {
    out = String(value);
    if (typeof value === "number" && !Number.isFinite(value)) out = JSON.stringify(String(value));
  } else if (typeof value === "bigint") {
    out = JSON.stringify(value.toString());
  } else {
    out = stringify(value);
  }
  if (out === undefined) return undefined;
  if (serializedValueHook !== undefined) out = serializedValueHook(out);
  return truncate(out, maxChars);
}

export function truncate(s: string, maxChars: number): string {
  if (s.length <= maxChars) return s;
  const suffix = `${TRUNCATION_MARKER}(${s.length} chars)`;
  let cut = Math.max(0, maxChars - suffix.length);
  // Never split a surrogate pair: half an emoji is a lone surrogate, which is not valid text.
  const last = s.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--;
  return s.slice(0, cut) + suffix;
}

function stringify(value: unknown): string | undefined {
  try {
    // A top-level Buffer / typed array would first go through its toJSON (Buffer gives a
    // {type, data: [...]} array of every byte): give the same marker as for nested ones.
    if (ArrayBuffer.isView(value)) return JSON.stringify(`<${value.constructor.name} ${value.byteLength} bytes>`);
    if (value instanceof ArrayBuffer) return JSON.stringify(`<ArrayBuffer ${value.byteLength} bytes>`);
    return JSON.stringify(value, makeReplacer());
  } catch (err) {
    return `<failed to serialize: ${errorMessage(err)}>`;
  }
}

/**
 * A replacer that tracks the current ancestor chain (not every visited object), so shared
 * non-circular references still serialize fully while real cycles become "[Circular]".
 *
 * JSON.stringify walks what the replacer returns: a Map, Set or Error is replaced by a new
 * object or array whose children are then visited with that replacement as `this`. Each
 * replacement is recorded as an alias of its source, so the chain stays intact through them
 * and a Map holding its parent, a Set holding itself or `err.cause = err` end in "[Circular]".
 */
function makeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  // Created on the first alias only (a Map/Set/Error replacement or a toJSON result): plain
  // objects and arrays, the common case, never allocate a WeakMap (hot path of every call).
  let aliasOf: WeakMap<object, unknown> | undefined;
  return function replacer(this: unknown, key: string, value: unknown): unknown {
    // `value` has already been through toJSON; `raw` is what the holder really contains (the
    // root's holder is JSON.stringify's wrapper `{"": value}`, so this holds for it too).
    const raw = (this as Record<string, unknown>)[key];
    if (typeof raw === "bigint") return raw.toString();
    if (typeof raw === "function" || typeof raw === "symbol") return undefined;
    if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? "Invalid Date" : raw.toISOString();
    if (ArrayBuffer.isView(raw)) return `<${raw.constructor.name} ${raw.byteLength} bytes>`;
    if (raw instanceof ArrayBuffer) return `<ArrayBuffer ${raw.byteLength} bytes>`;
    if (typeof value === "number" && !Number.isFinite(value)) return String(value);
    if (value === null || typeof value !== "object") return value;

    // The identity of a node is the object the user's data holds (before toJSON).
    const identity = raw !== null && typeof raw === "object" ? raw : value;
    const holder = aliasOf !== undefined && this !== null && typeof this === "object" && aliasOf.has(this) ? aliasOf.get(this) : this;
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== holder) ancestors.pop();
    if (ancestors.includes(identity)) return "[Circular]";
    if (ancestors.length >= MAX_JSON_DEPTH) return DEPTH_MARKER;
    ancestors.push(identity);
    if (identity !== value) (aliasOf ??= new WeakMap()).set(value, identity);

    let replacement: object | undefined;
    if (value instanceof Map) {
      const entries = [...value.entries()];
      replacement = entries.every(([k]) => typeof k === "string") ? Object.fromEntries(entries) : entries;
    } else if (value instanceof Set) {
      replacement = [...value];
    } else if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: value.message };
      const code = (value as { code?: unknown }).code;
      if (code !== undefined) out.code = code;
      if (value.cause !== undefined) out.cause = value.cause;
      replacement = out;
    } else if (value instanceof WeakMap || value instanceof WeakSet || value instanceof Promise) {
      return `<${value.constructor.name}>`;
    }
    if (replacement === undefined) return value;
    (aliasOf ??= new WeakMap()).set(replacement, identity);
    return replacement;
  };
}

/** Reading attribute values: presence, text forms, first-of-keys lookups, JSON objects. */
import type { IngestAttributes, IngestAttributeValue } from "../span";

export type V = IngestAttributeValue | undefined;
export const isSet = (v: V): v is IngestAttributeValue => v !== undefined && v !== null && v !== "";
export const str = (v: V): string | undefined => (isSet(v) ? (typeof v === "string" ? v : JSON.stringify(v)) : undefined);
export function first(a: IngestAttributes, keys: readonly string[]): V {
  for (const k of keys) if (isSet(a[k])) return a[k];
  return undefined;
}

/** Keys our own SDK writes; spans carrying only these skip every foreign-convention lookup. */
export const isLangfuseKey = (k: string) => k.startsWith("langfuse.") || k === "user.id" || k === "session.id";
const langfuseSubsets = new WeakMap<readonly string[], readonly string[]>();
/** `first`, restricted to Langfuse keys when the span has no foreign ones (`foreign` false). */
export function firstOf(a: IngestAttributes, keys: readonly string[], foreign: boolean): V {
  if (foreign) return first(a, keys);
  let subset = langfuseSubsets.get(keys);
  if (!subset) {
    subset = keys.filter(isLangfuseKey);
    langfuseSubsets.set(keys, subset);
  }
  return first(a, subset);
}
/** IO and JSON-carrying values are stored as text: strings raw, everything else JSON. */
export const ioText = (v: V): string | undefined => (v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v));
export function parseJsonObject(v: V): Record<string, unknown> | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v !== "string") return null;
  try {
    const p = JSON.parse(v) as unknown;
    return typeof p === "object" && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

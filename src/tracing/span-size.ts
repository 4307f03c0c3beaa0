import type { AttributeValue, Attributes } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** Default cap of one OTLP export request body (the local server accepts 4.5 MB). */
export const DEFAULT_MAX_REQUEST_BYTES = 3 * 1024 * 1024;

function valueBytes(v: AttributeValue | undefined): number {
  if (typeof v === "string") return Buffer.byteLength(v, "utf8") + 24;
  if (Array.isArray(v)) {
    let n = 24;
    for (const x of v) n += typeof x === "string" ? Buffer.byteLength(x, "utf8") + 24 : 32;
    return n;
  }
  return 32;
}

function attributesBytes(attrs: Attributes | undefined): number {
  let n = 0;
  if (!attrs) return n;
  for (const key in attrs) n += key.length + 24 + valueBytes(attrs[key]);
  return n;
}

/**
 * A cheap estimate of the OTLP JSON size of one span (attribute bytes plus fixed overhead).
 * JSON escaping can make the real body larger: callers that must respect a hard limit check
 * the serialized body too.
 */
export function estimateSpanBytes(span: ReadableSpan): number {
  let n = 400 + Buffer.byteLength(span.name, "utf8");
  n += attributesBytes(span.attributes);
  for (const e of span.events ?? []) n += 100 + e.name.length + attributesBytes(e.attributes);
  for (const l of span.links ?? []) n += 150 + attributesBytes(l.attributes);
  return n;
}

/**
 * Splits spans, in order, into groups whose estimated size stays within `maxBytes`. A span
 * larger than `maxBytes` on its own forms a group of one (it is still sent, alone).
 */
export function splitBySize(spans: ReadableSpan[], maxBytes: number): ReadableSpan[][] {
  const groups: ReadableSpan[][] = [];
  let current: ReadableSpan[] = [];
  let size = 0;
  for (const span of spans) {
    const s = estimateSpanBytes(span);
    if (current.length > 0 && size + s > maxBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(span);
    size += s;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

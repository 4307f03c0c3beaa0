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
  // Fast path: a UTF-8 encoding is at most 3 bytes per UTF-16 unit, so when even this upper
  // bound of the estimate fits, the exact estimate fits too and the answer is one group. It
  // only reads string lengths (no Buffer.byteLength per attribute), which keeps the batch
  // drain cheap for ordinary spans; large batches fall through to the exact split.
  if (spans.length > 0 && upperBoundBytes(spans, maxBytes) <= maxBytes) return [spans.slice()];
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

function valueBytesUpper(v: AttributeValue | undefined): number {
  if (typeof v === "string") return 3 * v.length + 24;
  if (Array.isArray(v)) {
    let n = 24;
    for (const x of v) n += typeof x === "string" ? 3 * x.length + 24 : 32;
    return n;
  }
  return 32;
}

function attributesBytesUpper(attrs: Attributes | undefined): number {
  let n = 0;
  if (!attrs) return n;
  for (const key in attrs) n += key.length + 24 + valueBytesUpper(attrs[key]);
  return n;
}

/** Sum over `spans` of an upper bound of estimateSpanBytes; stops early once past `limit`. */
function upperBoundBytes(spans: ReadableSpan[], limit: number): number {
  let total = 0;
  for (const span of spans) {
    total += 400 + 3 * span.name.length + attributesBytesUpper(span.attributes);
    for (const e of span.events ?? []) total += 100 + e.name.length + attributesBytesUpper(e.attributes);
    for (const l of span.links ?? []) total += 150 + attributesBytesUpper(l.attributes);
    if (total > limit) return total;
  }
  return total;
}

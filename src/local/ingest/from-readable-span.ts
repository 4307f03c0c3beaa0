import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { wellFormed, wellFormedCopy } from "../../bounded-json";
import type { IngestAttributes, IngestScope, IngestSpan } from "./span";

const hrToMs = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;

// One scope object per instrumentation scope, so the mapping's per-identity caches hit.
const scopes = new WeakMap<object, IngestScope>();
function scopeOf(s: ReadableSpan["instrumentationScope"]): IngestScope {
  let out = scopes.get(s);
  if (!out) {
    out = { name: s.name, version: s.version };
    scopes.set(s, out);
  }
  return out;
}

/** Latest time the store can hold (9999-12-31T23:59:59.999Z), in epoch ms. */
const MAX_TIME_MS = 253402300799999;
const validTime = (ms: number) => Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS;

/**
 * A span name as text. OTel types it as a string, but a dynamic name (an `@Observe` option
 * computed at run time, a plain JS caller) can be anything: it is repaired here, not a reason
 * to lose the span or its batch.
 */
function nameText(name: unknown): string {
  if (typeof name === "string") return name;
  if (name === undefined || name === null) return "";
  try {
    return typeof name === "object" ? (JSON.stringify(name) ?? String(name)) : String(name);
  } catch {
    return Object.prototype.toString.call(name);
  }
}

/**
 * Converts an OTel SDK span (as handed to a SpanExporter) into the ingestion shape, repairing
 * what the SDK let through but the store cannot hold: a non-string name becomes text; a start
 * time that is not a valid date (`startTime: new Date("garbage")` gives NaN) takes the end
 * time, or now; an invalid end time takes the start time. Text is made well-formed here, the
 * in-process edge of the store (the OTLP receiver does it when decoding): a lone surrogate in a
 * session id or name would be stored as bytes that read back differently. Attribute objects are
 * shared, not copied, unless one of their strings needs fixing.
 */
export function fromReadableSpan(span: ReadableSpan): IngestSpan {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext?.spanId;
  const scope = span.instrumentationScope;
  let start = hrToMs(span.startTime);
  let end = span.ended ? hrToMs(span.endTime) : undefined;
  if (!validTime(start) || (end !== undefined && !validTime(end))) {
    if (!validTime(start)) start = end !== undefined && validTime(end) ? end : Date.now();
    if (end !== undefined && !validTime(end)) end = start;
  }
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: parent && parent !== "0000000000000000" ? parent : undefined,
    name: wellFormed(nameText(span.name)),
    startTimeMs: start,
    endTimeMs: end,
    attributes: wellFormedCopy(span.attributes) as IngestAttributes,
    resource: span.resource.attributes as IngestAttributes,
    scope: scopeOf(scope),
    status: { code: span.status.code, message: span.status.message },
    events:
      span.events.length === 0
        ? []
        : span.events.map((e) => {
            const t = hrToMs(e.time);
            return { name: wellFormed(nameText(e.name)), timeMs: validTime(t) ? t : start, attributes: wellFormedCopy(e.attributes ?? {}) as IngestAttributes };
          }),
  };
}

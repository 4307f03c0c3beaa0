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

/**
 * Converts an OTel SDK span (as handed to a SpanExporter) into the ingestion shape. Text is made
 * well-formed here, the in-process edge of the store (the OTLP receiver does it when decoding):
 * a lone surrogate in a session id or name would be stored as bytes that read back differently.
 * Attribute objects are shared, not copied, unless one of their strings needs fixing.
 */
export function fromReadableSpan(span: ReadableSpan): IngestSpan {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext?.spanId;
  const scope = span.instrumentationScope;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: parent && parent !== "0000000000000000" ? parent : undefined,
    name: wellFormed(span.name),
    startTimeMs: hrToMs(span.startTime),
    endTimeMs: span.ended ? hrToMs(span.endTime) : undefined,
    attributes: wellFormedCopy(span.attributes) as IngestAttributes,
    resource: span.resource.attributes as IngestAttributes,
    scope: scopeOf(scope),
    status: { code: span.status.code, message: span.status.message },
    events: span.events.length === 0 ? [] : span.events.map((e) => ({ name: e.name, timeMs: hrToMs(e.time), attributes: wellFormedCopy(e.attributes ?? {}) as IngestAttributes })),
  };
}

import { context, trace, TraceFlags } from "@opentelemetry/api";

/**
 * The W3C `traceparent` of the current observation (`00-<trace id>-<span id>-<flags>`), or
 * undefined outside any span. Send it to another service, which continues the trace with
 * `traceContext: { traceId, parentSpanId }` (or any W3C-aware OpenTelemetry set-up).
 */
export function getCurrentTraceparent(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? "01" : "00";
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/** Something that holds outgoing headers: a plain object or a fetch `Headers`. */
export type HeaderCarrier = Record<string, string> | { set(name: string, value: string): void };

/**
 * Writes `traceparent` (and `tracestate` when the span has one) for the current observation
 * into `headers` and returns it; outside any span the headers are returned unchanged.
 * `fetch(url, { headers: injectTraceContext({ "content-type": "application/json" }) })`.
 */
export function injectTraceContext<H extends HeaderCarrier>(headers: H = {} as H): H {
  const traceparent = getCurrentTraceparent();
  if (traceparent === undefined) return headers;
  const state = trace.getSpan(context.active())?.spanContext().traceState?.serialize();
  const set = (name: string, value: string) => {
    if (typeof (headers as { set?: unknown }).set === "function") (headers as { set(n: string, v: string): void }).set(name, value);
    else (headers as Record<string, string>)[name] = value;
  };
  set("traceparent", traceparent);
  if (state) set("tracestate", state);
  return headers;
}

/** Reads a W3C `traceparent` into the `traceContext` option of a new observation. */
export function parseTraceparent(traceparent: string | null | undefined): { traceId: string; parentSpanId: string } | undefined {
  const m = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/.exec(String(traceparent ?? "").trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, parentSpanId: m[2]! };
}

import type { IngestAttributes, IngestSpan } from "../../../src/local/ingest/span";

export const RESOURCE: IngestAttributes = { "service.name": "svc", "telemetry.sdk.language": "nodejs" };
const SDK_SCOPE = { name: "langfuse-sdk", version: "0.1.0" };

let counter = 0;
export function spanId(): string {
  counter++;
  return counter.toString(16).padStart(16, "0");
}
export const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

/** A finished span of the Langfuse SDK scope; override anything. */
export function span(attributes: IngestAttributes = {}, over: Partial<IngestSpan> = {}): IngestSpan {
  return {
    traceId: TRACE_ID,
    spanId: spanId(),
    parentSpanId: "00000000000000ff",
    name: "work",
    startTimeMs: Date.parse("2026-03-01T10:00:00.000Z"),
    endTimeMs: Date.parse("2026-03-01T10:00:01.500Z"),
    attributes,
    resource: RESOURCE,
    scope: SDK_SCOPE,
    status: { code: 0 },
    events: [],
    ...over,
  };
}

/**
 * The normalized span the ingestion mapping works on, whatever it came from (an OTel SDK
 * ReadableSpan in-process, or an OTLP request in JSON or protobuf form).
 */
export type IngestAttributeValue = string | number | boolean | null | IngestAttributeValue[] | { [key: string]: IngestAttributeValue };
export type IngestAttributes = Record<string, IngestAttributeValue | undefined>;

export interface IngestSpan {
  /** 32 lowercase hex chars. */
  traceId: string;
  /** 16 lowercase hex chars. */
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Epoch milliseconds (fractions allowed). */
  startTimeMs: number;
  endTimeMs?: number;
  attributes: IngestAttributes;
  /** Resource attributes. Spans of one resource should share this object (metadata is cached by identity). */
  resource: IngestAttributes;
  scope: IngestScope;
  /** OTel status code: 0 unset, 1 ok, 2 error. */
  status?: { code: number; message?: string };
  events?: { name: string; timeMs: number; attributes: IngestAttributes }[];
}

export interface IngestScope {
  name: string;
  version?: string;
  attributes?: IngestAttributes;
}

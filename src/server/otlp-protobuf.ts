import * as protobuf from "protobufjs";
import { wellFormed } from "../bounded-json";

/**
 * The subset of the OTLP protos (opentelemetry-proto, Apache-2.0, v1.x) needed to decode
 * `ExportTraceServiceRequest` and encode `ExportTraceServiceResponse`. Field numbers and types
 * follow opentelemetry/proto/{common,resource,trace,collector/trace}/v1/*.proto. Written out
 * here because @opentelemetry/otlp-transformer 0.2xx no longer ships generated decoders.
 */
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}
message Status {
  string message = 2;
  int32 code = 3;
}
message Event {
  fixed64 time_unix_nano = 1;
  string name = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Link {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  repeated KeyValue attributes = 4;
  uint32 dropped_attributes_count = 5;
  fixed32 flags = 6;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
`;

const root = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root;
const RequestType = root.lookupType("otlp.ExportTraceServiceRequest");
const ResponseType = root.lookupType("otlp.ExportTraceServiceResponse");

/** The OTLP/JSON shape of an export request (what `JSON.parse` of an OTLP/JSON body gives). */
export interface OtlpJsonRequest {
  resourceSpans?: unknown[];
}

const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);

/**
 * Rewrites a protobufjs plain object into the OTLP/JSON encoding: trace/span ids become
 * lowercase hex (an empty parent id is dropped), 64-bit integers are already decimal strings,
 * `bytesValue` becomes base64, strings are made well-formed. The ingestion mapping then sees one
 * shape for both encodings.
 */
function toJsonShape(value: unknown, key?: string): unknown {
  // protobufjs decodes malformed UTF-8 into lone surrogates; the store needs well-formed text.
  if (typeof value === "string") return wellFormed(value);
  if (value instanceof Uint8Array) {
    if (key && ID_FIELDS.has(key)) return Buffer.from(value).toString("hex");
    return Buffer.from(value).toString("base64");
  }
  if (Array.isArray(value)) return value.map((v) => toJsonShape(v));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const converted = toJsonShape(v, k);
      if (k === "parentSpanId" && converted === "") continue;
      out[k] = converted;
    }
    return out;
  }
  return value;
}

/** Decodes a binary ExportTraceServiceRequest; throws on malformed bytes. */
export function decodeOtlpTraceProtobuf(body: Uint8Array): OtlpJsonRequest {
  const message = RequestType.decode(body);
  const plain = RequestType.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: false, oneofs: false });
  // `bytes: Array` hands us number[]; turn those back into bytes for id/base64 conversion.
  return toJsonShape(rebytes(plain)) as OtlpJsonRequest;
}

const BYTES_FIELDS = new Set(["traceId", "spanId", "parentSpanId", "bytesValue"]);

function rebytes(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    if (key && BYTES_FIELDS.has(key)) return Uint8Array.from(value as number[]);
    return value.map((v) => rebytes(v));
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rebytes(v, k);
    return out;
  }
  return value;
}

/** An ExportTraceServiceResponse; empty (zero bytes) when nothing was rejected. */
export function encodeOtlpTraceResponse(partial?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  if (!partial || partial.rejectedSpans === 0) return new Uint8Array(0);
  const msg = ResponseType.fromObject({ partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } });
  return ResponseType.encode(msg).finish();
}

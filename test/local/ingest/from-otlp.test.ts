import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import * as protobuf from "protobufjs";
import { fromOtlpRequest, fromReadableSpan, OtlpValidationError, type IngestSpan } from "../../../src/local";

// The OTLP trace messages, written from the public opentelemetry-proto field numbers, so the
// test decodes protobuf bodies the way any protobufjs user would (Long times, bytes ids).
const PROTO = `
syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
  ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
message Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10; repeated Event events = 11; uint32 dropped_events_count = 12; repeated Link links = 13;
  uint32 dropped_links_count = 14; Status status = 15; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;
const RequestType = protobuf.parse(PROTO).root.lookupType("ExportTraceServiceRequest");

async function recordSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "otlp-test", "deployment.environment": "qa" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("langfuse-sdk", "1.2.3");
  const root = tracer.startSpan("root", {
    attributes: { "langfuse.observation.input": '{"q":1}', "langfuse.trace.tags": ["a", "b"], count: 42, ratio: 0.5, flag: true },
  });
  const child = tracer.startSpan("child", { attributes: { "langfuse.observation.type": "generation" } }, trace.setSpan(context.active(), root));
  child.addEvent("tick", { n: 1 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: "bad" });
  child.end();
  root.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** What both conversions must agree on (times at ms precision). */
function comparable(s: IngestSpan) {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    start: Math.round(s.startTimeMs * 1000),
    end: Math.round((s.endTimeMs ?? 0) * 1000),
    attributes: s.attributes,
    resource: s.resource,
    scope: { name: s.scope.name, version: s.scope.version },
    status: { code: s.status?.code ?? 0, message: s.status?.message || undefined },
    events: (s.events ?? []).map((e) => ({ name: e.name, attributes: e.attributes })),
  };
}

describe("fromOtlpRequest", () => {
  let spans: ReadableSpan[];
  let expected: ReturnType<typeof comparable>[];
  beforeAll(async () => {
    spans = await recordSpans();
    expected = spans.map((s) => comparable(fromReadableSpan(s)));
  });

  test("OTLP/JSON from the OTel JSON serializer matches the in-process conversion", () => {
    const body = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString());
    expect(fromOtlpRequest(body).map(comparable)).toEqual(expected);
  });

  test("a protobuf body decoded by protobufjs (bytes ids, Long times) matches too", () => {
    const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
    const decoded = RequestType.decode(bytes);
    expect(fromOtlpRequest(decoded).map(comparable)).toEqual(expected);
    // and its toObject form with longs as strings and bytes as base64 strings
    const plain = RequestType.toObject(decoded, { longs: String, bytes: String });
    expect(fromOtlpRequest(plain).map(comparable)).toEqual(expected);
  });

  test("int64 as numbers, {high, low} objects, kvlists and double strings", () => {
    const [s] = fromOtlpRequest({
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              scope: { name: "x" },
              spans: [
                {
                  traceId: "0AF7651916CD43DD8448EB211C80319C",
                  spanId: "b7ad6b7169203331",
                  parentSpanId: "",
                  name: "n",
                  startTimeUnixNano: 1_700_000_000_000_000_000,
                  endTimeUnixNano: { low: 1_000_000, high: 395_812_110, unsigned: true },
                  attributes: [
                    { key: "i", value: { intValue: 7 } },
                    { key: "kv", value: { kvlistValue: { values: [{ key: "a", value: { stringValue: "b" } }] } } },
                    { key: "d", value: { doubleValue: "NaN" } },
                    { key: "arr", value: { arrayValue: { values: [{ intValue: "1" }, { boolValue: false }] } } },
                  ],
                  status: { code: "STATUS_CODE_ERROR" },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(s).toMatchObject({ traceId: "0af7651916cd43dd8448eb211c80319c", parentSpanId: undefined, startTimeMs: 1_700_000_000_000, status: { code: 2 } });
    expect(s!.endTimeMs).toBeGreaterThan(1_700_000_000_000);
    expect(s!.attributes).toEqual({ i: 7, kv: { a: "b" }, d: "NaN", arr: [1, false] });
  });

  test("no resourceSpans → no spans; bad ids or non-array lists reject the whole batch", () => {
    expect(fromOtlpRequest({})).toEqual([]);
    const good = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "ok" };
    const bad = { traceId: "xyz", spanId: "b7ad6b7169203331", name: "bad" };
    const req = (spansList: unknown) => ({ resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: "s" }, spans: spansList }] }] });
    expect(() => fromOtlpRequest(req([good, bad]))).toThrow(OtlpValidationError);
    expect(() => fromOtlpRequest(req([good, bad]))).toThrow(/1 of 2 span/);
    expect(() => fromOtlpRequest(req([{ ...good, spanId: undefined }]))).toThrow(/spanId:absent/);
    expect(() => fromOtlpRequest(req([{ ...good, attributes: { a: 1 } }]))).toThrow(OtlpValidationError);
    expect(() => fromOtlpRequest(req({ not: "an array" }))).toThrow(OtlpValidationError);
    expect(() => fromOtlpRequest({ resourceSpans: "nope" })).toThrow(OtlpValidationError);
    expect(() => fromOtlpRequest("nope")).toThrow(OtlpValidationError);
    expect(fromOtlpRequest(req([good]))).toHaveLength(1);
  });
});

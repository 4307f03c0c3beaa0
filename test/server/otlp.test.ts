import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { gzipSync } from "node:zlib";
import { makeTrace, type TraceFixture } from "./otlp-fixtures";
import { startHarness, type Harness } from "./server-harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

type Rec = Record<string, unknown>;
const OTLP = "/api/public/otel/v1/traces";

async function expectStored(fx: TraceFixture, label: string): Promise<void> {
  const res = await h.call("GET", `/api/public/traces/${fx.traceId}`);
  expect(res.status).toBe(200);
  const t = res.json as Rec;
  expect(t).toMatchObject({ id: fx.traceId, name: `${label}-trace`, userId: "user-42", sessionId: `${label}-session` });
  expect(t.tags).toEqual(expect.arrayContaining(["fixture", label]));
  const obs = t.observations as Rec[];
  expect(obs).toHaveLength(2);
  const root = obs.find((o) => o.id === fx.rootId)!;
  const child = obs.find((o) => o.id === fx.childId)!;
  expect(root).toMatchObject({ type: "AGENT", parentObservationId: null, input: { question: "2+2?" } });
  expect(child).toMatchObject({ type: "GENERATION", parentObservationId: fx.rootId, model: "gpt-4o" });
  expect(child.usageDetails).toMatchObject({ input: 10, output: 5 });
}

describe("OTLP receiver", () => {
  test("protobuf body from the OTel JS serializer (as the Python SDK sends)", async () => {
    const fx = await makeTrace("pb");
    const body = ProtobufTraceSerializer.serializeRequest(fx.spans)!;
    const res = await h.call("POST", OTLP, { raw: body, headers: { "content-type": "application/x-protobuf" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-protobuf");
    // An empty ExportTraceServiceResponse: no partial success to report.
    expect(res.text).toBe("");
    await expectStored(fx, "pb");
  });

  test("repeated query keys filter as arrays (tags: all must match)", async () => {
    const fx = await makeTrace("tagged");
    await h.call("POST", OTLP, { raw: ProtobufTraceSerializer.serializeRequest(fx.spans)!, headers: { "content-type": "application/x-protobuf" } });
    const both = await h.call("GET", "/api/public/traces?tags=fixture&tags=tagged");
    expect(((both.json as Rec).data as Rec[]).map((t) => t.id)).toEqual([fx.traceId]);
    const one = await h.call("GET", "/api/public/traces?tags=tagged");
    expect(((one.json as Rec).data as Rec[]).map((t) => t.id)).toEqual([fx.traceId]);
    const none = await h.call("GET", "/api/public/traces?tags=tagged&tags=absent");
    expect((none.json as Rec).data).toEqual([]);
  });

  test("gzipped protobuf", async () => {
    const fx = await makeTrace("pbgz");
    const body = gzipSync(ProtobufTraceSerializer.serializeRequest(fx.spans)!);
    const res = await h.call("POST", OTLP, { raw: body, headers: { "content-type": "application/x-protobuf", "content-encoding": "gzip" } });
    expect(res.status).toBe(200);
    await expectStored(fx, "pbgz");
  });

  test("OTLP/JSON, plain and gzipped, answers {}", async () => {
    const fx = await makeTrace("json", "nodejs");
    const body = JsonTraceSerializer.serializeRequest(fx.spans)!;
    const res = await h.call("POST", OTLP, { raw: body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    await expectStored(fx, "json");

    const fx2 = await makeTrace("jsongz", "nodejs");
    const gz = gzipSync(JsonTraceSerializer.serializeRequest(fx2.spans)!);
    const res2 = await h.call("POST", OTLP, { raw: gz, headers: { "content-type": "application/json; charset=utf-8", "content-encoding": "gzip" } });
    expect(res2.status).toBe(200);
    await expectStored(fx2, "jsongz");
  });

  test("empty exports are accepted", async () => {
    const res = await h.call("POST", OTLP, { raw: "{}", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
  });

  test("the real server's 400 bodies for bad input", async () => {
    const badType = await h.call("POST", OTLP, { raw: "{}", headers: { "content-type": "text/plain" } });
    expect(badType.status).toBe(400);
    expect(badType.json).toEqual({ error: "Invalid content type" });

    const badJson = await h.call("POST", OTLP, { raw: "{oops", headers: { "content-type": "application/json" } });
    expect(badJson.json).toEqual({ error: "Failed to parse OTel JSON Trace" });

    const badPb = await h.call("POST", OTLP, { raw: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), headers: { "content-type": "application/x-protobuf" } });
    expect(badPb.status).toBe(400);
    expect(badPb.json).toEqual({ error: "Failed to parse OTel Protobuf Trace" });

    const badGzip = await h.call("POST", OTLP, { raw: "not gzip at all", headers: { "content-type": "application/json", "content-encoding": "gzip" } });
    expect(badGzip.status).toBe(400);
    expect(badGzip.json).toEqual({ error: "Failed to decompress request body" });

    const badVersion = await h.call("POST", OTLP, { raw: "{}", headers: { "content-type": "application/json", "x-langfuse-ingestion-version": "9" } });
    expect(badVersion.status).toBe(400);
    expect(String((badVersion.json as Rec).error)).toContain("Unsupported x-langfuse-ingestion-version");

    const noIds = await h.call("POST", OTLP, {
      body: { resourceSpans: [{ scopeSpans: [{ spans: [{ name: "x", startTimeUnixNano: "1", endTimeUnixNano: "2" }] }] }] },
    });
    expect(noIds.status).toBe(400);
    expect(typeof (noIds.json as Rec).error).toBe("string");
  });

  test("auth on the OTLP route uses {message}", async () => {
    const res = await h.call("POST", OTLP, { raw: "{}", auth: false, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ message: "No authorization header" });
  });

  test("a gzip bomb stops at the body limit with 413", async () => {
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20));
    const res = await h.call("POST", OTLP, { raw: bomb, headers: { "content-type": "application/json", "content-encoding": "gzip" } });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: "Request body exceeds this endpoint's limit of 32.0 MB (after decompression)" });
  });
});

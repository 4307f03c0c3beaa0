import { startHarness, type Harness } from "./server-harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

describe("POST /api/public/otel/v1/metrics", () => {
  test("accepted and ignored, as Langfuse does (protobuf or JSON), with auth", async () => {
    const proto = await h.call("POST", "/api/public/otel/v1/metrics", { raw: new Uint8Array([0x0a, 0x00]), headers: { "content-type": "application/x-protobuf" } });
    expect(proto.status).toBe(200);
    const json = await h.call("POST", "/api/public/otel/v1/metrics", { body: { resourceMetrics: [] } });
    expect({ status: json.status, body: json.json }).toEqual({ status: 200, body: {} });
    expect((await h.call("POST", "/api/public/otel/v1/metrics", { body: {}, auth: false })).status).toBe(401);
    expect((await h.call("GET", "/api/public/otel/v1/metrics")).status).toBe(405);
  });
});

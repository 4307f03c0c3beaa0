import { Langfuse, observe } from "../../../src";
import { HttpApi } from "../../../src/api/http/http-api";
import { sdkHeaders } from "../../../src/api/http/sdk-headers";
import { OtlpReceiver } from "../../tracing/helpers/otlp-receiver";

const KEYS = { publicKey: "pk-lf-hdr", secretKey: "sk-lf-hdr" };
const BASIC = `Basic ${Buffer.from("pk-lf-hdr:sk-lf-hdr").toString("base64")}`;

describe("SDK headers: one builder, additionalHeaders override (as the official exporter)", () => {
  it("user headers replace the SDK's of the same name, compared case-insensitively", () => {
    const h = sdkHeaders({ ...KEYS, sdkName: "langfuse-decorators", sdkVersion: "1.0.0", additionalHeaders: { authorization: "Bearer proxy", "x-tenant": "acme" } });
    expect(h).toEqual({
      "x-langfuse-sdk-name": "langfuse-decorators",
      "x-langfuse-sdk-version": "1.0.0",
      "x-langfuse-public-key": "pk-lf-hdr",
      authorization: "Bearer proxy",
      "x-tenant": "acme",
    });
    expect(sdkHeaders({ ...KEYS, sdkName: "n", sdkVersion: "v" }).Authorization).toBe(BASIC);
  });

  it("the management API and the span export send the same headers with the same precedence", async () => {
    const info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    const receiver = await new OtlpReceiver().start();
    const additionalHeaders = { Authorization: "Bearer proxy-token", "X-Langfuse-Sdk-Name": "my-wrapper", "x-tenant": "acme" };
    const lf = new Langfuse({ ...KEYS, baseUrl: receiver.url, additionalHeaders });
    try {
      observe(() => 1, { name: "h" })();
      await lf.flush();
      const api = new HttpApi({ baseUrl: receiver.url, ...KEYS, timeoutSeconds: 5, maxRetries: 0, additionalHeaders });
      await api.prompts.get("p").catch(() => undefined); // the receiver answers {}; only the request matters
      const [otlp, rest] = [receiver.requests.find((r) => r.path.includes("/otel/")), receiver.requests.find((r) => r.path.includes("/prompts/"))];
      for (const req of [otlp!, rest!]) {
        expect(req.headers.authorization).toBe("Bearer proxy-token");
        expect(req.headers["x-langfuse-sdk-name"]).toBe("my-wrapper");
        expect(req.headers["x-langfuse-public-key"]).toBe("pk-lf-hdr");
        expect(req.headers["x-tenant"]).toBe("acme");
      }
      expect(otlp!.headers["x-langfuse-ingestion-version"]).toBe("4");
    } finally {
      await lf.shutdown();
      await receiver.stop();
      info.mockRestore();
    }
  });
});

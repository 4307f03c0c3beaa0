/**
 * The client's project helpers (`authCheck`, `getTraceUrl`) against real parts: the embedded
 * store (local mode), our local server over HTTP, and a node:http server on 127.0.0.1 standing
 * in for a Langfuse whose keys open no project.
 */
import { trace } from "@opentelemetry/api";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Langfuse, LangfuseApiError, LangfuseError, LangfuseValidationError } from "../../src";
import { basicAuth, call, startHarness, TEST_PK, TEST_SK, type Harness } from "../server/server-harness";

describe("Langfuse.authCheck / getTraceUrl", () => {
  let info: jest.SpyInstance;
  let warn: jest.SpyInstance;
  const clients: Langfuse[] = [];
  const make = (o: ConstructorParameters<typeof Langfuse>[0] = {}) => {
    const c = new Langfuse({ localDbPath: ":memory:", ...o });
    clients.push(c);
    return c;
  };
  beforeEach(() => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.shutdown();
    trace.disable();
    info.mockRestore();
    warn.mockRestore();
  });

  describe("local mode (embedded store)", () => {
    it("authCheck is true; after shutdown it warns and is false", async () => {
      const lf = make();
      expect(lf.config.mode).toBe("local");
      await expect(lf.authCheck()).resolves.toBe(true);
      await lf.shutdown();
      await expect(lf.authCheck()).resolves.toBe(false);
      expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain("shut down");
    });

    it("getTraceUrl is the local server's address for the trace (project \"local\"); an empty id is a validation error", async () => {
      const lf = make();
      const traceId = lf.createTraceId("seed");
      await expect(lf.getTraceUrl(traceId)).resolves.toBe(`http://127.0.0.1:3000/project/local/traces/${traceId}`);
      await expect(lf.getTraceUrl("")).rejects.toBeInstanceOf(LangfuseValidationError);
    });
  });

  describe("http mode against the local server", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(async () => {
      await h.stop();
    });

    it("authCheck is true with the server's keys; wrong keys reject with LangfuseApiError 401 (no secret inside)", async () => {
      const ok = make({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: TEST_SK, tracingEnabled: false });
      await expect(ok.authCheck()).resolves.toBe(true);

      const wrongSecret = "sk-lf-definitely-wrong-secret";
      const bad = make({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: wrongSecret, tracingEnabled: false });
      const err = await bad.authCheck().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LangfuseApiError);
      expect((err as LangfuseApiError).status).toBe(401);
      expect(`${(err as Error).message} ${JSON.stringify((err as LangfuseApiError).body)}`).not.toContain(wrongSecret);
    });

    it("getTraceUrl points at the recorded trace, and the server answers that URL with it", async () => {
      const lf = make({ baseUrl: `${h.server.url}/`, publicKey: TEST_PK, secretKey: TEST_SK, flushAt: 1 });
      let traceId = "";
      lf.startAsCurrentObservation({ name: "url-root" }, (root) => {
        traceId = root.traceId;
      });
      expect((await lf.flush()).failed).toBe(0);
      const url = await lf.getTraceUrl(traceId);
      expect(url).toBe(`${h.server.url}/project/local/traces/${traceId}`);
      const page = await call(h.server.url, basicAuth(TEST_PK, TEST_SK), "GET", new URL(url).pathname);
      expect(page.status).toBe(200);
      expect(page.json).toMatchObject({ id: traceId, htmlPath: `/project/local/traces/${traceId}` });
      // Browsers are asked for the keys.
      const anonymous = await call(h.server.url, "", "GET", new URL(url).pathname, { auth: false });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toContain("Basic");
      expect((await call(h.server.url, basicAuth(TEST_PK, TEST_SK), "GET", `/project/other/traces/${traceId}`)).status).toBe(404);
    });
  });

  describe("http mode against a Langfuse stand-in", () => {
    let server: Server;
    let baseUrl = "";
    let projectRequests = 0;
    let projects: unknown[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === "/api/public/projects") projectRequests++;
        res.writeHead(req.url === "/api/public/projects" ? 200 : 404, { "Content-Type": "application/json" });
        res.end(JSON.stringify(req.url === "/api/public/projects" ? { data: projects } : { message: "not found" }));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });
    beforeEach(() => {
      projectRequests = 0;
    });

    it("keys without a project: authCheck rejects with the reference's message; the failure is not cached", async () => {
      projects = [];
      const lf = make({ baseUrl, publicKey: "pk-lf-x", secretKey: "sk-lf-x", tracingEnabled: false });
      const err = await lf.authCheck().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LangfuseError);
      expect((err as LangfuseError).code).toBe("API");
      expect((err as Error).message).toBe("Auth check failed, no project found for the keys provided.");
      await expect(lf.getTraceUrl("abc")).rejects.toThrow("no project found");
      expect(projectRequests).toBe(2);

      projects = [{ id: "cl-proj-1", name: "P", organization: { id: "o", name: "O" }, metadata: {} }];
      await expect(lf.authCheck()).resolves.toBe(true);
      expect(projectRequests).toBe(3);
    });

    it("the project id is fetched once and cached; ids and the trace id are URL-encoded", async () => {
      projects = [{ id: "cl-proj-1", name: "P", organization: { id: "o", name: "O" }, metadata: {} }];
      const lf = make({ baseUrl, publicKey: "pk-lf-x", secretKey: "sk-lf-x", tracingEnabled: false });
      const [a, b] = await Promise.all([lf.getTraceUrl("t1"), lf.getTraceUrl("t2")]);
      expect(a).toBe(`${baseUrl}/project/cl-proj-1/traces/t1`);
      expect(b).toBe(`${baseUrl}/project/cl-proj-1/traces/t2`);
      await expect(lf.getTraceUrl("a/b")).resolves.toBe(`${baseUrl}/project/cl-proj-1/traces/a%2Fb`);
      await expect(lf.authCheck()).resolves.toBe(true);
      expect(projectRequests).toBe(1);
    });
  });
});

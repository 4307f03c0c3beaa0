import { Agent, request as httpRequest } from "node:http";
import { basicAuth, startHarness, TEST_PK, type Harness } from "./server-harness";

/**
 * Over a thousand malformed or hostile requests: each must get a 4xx with a readable message,
 * none a 5xx, and the server must keep serving afterwards.
 */

let h: Harness;
let agent: Agent;
beforeAll(async () => {
  h = await startHarness();
  agent = new Agent({ keepAlive: true, maxSockets: 8 });
});
afterAll(async () => {
  agent.destroy();
  await h.stop();
});

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  label: string;
  /** Hostile-looking but legal (unknown query keys are ignored, random bytes may be valid protobuf): no 5xx is all we ask. */
  tolerated?: boolean;
  /** The exact status this request must get (default: any 4xx). */
  expect?: number;
}

interface RawResponse {
  status: number;
  body: string;
}

function send(url: URL, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body) headers["content-length"] = String(req.body.length);
    const r = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    r.on("timeout", () => r.destroy(new Error(`timeout: ${req.label}`)));
    r.on("error", reject);
    if (req.body) r.end(req.body);
    else r.end();
  });
}

/** Deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function buildRequests(basic: string): RawRequest[] {
  const rand = prng(20261129);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const json = { "content-type": "application/json" };
  const auth = { authorization: basic };
  const out: RawRequest[] = [];

  const postRoutes = [
    "/api/public/v2/prompts",
    "/api/public/v2/datasets",
    "/api/public/datasets",
    "/api/public/dataset-items",
    "/api/public/dataset-run-items",
    "/api/public/scores",
    "/api/public/ingestion",
    "/api/public/media",
  ];
  const badJson = ["{", "{]", "{\"a\":}", "nul", "[1,2", "\"unterminated", "{\"a\":1,}", "{'single':1}", "\u0000", "{\"a\":\"\\u12\"}", "}{", "tru"];
  // 1. Unparseable JSON on every POST route.
  for (const route of postRoutes) for (const b of badJson) out.push({ method: "POST", path: route, headers: { ...json, ...auth }, body: Buffer.from(b), label: `bad json ${route}` });

  // 2. Well-formed JSON of the wrong shape or with wrongly typed fields.
  const wrongShapes: unknown[] = [
    null, 1, "str", true, [], [1, 2], {}, { name: 1 }, { name: null }, { name: [] }, { name: {} }, { name: "" },
    { name: "x", prompt: 5 }, { name: "x", prompt: [1] }, { name: "x", prompt: "p", labels: "production" }, { name: "x", prompt: "p", labels: [1] },
    { datasetName: 5 }, { datasetName: "" }, { datasetName: "nope-" + "z".repeat(2000) }, { datasetName: "x", status: "DELETED" },
    { runName: 1, datasetItemId: "a", traceId: "t" }, { runName: "r", datasetItemId: "a" }, { runName: "r", datasetItemId: "a", traceId: "t", bogus: 1 },
    { name: "s", value: null, traceId: "t" }, { name: "s", value: [1], traceId: "t" }, { name: "s", value: 1 }, { name: "s", value: 1, dataType: "BOOLEAN", traceId: "t" },
    { name: "s", value: 3, dataType: "BOOLEAN", traceId: "t" }, { name: "s", value: "x", dataType: "NUMERIC", traceId: "t" }, { name: "s", value: 1, traceId: "t", sessionId: "s" },
    { batch: null }, { batch: {} }, { batch: "x" }, { field: "input" }, { field: "input", contentType: "image/png", contentLength: -1, sha256Hash: "x" },
    { field: "nope", contentType: "x", contentLength: 1, sha256Hash: "a".repeat(44) }, { name: "x", inputSchema: "not a schema" }, { name: "x", inputSchema: { type: "nonsense" } },
    { __proto__: { polluted: true }, name: 1 }, { constructor: { prototype: { polluted: true } } },
  ];
  for (const route of postRoutes) {
    for (const shape of wrongShapes) {
      // Bodies that happen to be valid somewhere are filtered by the assertion on 2xx below.
      out.push({ method: "POST", path: route, headers: { ...json, ...auth }, body: Buffer.from(JSON.stringify(shape) ?? "null"), label: `shape ${route} ${JSON.stringify(shape)?.slice(0, 60)}` });
    }
  }
  for (const shape of [null, {}, { newLabels: "x" }, { newLabels: [1] }, { newLabels: ["latest"] }, { newLabels: [""] }, [1]]) {
    out.push({ method: "PATCH", path: "/api/public/v2/prompts/x/versions/1", headers: { ...json, ...auth }, body: Buffer.from(JSON.stringify(shape)), label: "patch shape" });
    out.push({ method: "PATCH", path: "/api/public/v2/prompts/x/versions/abc", headers: { ...json, ...auth }, body: Buffer.from(JSON.stringify(shape)), label: "patch bad version" });
    out.push({ method: "PATCH", path: "/api/public/media/x", headers: { ...json, ...auth }, body: Buffer.from(JSON.stringify(shape)), label: "media patch" });
  }

  // 3. Bad auth headers on authenticated routes.
  const badAuth = [
    "", "Basic", "Basic ", "Basic !!!", "Basic " + Buffer.from("a").toString("base64"), "Basic " + Buffer.from(":").toString("base64"),
    basicAuth(TEST_PK, "wrong"), basicAuth("", "wrong"), basicAuth(TEST_PK, ""), "Bearer", "Bearer wrong", `Bearer ${TEST_PK}`,
    "Digest x", "Token abc", "basic " + "A".repeat(5000), "Basic " + Buffer.from("a:b:c").toString("base64"),
  ];
  const authRoutes = ["GET /api/public/traces", "GET /api/public/v2/prompts", "GET /api/public/v2/prompts/x", "POST /api/public/v2/datasets", "GET /api/public/sessions", "GET /api/public/observations", "POST /api/public/otel/v1/traces", "GET /api/public/v2/scores"];
  for (const route of authRoutes) {
    for (const a of badAuth) {
      const [method, path] = route.split(" ") as [string, string];
      const headers: Record<string, string> = a === "" ? {} : { authorization: a };
      if (method === "POST") headers["content-type"] = "application/json";
      out.push({ method, path, headers, body: method === "POST" ? Buffer.from("{}") : undefined, label: `auth ${route} ${a.slice(0, 20)}` });
    }
  }

  // 4. Path tricks: traversal, NUL, bad escapes, overlong names, odd separators.
  const nameTricks = [
    "..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e", "%00", "a%00b", "%", "%zz", "%E0%A4%A", "%C0%AF", "a%0Ab", "%7F",
    "x".repeat(1001), encodeURIComponent("y".repeat(1200)), "z".repeat(6000), "..;", "a\\b", "%5C..%5C", "%252e%252e", "%ff%fe",
    "%F0%9F%98%80".repeat(300),
  ];
  const nameRoutes = ["/api/public/v2/prompts/", "/api/public/v2/datasets/", "/api/public/datasets/", "/api/public/dataset-items/", "/api/public/traces/", "/api/public/observations/", "/api/public/sessions/", "/api/public/v2/scores/", "/api/public/media/"];
  for (const route of nameRoutes) for (const trick of nameTricks) out.push({ method: "GET", path: route + trick, headers: auth, label: `path ${route}${trick.slice(0, 30)}` });
  for (const trick of nameTricks) out.push({ method: "GET", path: `/api/public/datasets/${trick}/runs/${trick}`, headers: auth, label: `run path ${trick.slice(0, 30)}` });
  for (const p of ["/api/public/../../etc/passwd", "/api/public/./health/../traces/x%00", "//api/public/traces", "/api/public/traces/%2e%2e/%2e%2e", "/%2e%2e/%2e%2e/", "/api/public/v2/prompts/a/versions/1/../../b"])
    out.push({ method: "GET", path: p, headers: auth, label: `raw path ${p}` });

  // 5. Query tricks: values each route declares, of the wrong type or out of range.
  const queryRoutes: Record<string, string[]> = {
    "/api/public/traces": ["fromTimestamp=garbage", "toTimestamp=2020-13-45T99:99:99Z", "orderBy=DROP%20TABLE", "orderBy=timestamp.sideways", "tags=a&limit=x"],
    "/api/public/observations": ["type=NOPE", "level=LOUD", "fromStartTime=soon", "type=SPAN&type=EVENT"],
    "/api/public/sessions": ["fromTimestamp=1/2/3", "toTimestamp=never"],
    "/api/public/v2/scores": ["dataType=COLOR", "source=ME", "fromTimestamp=x", "name=a&name=b"],
    "/api/public/v2/prompts": ["fromUpdatedAt=x", "toUpdatedAt=tomorrow"],
    "/api/public/v2/prompts/x": ["version=-1", "version=abc", "version=1.5", "resolve=maybe", "version=1&label=production", "version=99999999999"],
    "/api/public/dataset-items": ["version=not-a-date", "version=2020-99-99"],
    "/api/public/v2/datasets": [],
    "/api/public/dataset-run-items": ["datasetId=x", "runName=y"],
    "/api/public/models": [],
    "/api/public/score-configs": [],
    "/api/public/comments": ["objectId=x", "objectType=FOO"],
    "/api/public/annotation-queues": [],
    "/api/public/v3/scores": ["limit=0", "limit=101", "cursor=@@@", "valueMin=x", "dataType=FOO", "userId=u", "observationId=o", "unknown=1"],
    "/api/public/v2/metrics": ["query=", "query={", "query=[]", 'query={"view":"observations"}'],
    "/api/public/experiments": ["", "fromStartTime=yesterday", "limit=0"],
    "/api/public/v2/observations": ["cursor=@@@", "cursor=eyJ4IjoxfQ==", "cursor=" + "A".repeat(300), "limit=1001", "limit=0", "parseIoAsJson=maybe", "isRootObservation=2", "filter=not-json", "type=X", "level=Y"],
  };
  const pageTricks = ["limit=0", "limit=-1", "limit=1e3", "limit=abc", "limit=101", "page=0", "page=-5", "page=1.5", "page=99999999999999999999", "limit=1&limit=2"];
  for (const [route, tricks] of Object.entries(queryRoutes)) {
    const cursorPaged = ["/v2/observations", "/v3/scores", "/v2/metrics", "/experiments"].some((p) => route.includes(p));
    const all = route.endsWith("/x") || cursorPaged ? tricks : [...tricks, ...pageTricks];
    for (const q of all) out.push({ method: "GET", path: `${route}?${q}`, headers: auth, label: `query ${route}?${q}` });
    for (const q of ["__proto__=x", "constructor=x", "__proto__[polluted]=1", "environment=" + "e".repeat(5000), "x=%00"]) {
      out.push({ method: "GET", path: `${route}?${q}`, headers: auth, label: `query ${route}?${q.slice(0, 30)}`, tolerated: true });
    }
  }

  // 6. Oversized bodies and wrong content types / encodings.
  const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
  for (const route of ["/api/public/v2/prompts", "/api/public/ingestion", "/api/public/scores"]) {
    out.push({ method: "POST", path: route, headers: { ...json, ...auth }, body: Buffer.concat([Buffer.from('{"name":"'), big, Buffer.from('"}')]), label: `huge ${route}` });
  }
  for (const ct of ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "image/png", "application/json; charset=latin1"]) {
    for (const route of postRoutes) out.push({ method: "POST", path: route, headers: { "content-type": ct, ...auth }, body: Buffer.from("name=x"), label: `ctype ${ct} ${route}` });
  }
  for (const enc of ["gzip", "br", "deflate", "compress", "gzip, gzip"]) {
    out.push({ method: "POST", path: "/api/public/v2/datasets", headers: { ...json, ...auth, "content-encoding": enc }, body: Buffer.from("{\"name\":\"x\"}"), label: `encoding ${enc}` });
    out.push({ method: "POST", path: "/api/public/otel/v1/traces", headers: { ...json, ...auth, "content-encoding": enc }, body: Buffer.from("{}"), label: `otel encoding ${enc}` });
  }

  // 7. OTLP bodies that parse but are not valid exports.
  const otlpBodies: unknown[] = [
    { resourceSpans: "x" }, { resourceSpans: [1] }, { resourceSpans: [{ scopeSpans: "x" }] }, { resourceSpans: [{ scopeSpans: [{ spans: {} }] }] },
    { resourceSpans: [{ scopeSpans: [{ spans: [{}] }] }] }, { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 5, spanId: 6 }] }] }] },
    { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "zz", spanId: "yy", attributes: { a: 1 } }] }] }] }, [], "str", 42,
    { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", attributes: "x" }] }] }] },
  ];
  for (const b of otlpBodies) out.push({ method: "POST", path: "/api/public/otel/v1/traces", headers: { ...json, ...auth }, body: Buffer.from(JSON.stringify(b)), label: `otlp ${JSON.stringify(b).slice(0, 60)}` });
  for (let i = 0; i < 40; i++) {
    const junk = Buffer.alloc(1 + Math.floor(rand() * 200));
    for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(rand() * 256);
    out.push({ method: "POST", path: "/api/public/otel/v1/traces", headers: { "content-type": pick(["application/x-protobuf", "application/json"]), ...auth }, body: junk, label: `otlp junk ${i}`, tolerated: true });
  }

  // 8. Valid bodies cut short at a random byte: always invalid JSON.
  const valid: [string, unknown][] = [
    ["/api/public/v2/prompts", { name: "fuzz", prompt: [{ role: "system", content: "You are {{x}}" }], type: "chat", labels: ["production"] }],
    ["/api/public/v2/datasets", { name: "fuzz-ds", description: "d", metadata: { a: [1, 2, 3] } }],
    ["/api/public/dataset-items", { datasetName: "fuzz-ds", input: { q: "what?" }, expectedOutput: { a: "that" } }],
    ["/api/public/scores", { name: "fuzz", value: 0.5, traceId: "trace-fuzz", comment: "hello" }],
    ["/api/public/ingestion", { batch: [{ id: "e", type: "score-create", timestamp: "2026-01-01T00:00:00Z", body: { name: "n", value: 1, traceId: "t" } }] }],
  ];
  for (let i = 0; i < 150; i++) {
    const [route, body] = pick(valid);
    const text = JSON.stringify(body);
    const cut = 1 + Math.floor(rand() * (text.length - 2));
    out.push({ method: "POST", path: route, headers: { ...json, ...auth }, body: Buffer.from(text.slice(0, cut)), label: `truncated ${route} at ${cut}` });
  }

  // 9. Values the store could never write out again, and query keys that reach SQL: each a 400.
  const nested = (levels: number, open: string, close: string) => open.repeat(levels) + "1" + close.repeat(levels);
  for (const levels of [5_000, 10_000]) {
    for (const [open, close] of [["[", "]"], ['{"a":', "}"]] as const) {
      const deep = nested(levels, open, close);
      const bodies: [string, string][] = [
        ["/api/public/scores", `{"name":"s","value":1,"traceId":"t","metadata":${deep}}`],
        ["/api/public/v2/prompts", `{"name":"deep","prompt":"x","config":${deep}}`],
        ["/api/public/dataset-items", `{"datasetName":"fuzz-ds","input":${deep}}`],
        ["/api/public/ingestion", `{"batch":[{"id":"e","type":"score-create","timestamp":"2026-01-01T00:00:00Z","body":{"name":"n","value":1,"traceId":"t","metadata":${deep}}}]}`],
        ["/api/public/otel/v1/traces", `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"arrayValue":{"values":[${deep}]}}}]}}]}`],
      ];
      for (const [route, body] of bodies) out.push({ method: "POST", path: route, headers: { ...json, ...auth }, body: Buffer.from(body), label: `nested ${levels} ${open} ${route}`, expect: 400 });
    }
  }
  const span = (start: string, end: string) => ({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", name: "t", startTimeUnixNano: start, endTimeUnixNano: end }] }] }],
  });
  // A span whose times no date can hold is rejected alone, reported as OTLP partial success
  // (the request's other spans are stored; test/server/otlp-commit.test.ts checks that).
  for (const [start, end] of [["99999999999999999999999", "1"], ["1700000000000000000", "999999999999999999999999999999"], ["18446744073709551615000", "18446744073709551615000"]]) {
    out.push({ method: "POST", path: "/api/public/otel/v1/traces", headers: { ...json, ...auth }, body: Buffer.from(JSON.stringify(span(start, end))), label: `otlp time ${start}/${end}`, expect: 200, tolerated: true });
  }
  const repeatedTags = Array.from({ length: 1000 }, () => "tags=a").join("&");
  const manyTags = Array.from({ length: 1000 }, (_, i) => `tags=t${i}`).join("&");
  for (const q of [repeatedTags, manyTags, "orderBy=constructor.asc", "orderBy=__proto__.desc", "orderBy=toString.asc", "orderBy=hasOwnProperty.desc"]) {
    out.push({ method: "GET", path: `/api/public/traces?${q}`, headers: auth, label: `traces query ${q.slice(0, 40)}`, expect: 400 });
  }

  // 10. Wrong methods.
  for (const route of [...postRoutes, "/api/public/health", "/api/public/traces", "/api/public/otel/v1/traces"]) {
    for (const m of ["PUT", "PATCH", "DELETE"]) out.push({ method: m, path: route, headers: auth, label: `method ${m} ${route}` });
  }
  return out;
}

test("1,000+ malformed or hostile requests all get a 4xx with a message; the server keeps serving", async () => {
  const url = new URL(h.server.url);
  const requests = buildRequests(h.basic);
  expect(requests.filter((r) => !r.tolerated).length).toBeGreaterThanOrEqual(1000);

  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++]!;
      let res: RawResponse;
      try {
        res = await send(url, req);
      } catch (err) {
        failures.push(`${req.label}: transport error ${(err as Error).message}`);
        continue;
      }
      if (req.expect !== undefined && res.status !== req.expect) {
        failures.push(`${req.label}: status ${res.status}, expected ${req.expect}: ${res.body.slice(0, 200)}`);
        continue;
      }
      if (res.status < 400 || res.status >= 500) {
        // A few "wrong shape" bodies are legitimately valid on some route; anything else is a bug.
        if (res.status >= 200 && res.status < 300 && (req.tolerated || req.label.startsWith("shape "))) continue;
        failures.push(`${req.label}: status ${res.status} ${res.body.slice(0, 200)}`);
        continue;
      }
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(res.body) as Record<string, unknown>;
      } catch {
        failures.push(`${req.label}: ${res.status} without a JSON body: ${res.body.slice(0, 100)}`);
        continue;
      }
      const message = parsed.message ?? parsed.error;
      const readable = (typeof message === "string" && message.length > 0) || (Array.isArray(message) && message.length > 0);
      if (!readable) failures.push(`${req.label}: ${res.status} without a message: ${res.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  expect(failures).toEqual([]);

  const health = await h.call("GET", "/api/public/health", { auth: false });
  expect(health.status).toBe(200);
  const created = await h.call("POST", "/api/public/v2/datasets", { body: { name: "still-serving" } });
  expect(created.status).toBe(200);
});

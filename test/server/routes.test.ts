import { HttpApi } from "../../src/api/http/http-api";
import { LangfuseApiError } from "../../src/api/errors";
import { LocalApi, openLocalStore } from "../../src/local";
import { basicAuth, startHarness, TEST_PK, TEST_SK, type Harness } from "./server-harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

type Rec = Record<string, unknown>;
const rec = (v: unknown) => v as Rec;

describe("health and routing", () => {
  test("health needs no auth and reports a version", async () => {
    const res = await h.call("GET", "/api/public/health", { auth: false });
    expect(res.status).toBe(200);
    expect(rec(res.json).status).toBe("OK");
    expect(typeof rec(res.json).version).toBe("string");
  });

  test("unknown routes get a JSON 404", async () => {
    const res = await h.call("GET", "/api/public/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(rec(res.json).message).toContain("not found");
  });

  test("a known path with the wrong method gets the real 405 body", async () => {
    const res = await h.call("PUT", "/api/public/v2/prompts");
    expect(res.status).toBe(405);
    expect(res.json).toEqual({ message: "Method not allowed", error: "MethodNotAllowedError" });
    const del = await h.call("DELETE", "/api/public/health");
    expect(del.status).toBe(405);
  });

  test("CORS preflight answers 204 with a fixed `*`, never the caller's Origin reflected back", async () => {
    const res = await h.call("OPTIONS", "/api/public/v2/prompts", { auth: false, headers: { origin: "http://x.test" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("projects", () => {
  test("GET /projects answers what LocalApi.projects.get() answers (the one local project), with Basic auth only", async () => {
    const store = openLocalStore(":memory:");
    const expected = await new LocalApi(store).projects.get();
    store.close();
    const res = await h.call("GET", "/api/public/projects");
    expect(res.status).toBe(200);
    expect(res.json).toEqual(expected);
    expect(rec(res.json).data).toEqual([expect.objectContaining({ id: "local" })]);

    expect((await h.call("GET", "/api/public/projects", { auth: false })).status).toBe(401);
    expect((await h.call("GET", "/api/public/projects", { auth: basicAuth(TEST_PK, "sk-lf-wrong") })).status).toBe(401);
    expect((await h.call("GET", "/api/public/projects", { auth: `Bearer ${TEST_PK}` })).status).toBe(403);
  });

  test("HttpApi.projects.get() against the server; wrong keys → LangfuseApiError 401 without the secret", async () => {
    const ok = new HttpApi({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: TEST_SK, timeoutSeconds: 5 });
    expect((await ok.projects.get()).data.map((p) => p.id)).toEqual(["local"]);
    const bad = new HttpApi({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: "sk-lf-wrong-secret-value", timeoutSeconds: 5, maxRetries: 0 });
    const err = await bad.projects.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LangfuseApiError);
    expect((err as LangfuseApiError).status).toBe(401);
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain("sk-lf-wrong-secret-value");
  });
});

describe("auth", () => {
  test("missing header: 401 {message}", async () => {
    const res = await h.call("GET", "/api/public/v2/datasets", { auth: false });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ message: "No authorization header" });
  });

  test("wrong secret: 401 invalid credentials, secret never echoed", async () => {
    const res = await h.call("GET", "/api/public/traces", { auth: basicAuth(TEST_PK, "sk-lf-wrong") });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ message: "Invalid credentials. Confirm that you've configured the correct host." });
    expect(res.text).not.toContain("sk-lf");
  });

  test("malformed Basic and unknown schemes", async () => {
    const malformed = await h.call("GET", "/api/public/traces", { auth: "Basic " + Buffer.from("nocolon").toString("base64") });
    expect(malformed.status).toBe(401);
    expect(rec(malformed.json).message).toBe("Invalid authorization header. Confirm that you've configured the correct host.");
    const digest = await h.call("GET", "/api/public/traces", { auth: "Digest abc" });
    expect(digest.status).toBe(401);
    expect(digest.json).toEqual({ message: "Invalid authorization header" });
  });

  test("prompt routes add error: UnauthorizedError; Bearer is 403 there", async () => {
    const res = await h.call("GET", "/api/public/v2/prompts/x", { auth: false });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ message: "No authorization header", error: "UnauthorizedError" });
    const bearer = await h.call("GET", "/api/public/v2/prompts/x", { auth: `Bearer ${TEST_PK}` });
    expect(bearer.status).toBe(403);
    expect(rec(bearer.json).error).toBe("ForbiddenError");
  });

  test("Bearer <publicKey> may POST scores but not read traces", async () => {
    const ok = await h.call("POST", "/api/public/scores", { auth: `Bearer ${TEST_PK}`, body: { name: "q", value: 1, traceId: "t-bearer" } });
    expect(ok.status).toBe(200);
    const denied = await h.call("GET", "/api/public/traces", { auth: `Bearer ${TEST_PK}` });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({ message: "Access denied - insufficient permissions for this endpoint" });
  });
});

describe("prompts", () => {
  const name = "folder/sub/movie-critic";
  const enc = encodeURIComponent(name);

  test("create, labels, get by label/version, list, delete", async () => {
    const v1 = await h.call("POST", "/api/public/v2/prompts", { body: { name, prompt: "Rate {{movie}}", labels: ["production"], config: { t: 1 } } });
    expect(v1.status).toBe(201);
    expect(rec(v1.json)).toMatchObject({ name, version: 1, type: "text", prompt: "Rate {{movie}}" });
    expect((rec(v1.json).labels as string[]).sort()).toEqual(["latest", "production"]);

    const v2 = await h.call("POST", "/api/public/v2/prompts", { body: { name, prompt: "Critique {{movie}}" } });
    expect(v2.status).toBe(201);
    expect(rec(v2.json).version).toBe(2);

    // Default GET resolves the production label (still v1), the folder name is URL-encoded.
    const prod = await h.call("GET", `/api/public/v2/prompts/${enc}`);
    expect(prod.status).toBe(200);
    expect(rec(prod.json)).toMatchObject({ name, version: 1 });
    const latest = await h.call("GET", `/api/public/v2/prompts/${enc}?label=latest`);
    expect(rec(latest.json).version).toBe(2);
    const byVersion = await h.call("GET", `/api/public/v2/prompts/${enc}?version=2`);
    expect(rec(byVersion.json).prompt).toBe("Critique {{movie}}");

    const both = await h.call("GET", `/api/public/v2/prompts/${enc}?version=1&label=latest`);
    expect(both.status).toBe(400);
    expect(rec(both.json).message).toBe("Cannot specify both version and label");

    const badVersion = await h.call("GET", `/api/public/v2/prompts/${enc}?version=abc`);
    expect(badVersion.status).toBe(400);
    expect(rec(badVersion.json).message).toBe("Invalid request data");

    // PATCH moves production to v2 and removes it from v1.
    const patched = await h.call("PATCH", `/api/public/v2/prompts/${enc}/versions/2`, { body: { newLabels: ["production"] } });
    expect(patched.status).toBe(200);
    expect(rec(patched.json).labels).toEqual(expect.arrayContaining(["production", "latest"]));
    const prod2 = await h.call("GET", `/api/public/v2/prompts/${enc}`);
    expect(rec(prod2.json).version).toBe(2);
    const v1Now = await h.call("GET", `/api/public/v2/prompts/${enc}?version=1`);
    expect(rec(v1Now.json).labels).not.toContain("production");

    const latestPatch = await h.call("PATCH", `/api/public/v2/prompts/${enc}/versions/1`, { body: { newLabels: ["latest"] } });
    expect(latestPatch.status).toBe(400);

    const list = await h.call("GET", `/api/public/v2/prompts?name=${enc}`);
    expect(list.status).toBe(200);
    const body = rec(list.json);
    expect(body.meta).toEqual(body.pagination);
    expect((body.data as Rec[])[0]).toMatchObject({ name, versions: [1, 2] });

    const missing = await h.call("GET", `/api/public/v2/prompts/${encodeURIComponent("does/not/exist")}`);
    expect(missing.status).toBe(404);
    expect(String(rec(missing.json).error)).toContain("NotFound");

    const del = await h.call("DELETE", `/api/public/v2/prompts/${enc}?version=1`);
    expect(del.status).toBe(204);
    const gone = await h.call("GET", `/api/public/v2/prompts/${enc}?version=1`);
    expect(gone.status).toBe(404);
  });

  test("body validation: wrong types and bad labels are 400 with field paths", async () => {
    const wrongType = await h.call("POST", "/api/public/v2/prompts", { body: { name: 5, prompt: "x" } });
    expect(wrongType.status).toBe(400);
    expect(rec(wrongType.json).message).toBe("Invalid request data");
    expect(JSON.stringify(rec(wrongType.json).error)).toContain("name");
    const badLabel = await h.call("POST", "/api/public/v2/prompts", { body: { name: "p", prompt: "x", labels: ["Not Valid"] } });
    expect(badLabel.status).toBe(400);
    const notObject = await h.call("POST", "/api/public/v2/prompts", { body: [1, 2] });
    expect(notObject.status).toBe(400);
  });
});

describe("datasets, items, runs", () => {
  const ds = "evals/qa";
  const enc = encodeURIComponent(ds);

  test("the dataset lifecycle at the real paths", async () => {
    const created = await h.call("POST", "/api/public/v2/datasets", { body: { name: ds, description: "QA set", metadata: { owner: "me" } } });
    expect(created.status).toBe(200);
    const datasetId = rec(created.json).id as string;
    expect(rec(created.json)).toMatchObject({ name: ds, description: "QA set" });

    const got = await h.call("GET", `/api/public/v2/datasets/${enc}`);
    expect(rec(got.json).id).toBe(datasetId);
    // Double-encoded names are decoded twice, as the real server does.
    const twice = await h.call("GET", `/api/public/v2/datasets/${encodeURIComponent(enc)}`);
    expect(twice.status).toBe(200);

    const item = await h.call("POST", "/api/public/dataset-items", { body: { datasetName: ds, id: "item-1", input: { q: "2+2" }, expectedOutput: "4" } });
    expect(item.status).toBe(200);
    expect(rec(item.json)).toMatchObject({ id: "item-1", datasetName: ds, status: "ACTIVE", input: { q: "2+2" } });
    // Upsert merges: only metadata changes.
    const merged = await h.call("POST", "/api/public/dataset-items", { body: { datasetName: ds, id: "item-1", metadata: { v: 2 } } });
    expect(rec(merged.json)).toMatchObject({ input: { q: "2+2" }, expectedOutput: "4", metadata: { v: 2 } });
    await h.call("POST", "/api/public/dataset-items", { body: { datasetName: ds, id: "item-2", input: 1, status: "ARCHIVED" } });

    const list = await h.call("GET", `/api/public/dataset-items?datasetName=${enc}&page=1&limit=10`);
    expect(list.status).toBe(200);
    expect((rec(list.json).data as Rec[]).map((i) => i.id)).toEqual(["item-1"]);
    expect(rec(list.json).meta).toEqual({ page: 1, limit: 10, totalItems: 1, totalPages: 1 });

    const one = await h.call("GET", "/api/public/dataset-items/item-2");
    expect(rec(one.json).status).toBe("ARCHIVED");

    const runItem = await h.call("POST", "/api/public/dataset-run-items", { body: { runName: "run-1", datasetItemId: "item-1", traceId: "trace-1" } });
    expect(runItem.status).toBe(200);
    expect(rec(runItem.json)).toMatchObject({ datasetRunName: "run-1", datasetItemId: "item-1", traceId: "trace-1" });

    const strict = await h.call("POST", "/api/public/dataset-run-items", { body: { runName: "run-1", datasetItemId: "item-1", traceId: "t", extra: 1 } });
    expect(strict.status).toBe(400);
    const noSubject = await h.call("POST", "/api/public/dataset-run-items", { body: { runName: "run-1", datasetItemId: "item-1" } });
    expect(noSubject.status).toBe(400);

    const runs = await h.call("GET", `/api/public/datasets/${enc}/runs`);
    expect((rec(runs.json).data as Rec[]).map((r) => r.name)).toEqual(["run-1"]);
    const run = await h.call("GET", `/api/public/datasets/${enc}/runs/run-1`);
    expect(run.status).toBe(200);
    expect((rec(run.json).datasetRunItems as Rec[]).length).toBe(1);
    const runItems = await h.call("GET", `/api/public/dataset-run-items?datasetId=${datasetId}&runName=run-1`);
    expect((rec(runItems.json).data as Rec[]).length).toBe(1);

    const legacy = await h.call("GET", `/api/public/datasets/${enc}`);
    expect(legacy.status).toBe(200);
    expect((rec(legacy.json).items as Rec[]).map((i) => i.id)).toEqual(["item-1"]);
    expect(rec(legacy.json).runs).toEqual(["run-1"]);

    const del = await h.call("DELETE", "/api/public/dataset-items/item-1");
    expect(del.json).toEqual({ message: "Dataset item successfully deleted" });

    const missing = await h.call("GET", `/api/public/v2/datasets/${encodeURIComponent("no/such")}`);
    expect(missing.status).toBe(404);
  });

  test("run items query requires datasetId and runName", async () => {
    const res = await h.call("GET", "/api/public/dataset-run-items");
    expect(res.status).toBe(400);
  });
});

describe("scores and ingestion", () => {
  test("POST /scores → {id}; readable via /v2/scores and /scores/{id}", async () => {
    const res = await h.call("POST", "/api/public/scores", { body: { id: "score-1", name: "accuracy", value: 0.9, traceId: "trace-s", environment: "test" } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: "score-1" });
    const list = await h.call("GET", "/api/public/v2/scores?traceId=trace-s&environment=test&environment=other");
    expect(list.status).toBe(200);
    expect((rec(list.json).data as Rec[]).map((s) => s.id)).toEqual(["score-1"]);
    const one = await h.call("GET", "/api/public/v2/scores/score-1");
    expect(rec(one.json)).toMatchObject({ id: "score-1", name: "accuracy", value: 0.9 });
    const del = await h.call("DELETE", "/api/public/scores/score-1");
    expect(del.status).toBe(200);
    expect((await h.call("GET", "/api/public/scores/score-1")).status).toBe(404);
  });

  test("score body types are checked", async () => {
    const res = await h.call("POST", "/api/public/scores", { body: { name: "x", value: { nested: true }, traceId: "t" } });
    expect(res.status).toBe(400);
    const missing = await h.call("POST", "/api/public/scores", { body: { value: 1 } });
    expect(missing.status).toBe(400);
  });

  test("ingestion answers 207 multi-status; a bad envelope is 400", async () => {
    const now = new Date().toISOString();
    const res = await h.call("POST", "/api/public/ingestion", {
      body: {
        batch: [
          { id: "ev-1", type: "score-create", timestamp: now, body: { id: "score-ing", name: "helpful", value: 1, traceId: "trace-i" } },
          { id: "ev-2", type: "score-create", timestamp: now, body: { id: "score-bad", name: "", value: 1 } },
        ],
      },
    });
    expect(res.status).toBe(207);
    const body = rec(res.json);
    expect(body.successes).toEqual([{ id: "ev-1", status: 201 }]);
    expect((body.errors as Rec[])[0]).toMatchObject({ id: "ev-2", status: 400 });
    const bad = await h.call("POST", "/api/public/ingestion", { body: { batch: "nope" } });
    expect(bad.status).toBe(400);
    expect(rec(bad.json).message).toBe("Invalid request data");
  });
});

describe("query parsing", () => {
  test("limit and page are coerced and range-checked", async () => {
    expect((await h.call("GET", "/api/public/traces?limit=0")).status).toBe(400);
    expect((await h.call("GET", "/api/public/traces?limit=101")).status).toBe(400);
    expect((await h.call("GET", "/api/public/traces?page=abc")).status).toBe(400);
    expect((await h.call("GET", "/api/public/traces?limit=1&limit=2")).status).toBe(400);
    const ok = await h.call("GET", "/api/public/traces?limit=7&page=2");
    expect(ok.status).toBe(200);
    expect(rec(rec(ok.json).meta)).toMatchObject({ page: 2, limit: 7 });
  });

  test("bad enum values and timestamps are 400 naming the field", async () => {
    const t = await h.call("GET", "/api/public/observations?type=BANANA");
    expect(t.status).toBe(400);
    expect(JSON.stringify(t.json)).toContain("type");
    const ts = await h.call("GET", "/api/public/traces?fromTimestamp=yesterday");
    expect(ts.status).toBe(400);
    expect(JSON.stringify(ts.json)).toContain("fromTimestamp");
  });

  test("body over the limit is 413 with a clear message", async () => {
    const huge = JSON.stringify({ name: "big", prompt: "x".repeat(5 * 1024 * 1024) });
    const res = await h.call("POST", "/api/public/v2/prompts", { raw: huge, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect(rec(res.json).error).toBe("PayloadTooLargeError");
    expect(rec(res.json).message).toBe("Request body exceeds this endpoint's limit of 4.5 MB (after decompression)");
  });

  test("invalid JSON is 400, not 500", async () => {
    const res = await h.call("POST", "/api/public/v2/datasets", { raw: "{not json", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(String(rec(res.json).message)).toContain("Invalid JSON");
  });
});

/**
 * Acceptance of issue 12: walks ../shared/spec/langfuse-api-4.35.0.contract.json and calls every
 * operation on the local server. Operations in scope get a valid request and must answer the
 * real server's status with the expected shape; operations out of scope (the one list in
 * src/server/routes/unsupported-routes.ts) must answer 501 with their reason, never 404.
 * A contract operation that is in neither set fails the test.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HttpApi } from "../../src/api/http/http-api";
import { OUT_OF_SCOPE } from "../../src/server/routes/unsupported-routes";
import { otlpJson } from "../api/contract/api-contract";
import { startHarness, TEST_PK, TEST_SK, type Harness } from "./server-harness";

interface ContractOperation {
  key: string;
  method: string;
  path: string;
  deprecated?: boolean;
  parameters: { location: string; name: string; required?: boolean }[];
  requestBody?: { fields: { name: string; required?: boolean }[] };
}

const CONTRACT_FILE = join(__dirname, "..", "..", "..", "..", "shared", "spec", "langfuse-api-4.35.0.contract.json");
const contractPath = [CONTRACT_FILE, "/work/shared/spec/langfuse-api-4.35.0.contract.json"].find((p) => {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
});
const operations: ContractOperation[] = contractPath ? (JSON.parse(readFileSync(contractPath, "utf8")) as { operations: ContractOperation[] }).operations : [];

const outOfScope = new Set(Object.values(OUT_OF_SCOPE).flatMap((g) => Object.entries(g.paths).flatMap(([path, verbs]) => verbs.map((v) => `${v} ${path}`))));

/** Fixtures created before the walk; requests refer to them. */
interface Fx {
  traceId: string;
  observationId: string;
  sessionId: string;
  scoreId: string;
  datasetName: string;
  datasetId: string;
  itemId: string;
  runName: string;
  promptName: string;
  mediaId: string;
  modelId: string;
  configId: string;
  commentId: string;
  queueId: string;
  queueItemId: string;
}

interface Call {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  /** Checks of the JSON answer (shape). */
  shape?: (json: any) => void;
}

const FROM = new Date(Date.now() - 86_400_000).toISOString();
const TO = new Date(Date.now() + 86_400_000).toISOString();
const page = (json: any) => {
  expect(Array.isArray(json.data)).toBe(true);
  expect(json.meta).toEqual(expect.objectContaining({ page: expect.any(Number), limit: expect.any(Number), totalItems: expect.any(Number), totalPages: expect.any(Number) }));
};
const cursorPage = (json: any) => {
  expect(Array.isArray(json.data)).toBe(true);
  expect(typeof json.meta).toBe("object");
};
const has = (...keys: string[]) => (json: any) => {
  for (const k of keys) expect(json).toHaveProperty(k);
};
const metricsQuery = (view: string) => JSON.stringify({ view, metrics: [{ measure: "count", aggregation: "count" }], fromTimestamp: FROM, toTimestamp: TO });

/** A valid request for every in-scope operation of the contract, keyed "METHOD /path". */
function requests(fx: Fx): Record<string, () => Call> {
  const q = fx.queueId;
  return {
    "GET /api/public/annotation-queues": () => ({ path: "/api/public/annotation-queues", status: 200, shape: page }),
    "POST /api/public/annotation-queues": () => ({ path: "/api/public/annotation-queues", body: { name: `walk-${randomUUID()}`, scoreConfigIds: [fx.configId] }, status: 200, shape: has("id", "name", "scoreConfigIds") }),
    "GET /api/public/annotation-queues/{queueId}": () => ({ path: `/api/public/annotation-queues/${q}`, status: 200, shape: has("id", "name", "description", "scoreConfigIds", "createdAt") }),
    "POST /api/public/annotation-queues/{queueId}/assignments": () => ({ path: `/api/public/annotation-queues/${q}/assignments`, body: { userId: "u" }, status: 200, shape: has("userId", "queueId", "projectId") }),
    "DELETE /api/public/annotation-queues/{queueId}/assignments": () => ({ path: `/api/public/annotation-queues/${q}/assignments`, body: { userId: "u" }, status: 200, shape: has("success") }),
    "GET /api/public/annotation-queues/{queueId}/items": () => ({ path: `/api/public/annotation-queues/${q}/items`, query: { status: "PENDING" }, status: 200, shape: page }),
    "POST /api/public/annotation-queues/{queueId}/items": () => ({ path: `/api/public/annotation-queues/${q}/items`, body: { objectId: fx.traceId, objectType: "TRACE" }, status: 200, shape: has("id", "queueId", "objectId", "objectType", "status") }),
    "GET /api/public/annotation-queues/{queueId}/items/{itemId}": () => ({ path: `/api/public/annotation-queues/${q}/items/${fx.queueItemId}`, status: 200, shape: has("id", "status", "completedAt") }),
    "PATCH /api/public/annotation-queues/{queueId}/items/{itemId}": () => ({ path: `/api/public/annotation-queues/${q}/items/${fx.queueItemId}`, body: { status: "COMPLETED" }, status: 200, shape: (j) => expect(j.status).toBe("COMPLETED") }),
    "DELETE /api/public/annotation-queues/{queueId}/items/{itemId}": () => ({ path: `/api/public/annotation-queues/${q}/items/${fx.queueItemId}`, status: 200, shape: has("success", "message") }),
    "GET /api/public/comments": () => ({ path: "/api/public/comments", query: { objectType: "TRACE", objectId: fx.traceId }, status: 200, shape: page }),
    "POST /api/public/comments": () => ({ path: "/api/public/comments", body: { projectId: "local", objectType: "TRACE", objectId: fx.traceId, content: "hi" }, status: 200, shape: has("id") }),
    "GET /api/public/comments/{commentId}": () => ({ path: `/api/public/comments/${fx.commentId}`, status: 200, shape: has("id", "projectId", "objectType", "objectId", "content", "authorUserId") }),
    "GET /api/public/dataset-items": () => ({ path: "/api/public/dataset-items", query: { datasetName: fx.datasetName }, status: 200, shape: page }),
    "POST /api/public/dataset-items": () => ({ path: "/api/public/dataset-items", body: { datasetName: fx.datasetName, input: { x: 2 } }, status: 200, shape: has("id", "datasetId", "input") }),
    "GET /api/public/dataset-items/{id}": () => ({ path: `/api/public/dataset-items/${fx.itemId}`, status: 200, shape: has("id", "status", "datasetName") }),
    "DELETE /api/public/dataset-items/{id}": () => ({ path: `/api/public/dataset-items/${fx.itemId}`, status: 200, shape: has("message") }),
    "GET /api/public/dataset-run-items": () => ({ path: "/api/public/dataset-run-items", query: { datasetId: fx.datasetId, runName: fx.runName }, status: 200, shape: page }),
    "POST /api/public/dataset-run-items": () => ({ path: "/api/public/dataset-run-items", body: { runName: fx.runName, datasetItemId: fx.itemId, traceId: fx.traceId }, status: 200, shape: has("id", "datasetRunId", "datasetItemId", "traceId") }),
    "GET /api/public/datasets/{datasetName}/runs": () => ({ path: `/api/public/datasets/${fx.datasetName}/runs`, status: 200, shape: page }),
    "GET /api/public/datasets/{datasetName}/runs/{runName}": () => ({ path: `/api/public/datasets/${fx.datasetName}/runs/${fx.runName}`, status: 200, shape: has("id", "name", "datasetRunItems") }),
    "DELETE /api/public/datasets/{datasetName}/runs/{runName}": () => ({ path: `/api/public/datasets/${fx.datasetName}/runs/${fx.runName}`, status: 200, shape: has("message") }),
    "GET /api/public/experiment-items": () => ({ path: "/api/public/experiment-items", query: { fromStartTime: FROM }, status: 200, shape: cursorPage }),
    "GET /api/public/experiments": () => ({ path: "/api/public/experiments", query: { fromStartTime: FROM }, status: 200, shape: cursorPage }),
    "GET /api/public/health": () => ({ path: "/api/public/health", status: 200, shape: has("status", "version") }),
    "POST /api/public/ingestion": () => ({
      path: "/api/public/ingestion",
      body: { batch: [{ id: randomUUID(), type: "trace-create", timestamp: new Date().toISOString(), body: { id: randomUUID(), name: "walk" } }] },
      status: 207,
      shape: (j) => expect(j).toEqual({ successes: [expect.objectContaining({ status: 201 })], errors: [] }),
    }),
    "POST /api/public/media": () => {
      const bytes = Buffer.from(`walk ${randomUUID()}`);
      return {
        path: "/api/public/media",
        body: { traceId: fx.traceId, field: "input", contentType: "text/plain", contentLength: bytes.length, sha256Hash: createHash("sha256").update(bytes).digest("base64") },
        status: 201,
        shape: has("mediaId", "uploadUrl"),
      };
    },
    "GET /api/public/media/{mediaId}": () => ({ path: `/api/public/media/${fx.mediaId}`, status: 200, shape: has("mediaId", "contentType", "contentLength", "url") }),
    "PATCH /api/public/media/{mediaId}": () => ({ path: `/api/public/media/${fx.mediaId}`, body: { uploadedAt: new Date().toISOString(), uploadHttpStatus: 200 }, status: 200 }),
    "GET /api/public/metrics": () => ({ path: "/api/public/metrics", query: { query: metricsQuery("traces") }, status: 200, shape: (j) => expect(j.data).toEqual([expect.objectContaining({ count_count: expect.any(Number) })]) }),
    "GET /api/public/v2/metrics": () => ({ path: "/api/public/v2/metrics", query: { query: metricsQuery("observations") }, status: 200, shape: (j) => expect(j.data).toEqual([expect.objectContaining({ count_count: expect.any(Number) })]) }),
    "GET /api/public/models": () => ({ path: "/api/public/models", status: 200, shape: page }),
    "POST /api/public/models": () => ({ path: "/api/public/models", body: { modelName: `walk-${randomUUID()}`, matchPattern: "^walk$", unit: "TOKENS", inputPrice: 0.1 }, status: 200, shape: has("id", "modelName", "matchPattern", "prices", "pricingTiers", "isLangfuseManaged") }),
    "GET /api/public/models/{id}": () => ({ path: `/api/public/models/${fx.modelId}`, status: 200, shape: has("id", "modelName", "inputPrice", "outputPrice", "totalPrice", "unit", "tokenizerId") }),
    "PUT /api/public/models/{id}": () => ({ path: `/api/public/models/${fx.modelId}`, body: { modelName: "walk-put", matchPattern: "^walk-put$", unit: "TOKENS", outputPrice: 0.2 }, status: 200, shape: (j) => expect(j.outputPrice).toBe(0.2) }),
    "DELETE /api/public/models/{id}": () => ({ path: `/api/public/models/${fx.modelId}`, status: 200, shape: (j) => expect(j).toEqual({ message: "Model successfully deleted" }) }),
    "GET /api/public/observations": () => ({ path: "/api/public/observations", query: { traceId: fx.traceId }, status: 200, shape: page }),
    "GET /api/public/observations/{observationId}": () => ({ path: `/api/public/observations/${fx.observationId}`, status: 200, shape: has("id", "traceId", "type", "startTime") }),
    "POST /api/public/otel/v1/traces": () => ({
      path: "/api/public/otel/v1/traces",
      body: otlpJson([{ traceId: "ab".repeat(16), spanId: "cd".repeat(8), name: "walk", startMs: Date.now(), endMs: Date.now() + 1, attributes: {} }]),
      status: 200,
    }),
    "GET /api/public/projects": () => ({ path: "/api/public/projects", status: 200, shape: (j) => expect(j.data[0]).toMatchObject({ id: "local" }) }),
    "GET /api/public/score-configs": () => ({ path: "/api/public/score-configs", status: 200, shape: page }),
    "POST /api/public/score-configs": () => ({ path: "/api/public/score-configs", body: { name: "walk", dataType: "BOOLEAN" }, status: 200, shape: has("id", "name", "dataType", "isArchived", "categories") }),
    "GET /api/public/score-configs/{configId}": () => ({ path: `/api/public/score-configs/${fx.configId}`, status: 200, shape: has("id", "name", "dataType", "isArchived") }),
    "PATCH /api/public/score-configs/{configId}": () => ({ path: `/api/public/score-configs/${fx.configId}`, body: { description: "walked" }, status: 200, shape: (j) => expect(j.description).toBe("walked") }),
    "POST /api/public/scores": () => ({ path: "/api/public/scores", body: { name: "walk", value: 1, traceId: fx.traceId }, status: 200, shape: has("id") }),
    "DELETE /api/public/scores/{scoreId}": () => ({ path: `/api/public/scores/${fx.scoreId}`, status: 200, shape: has("message") }),
    "GET /api/public/sessions": () => ({ path: "/api/public/sessions", status: 200, shape: page }),
    "GET /api/public/sessions/{sessionId}": () => ({ path: `/api/public/sessions/${fx.sessionId}`, status: 200, shape: has("id", "traces") }),
    "GET /api/public/traces": () => ({ path: "/api/public/traces", status: 200, shape: page }),
    "GET /api/public/traces/{traceId}": () => ({ path: `/api/public/traces/${fx.traceId}`, status: 200, shape: has("id", "observations", "scores", "htmlPath") }),
    "DELETE /api/public/traces/{traceId}": () => ({ path: `/api/public/traces/${fx.traceId}`, status: 200, shape: (j) => expect(j).toEqual({ message: "Trace deleted successfully" }) }),
    "DELETE /api/public/traces": () => ({ path: "/api/public/traces", body: { traceIds: [randomUUID()] }, status: 200, shape: (j) => expect(j).toEqual({ message: "Traces deleted successfully" }) }),
    "GET /api/public/v2/datasets": () => ({ path: "/api/public/v2/datasets", status: 200, shape: page }),
    "POST /api/public/v2/datasets": () => ({ path: "/api/public/v2/datasets", body: { name: `walk-${randomUUID()}` }, status: 200, shape: has("id", "name") }),
    "GET /api/public/v2/datasets/{datasetName}": () => ({ path: `/api/public/v2/datasets/${fx.datasetName}`, status: 200, shape: has("id", "name", "createdAt") }),
    "GET /api/public/v2/observations": () => ({ path: "/api/public/v2/observations", query: { traceId: fx.traceId, fields: "core,basic" }, status: 200, shape: cursorPage }),
    "GET /api/public/v2/prompts": () => ({ path: "/api/public/v2/prompts", status: 200, shape: page }),
    "POST /api/public/v2/prompts": () => ({ path: "/api/public/v2/prompts", body: { name: fx.promptName, type: "text", prompt: "v2 {{x}}" }, status: 201, shape: has("name", "version", "prompt") }),
    "GET /api/public/v2/prompts/{promptName}": () => ({ path: `/api/public/v2/prompts/${fx.promptName}`, query: { version: "1" }, status: 200, shape: has("name", "version", "type", "prompt") }),
    "PATCH /api/public/v2/prompts/{name}/versions/{version}": () => ({ path: `/api/public/v2/prompts/${fx.promptName}/versions/1`, body: { newLabels: ["staging"] }, status: 200, shape: (j) => expect(j.labels).toContain("staging") }),
    "DELETE /api/public/v2/prompts/{promptName}": () => ({ path: `/api/public/v2/prompts/${fx.promptName}`, status: 204 }),
    "GET /api/public/v2/scores": () => ({ path: "/api/public/v2/scores", status: 200, shape: page }),
    "GET /api/public/v2/scores/{scoreId}": () => ({ path: `/api/public/v2/scores/${fx.scoreId}`, status: 200, shape: has("id", "name", "value", "dataType") }),
    "GET /api/public/v3/scores": () => ({ path: "/api/public/v3/scores", query: { fields: "core,subject" }, status: 200, shape: (j) => (cursorPage(j), expect(j.meta.limit).toBe(50)) }),
  };
}

let h: Harness;
let fx: Fx;

beforeAll(async () => {
  h = await startHarness();
  const api = new HttpApi({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: TEST_SK, timeoutSeconds: 20, maxRetries: 0 });
  const traceId = randomUUID();
  const observationId = randomUUID();
  const sessionId = `walk-session-${randomUUID()}`;
  await api.ingestion.batch([
    { id: randomUUID(), type: "trace-create", timestamp: new Date().toISOString(), body: { id: traceId, name: "walk", sessionId } },
    { id: randomUUID(), type: "span-create", timestamp: new Date().toISOString(), body: { id: observationId, traceId, name: "s" } },
  ] as never);
  const { id: scoreId } = await api.scores.create({ name: "walk", value: 1, traceId });
  const datasetName = `walk-${randomUUID()}`;
  const dataset = await api.datasets.create({ name: datasetName });
  const item = await api.datasetItems.upsert({ datasetName, input: { x: 1 } });
  const runName = "walk-run";
  await api.datasetRunItems.create({ runName, datasetItemId: item.id, traceId });
  const promptName = `walk-${randomUUID()}`;
  await api.prompts.create({ name: promptName, prompt: "hello {{x}}" });
  const bytes = Buffer.from(`walk media ${randomUUID()}`);
  const media = await api.media.create({ traceId, field: "input", contentType: "text/plain", contentLength: bytes.length, sha256Hash: createHash("sha256").update(bytes).digest("base64") });
  const put = await fetch(media.uploadUrl!, { method: "PUT", body: bytes, headers: { "content-type": "text/plain", authorization: h.basic } });
  expect(put.status).toBeLessThan(300);
  await api.media.patch(media.mediaId, { uploadedAt: new Date().toISOString(), uploadHttpStatus: 200 });
  const model = await api.models.create({ modelName: "walk-model", matchPattern: "^walk-model$", unit: "TOKENS", inputPrice: 1 });
  const config = await api.scoreConfigs.create({ name: "walk-config", dataType: "NUMERIC" });
  const { id: commentId } = await api.comments.create({ projectId: "local", objectType: "TRACE", objectId: traceId, content: "walk" });
  const queue = await api.annotationQueues.create({ name: "walk-queue", scoreConfigIds: [config.id] });
  const queueItem = await api.annotationQueues.createItem(queue.id, { objectId: traceId, objectType: "TRACE" });
  fx = {
    traceId, observationId, sessionId, scoreId, datasetName, datasetId: dataset.id, itemId: item.id, runName, promptName, mediaId: media.mediaId,
    modelId: model.id, configId: config.id, commentId, queueId: queue.id, queueItemId: queueItem.id,
  };
});
afterAll(async () => h?.stop());

// Deletes last, so the reads find their fixtures.
const ordered = [...operations].sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));

describe("Langfuse API 4.35.0 contract on the local server", () => {
  test("the contract file is there and every operation is either served or listed as out of scope", () => {
    expect(operations.length).toBeGreaterThan(100);
    const served = new Set(Object.keys(requests({} as Fx)));
    const unclassified = operations.map((o) => o.key).filter((k) => !served.has(k) && !outOfScope.has(k));
    expect(unclassified).toEqual([]);
    const both = operations.map((o) => o.key).filter((k) => served.has(k) && outOfScope.has(k));
    expect(both).toEqual([]);
  });

  test.each(ordered.map((o) => [o.key, o] as const))("%s", async (key, op) => {
    if (outOfScope.has(key)) {
      const path = op.path.replace(/\{(\w+)\}/g, "x");
      const res = await h.call(op.method, path, op.method === "GET" || op.method === "DELETE" ? {} : { body: {} });
      expect(res.status).toBe(501);
      expect((res.json as { message: string; error: string }).message).toMatch(/is not supported by the local langfuse-decorators server: .{20,}/);
      expect((res.json as { error: string }).error).toBe("NotImplementedError");
      // Still authenticated like every project route.
      expect((await h.call(op.method, path, { auth: false })).status).toBe(401);
      return;
    }
    const call = requests(fx)[key]!();
    const qs = call.query ? `?${new URLSearchParams(call.query).toString()}` : "";
    const res = await h.call(op.method, `${call.path}${qs}`, { body: call.body, headers: call.headers });
    if (res.status !== call.status) throw new Error(`${key}: expected ${call.status}, got ${res.status}: ${res.text.slice(0, 500)}`);
    call.shape?.(res.json);
    // Required query parameters of the contract are required here too.
    const requiredQuery = op.parameters.filter((p) => p.location === "query" && p.required).map((p) => p.name);
    for (const name of requiredQuery) expect(call.query ?? {}).toHaveProperty(name);
  });
});

/**
 * Models (custom prices used by cost computation), score configs (scores checked against them),
 * comments, annotation queues, trace and dataset-run deletes, experiments: through HttpApi
 * against the local server, which serves them from LocalApi over SQLite.
 */
import { randomUUID } from "node:crypto";
import { HttpApi } from "../../src/api/http/http-api";
import { LangfuseApiError } from "../../src/api/errors";
import type * as V4 from "../../src/api/types-v4";
import { startHarness, TEST_PK, TEST_SK, type Harness } from "./server-harness";
import { otlpJson } from "../api/contract/api-contract";

let h: Harness;
let api: HttpApi;

beforeAll(async () => {
  h = await startHarness();
  api = new HttpApi({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: TEST_SK, timeoutSeconds: 20, maxRetries: 0 });
});
afterAll(async () => h.stop());

async function apiError(p: Promise<unknown>): Promise<LangfuseApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LangfuseApiError);
  return e as LangfuseApiError;
}
const messageOf = (e: LangfuseApiError) => (e.body as { message: string }).message;
const now = () => new Date().toISOString();

async function generation(model: string, usage: Record<string, number>): Promise<{ traceId: string; id: string }> {
  const traceId = randomUUID();
  const id = randomUUID();
  const res = await api.ingestion.batch([
    { id: randomUUID(), type: "generation-create", timestamp: now(), body: { id, traceId, name: "g", model, usageDetails: usage, startTime: now(), endTime: now() } },
  ] as V4.LegacyIngestionEvent[]);
  expect(res.errors).toEqual([]);
  return { traceId, id };
}

describe("models", () => {
  test("a custom model price changes the cost of new generations (legacy ingestion and OTLP)", async () => {
    const before = await generation("gpt-4o", { input: 1_000_000, output: 0 });
    expect((await api.observations.get(before.id)).costDetails.input).toBeCloseTo(2.5, 8);

    const model = await api.models.create({ modelName: "my-gpt-4o", matchPattern: "(?i)^gpt-4o$", unit: "TOKENS", inputPrice: 0.000001, outputPrice: 0.000004 });
    expect(model).toMatchObject({ modelName: "my-gpt-4o", isLangfuseManaged: false, inputPrice: 0.000001, outputPrice: 0.000004, prices: { input: { price: 0.000001 } } });

    const after = await generation("gpt-4o", { input: 1_000_000, output: 1_000_000 });
    expect((await api.observations.get(after.id)).costDetails).toEqual({ input: 1, output: 4, total: 5 });
    // the old generation keeps its cost
    expect((await api.observations.get(before.id)).costDetails.input).toBeCloseTo(2.5, 8);

    // OTLP spans use the same lookup
    const traceId = randomUUID().replace(/-/g, "");
    const spanId = randomUUID().replace(/-/g, "").slice(0, 16);
    const t = Date.now();
    const res = await h.call("POST", "/api/public/otel/v1/traces", {
      body: otlpJson([
        {
          traceId,
          spanId,
          name: "llm",
          startMs: t,
          endMs: t + 10,
          attributes: { "langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o", "langfuse.observation.usage_details": JSON.stringify({ input: 2_000_000 }) },
        },
      ]),
    });
    expect(res.status).toBe(200);
    expect((await api.observations.get(spanId)).costDetails.input).toBeCloseTo(2, 8);

    // tiers: the first non-default tier whose conditions pass
    await api.models.upsert(model.id, {
      modelName: "my-gpt-4o",
      matchPattern: "(?i)^gpt-4o$",
      unit: "TOKENS",
      pricingTiers: [
        { name: "Standard", isDefault: true, priority: 0, conditions: [], prices: { input: 0.000001 } },
        { name: "Long", isDefault: false, priority: 1, conditions: [{ usageDetailPattern: "input", operator: "gt", value: 1_500_000 }], prices: { input: 0.000003 } },
      ],
    });
    expect((await api.observations.get((await generation("gpt-4o", { input: 1_000_000 })).id)).costDetails.input).toBeCloseTo(1, 8);
    expect((await api.observations.get((await generation("gpt-4o", { input: 2_000_000 })).id)).costDetails.input).toBeCloseTo(6, 8);

    expect((await api.models.get(model.id)).pricingTiers).toHaveLength(2);
    const list = await api.models.list({ limit: 100 });
    expect(list.data[0]!.id).toBe(model.id);
    expect(list.data.some((m) => m.isLangfuseManaged && m.modelName === "gpt-4o")).toBe(true);
    expect(list.meta.totalItems).toBeGreaterThan(100);

    expect(await api.models.delete(model.id)).toEqual({ message: "Model successfully deleted" });
    expect((await api.observations.get((await generation("gpt-4o", { input: 1_000_000 })).id)).costDetails.input).toBeCloseTo(2.5, 8);
    const builtIn = list.data.find((m) => m.isLangfuseManaged)!;
    expect(messageOf(await apiError(api.models.delete(builtIn.id)))).toContain("You cannot delete built-in models");
  });

  test("invalid model bodies are refused with the server's messages", async () => {
    expect(messageOf(await apiError(api.models.create({ modelName: "x", matchPattern: "x", unit: "TOKENS" })))).toBe("Invalid request data");
    const e = await apiError(api.models.create({ modelName: "x", matchPattern: "x", unit: "TOKENS", inputPrice: 1, totalPrice: 2 }));
    expect(JSON.stringify(e.body)).toContain("If input and/or output price is set, total price must be null");
    expect(messageOf(await apiError(api.models.create({ modelName: "x", matchPattern: "(", unit: "TOKENS", inputPrice: 1 })))).toBe("matchPattern is not a valid regex pattern (Postgres)");
    await api.models.create({ modelName: "dup", matchPattern: "dup", unit: "TOKENS", inputPrice: 1 });
    expect(messageOf(await apiError(api.models.create({ modelName: "dup", matchPattern: "dup", unit: "TOKENS", inputPrice: 1 })))).toBe("Model name 'dup' already exists in project");
  });
});

describe("score configs", () => {
  test("create, list, get, update; scores naming a config are checked against it", async () => {
    const numeric = await api.scoreConfigs.create({ name: "relevance", dataType: "NUMERIC", minValue: 0, maxValue: 1, description: "0..1" });
    expect(numeric).toMatchObject({ name: "relevance", dataType: "NUMERIC", minValue: 0, maxValue: 1, isArchived: false, projectId: "local" });
    const cat = await api.scoreConfigs.create({ name: "tone", dataType: "CATEGORICAL", categories: [{ label: "good", value: 1 }, { label: "bad", value: 0 }] });
    const bool = await api.scoreConfigs.create({ name: "ok", dataType: "BOOLEAN" });
    expect(bool.categories).toEqual([{ label: "True", value: 1 }, { label: "False", value: 0 }]);
    expect((await api.scoreConfigs.get(cat.id)).categories).toHaveLength(2);
    expect((await api.scoreConfigs.list()).meta.totalItems).toBe(3);

    const traceId = randomUUID();
    const fine = await api.scores.create({ name: "whatever", value: 0.5, traceId, configId: numeric.id });
    expect((await api.scores.get(fine.id)).name).toBe("relevance");
    const catScore = await api.scores.create({ name: "tone", value: "good", traceId, configId: cat.id });
    expect(await api.scores.get(catScore.id)).toMatchObject({ value: 1, stringValue: "good", dataType: "CATEGORICAL", configId: cat.id });
    const boolScore = await api.scores.create({ name: "ok", value: 1, traceId, configId: bool.id });
    expect(await api.scores.get(boolScore.id)).toMatchObject({ dataType: "BOOLEAN", stringValue: "True" });

    const refused: [Parameters<HttpApi["scores"]["create"]>[0], string, number][] = [
      [{ name: "relevance", value: 1.5, traceId, configId: numeric.id }, "Ingested score body not valid against provided config:  - Value exceeds maximum value of 1 defined in config", 400],
      [{ name: "relevance", value: -1, traceId, configId: numeric.id }, "Ingested score body not valid against provided config:  - Value is below minimum value of 0 defined in config", 400],
      [{ name: "tone", value: "meh", traceId, configId: cat.id }, "Ingested score body not valid against provided config:  - Value meh does not map to a valid category. Pass a valid category value.", 400],
      [{ name: "relevance", value: "x", dataType: "CATEGORICAL", traceId, configId: numeric.id }, "Data type mismatch based on config: expected NUMERIC, got CATEGORICAL", 400],
      [{ name: "relevance", value: 1, traceId, configId: "nope" }, "The configId you provided does not match a valid config in this project", 404],
    ];
    for (const [body, message, status] of refused) {
      const e = await apiError(api.scores.create(body));
      expect({ status: e.status, message: messageOf(e) }).toEqual({ status, message });
    }
    // ingestion events are checked too (one 400 entry, the good one stored)
    const batch = await api.ingestion.batch([
      { id: "bad", type: "score-create", timestamp: now(), body: { id: randomUUID(), name: "relevance", value: 7, traceId, configId: numeric.id } },
      { id: "good", type: "score-create", timestamp: now(), body: { id: randomUUID(), name: "relevance", value: 0.7, traceId, configId: numeric.id } },
    ]);
    expect(batch.successes.map((s) => s.id)).toEqual(["good"]);
    expect(batch.errors[0]).toMatchObject({ id: "bad", status: 400 });

    const archived = await api.scoreConfigs.update(numeric.id, { isArchived: true, description: "old" });
    expect(archived).toMatchObject({ isArchived: true, description: "old" });
    expect(messageOf(await apiError(api.scores.create({ name: "relevance", value: 0.5, traceId, configId: numeric.id })))).toBe(
      "Config is archived and cannot be used to create new scores. Please restore the config first.",
    );
  });

  test("invalid configs are refused", async () => {
    const bad = [
      { name: "r", dataType: "NUMERIC", minValue: 2, maxValue: 1 },
      { name: "c", dataType: "CATEGORICAL", categories: [{ label: "a", value: 1 }, { label: "a", value: 2 }] },
      { name: "c", dataType: "CATEGORICAL" },
      { name: "", dataType: "NUMERIC" },
      { name: "x", dataType: "CORRECTION" },
    ];
    for (const body of bad) expect((await apiError(api.scoreConfigs.create(body as V4.CreateScoreConfigRequest))).status).toBe(400);
    expect((await apiError(api.scoreConfigs.update(randomUUID(), { name: "x" }))).status).toBe(404);
    const cfg = await api.scoreConfigs.create({ name: "u", dataType: "TEXT" });
    expect(messageOf(await apiError(api.scoreConfigs.update(cfg.id, {})))).toBe("Invalid request data");
  });
});

describe("comments, annotation queues, deletes", () => {
  test("comments on existing objects; filters; 404 for unknown objects", async () => {
    const traceId = randomUUID();
    await api.ingestion.batch([{ id: randomUUID(), type: "trace-create", timestamp: now(), body: { id: traceId, name: "c" } }] as V4.LegacyIngestionEvent[]);
    const { id } = await api.comments.create({ projectId: "local", objectType: "TRACE", objectId: traceId, content: " looks right ", authorUserId: "u1" });
    expect(await api.comments.get(id)).toMatchObject({ objectType: "TRACE", objectId: traceId, content: "looks right", authorUserId: "u1", projectId: "local" });
    expect((await api.comments.list({ objectType: "TRACE", objectId: traceId })).data.map((c) => c.id)).toEqual([id]);
    expect((await api.comments.list({ authorUserId: "nobody" })).data).toEqual([]);
    expect((await apiError(api.comments.create({ projectId: "local", objectType: "TRACE", objectId: "missing", content: "x" }))).status).toBe(404);
    expect((await apiError(api.comments.create({ projectId: "local", objectType: "TRACE", objectId: traceId, content: "" }))).status).toBe(400);
    expect((await apiError(api.comments.list({ objectId: traceId }))).status).toBe(400);
  });

  test("annotation queues: queue, items (status changes), assignments", async () => {
    const cfg = await api.scoreConfigs.create({ name: "q-score", dataType: "NUMERIC" });
    const queue = await api.annotationQueues.create({ name: `queue-${randomUUID()}`, description: "review", scoreConfigIds: [cfg.id] });
    expect(queue).toMatchObject({ description: "review", scoreConfigIds: [cfg.id] });
    expect((await api.annotationQueues.get(queue.id)).name).toBe(queue.name);
    expect((await api.annotationQueues.list()).data.some((q) => q.id === queue.id)).toBe(true);
    expect((await apiError(api.annotationQueues.create({ name: "bad", scoreConfigIds: ["nope"] }))).status).toBe(400);

    const traceId = randomUUID();
    await api.ingestion.batch([{ id: randomUUID(), type: "trace-create", timestamp: now(), body: { id: traceId } }] as V4.LegacyIngestionEvent[]);
    const item = await api.annotationQueues.createItem(queue.id, { objectId: traceId, objectType: "TRACE" });
    expect(item).toMatchObject({ queueId: queue.id, status: "PENDING", completedAt: null });
    const done = await api.annotationQueues.updateItem(queue.id, item.id, { status: "COMPLETED" });
    expect(done.completedAt).toEqual(expect.any(String));
    expect((await api.annotationQueues.listItems(queue.id, { status: "COMPLETED" })).data.map((i) => i.id)).toEqual([item.id]);
    expect((await api.annotationQueues.listItems(queue.id, { status: "PENDING" })).data).toEqual([]);
    expect(await api.annotationQueues.getItem(queue.id, item.id)).toMatchObject({ status: "COMPLETED" });
    expect(await api.annotationQueues.createAssignment(queue.id, { userId: "u1" })).toEqual({ userId: "u1", queueId: queue.id, projectId: "local" });
    expect(await api.annotationQueues.deleteAssignment(queue.id, { userId: "u1" })).toEqual({ success: true });
    expect((await api.annotationQueues.deleteItem(queue.id, item.id)).success).toBe(true);
    expect((await apiError(api.annotationQueues.getItem(queue.id, item.id))).status).toBe(404);
    expect((await apiError(api.annotationQueues.createItem(queue.id, { objectId: "missing", objectType: "TRACE" }))).status).toBe(404);
    expect((await apiError(api.annotationQueues.get("missing"))).status).toBe(404);
  });

  test("DELETE traces (one and many) removes observations and scores; DELETE dataset run removes its items", async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const traceId of ids) {
      await api.ingestion.batch([
        { id: randomUUID(), type: "trace-create", timestamp: now(), body: { id: traceId, name: "del" } },
        { id: randomUUID(), type: "span-create", timestamp: now(), body: { id: `span-${traceId}`, traceId } },
        { id: randomUUID(), type: "score-create", timestamp: now(), body: { id: `score-${traceId}`, name: "s", value: 1, traceId } },
      ] as V4.LegacyIngestionEvent[]);
    }
    expect(await api.traces.delete(ids[0]!)).toEqual({ message: "Trace deleted successfully" });
    expect((await apiError(api.traces.get(ids[0]!))).status).toBe(404);
    expect((await apiError(api.observations.get(`span-${ids[0]}`))).status).toBe(404);
    expect((await apiError(api.scores.get(`score-${ids[0]}`))).status).toBe(404);
    expect(await api.traces.deleteMany([ids[1]!, ids[2]!])).toEqual({ message: "Traces deleted successfully" });
    for (const id of ids.slice(1)) expect((await apiError(api.traces.get(id))).status).toBe(404);
    expect((await apiError(api.traces.deleteMany([]))).status).toBe(400);

    const ds = await api.datasets.create({ name: `del-${randomUUID()}` });
    const item = await api.datasetItems.upsert({ datasetName: ds.name, input: 1 });
    await api.datasetRunItems.create({ runName: "r1", datasetItemId: item.id, traceId: randomUUID() });
    expect((await api.datasets.getRun(ds.name, "r1")).datasetRunItems).toHaveLength(1);
    expect(await api.datasets.deleteRun(ds.name, "r1")).toEqual({ message: "Dataset run successfully deleted" });
    expect((await apiError(api.datasets.getRun(ds.name, "r1"))).status).toBe(404);
    expect((await apiError(api.datasets.deleteRun(ds.name, "r1"))).status).toBe(404);
  });

  test("v3 scores filters, cursor and validation messages", async () => {
    const traceId = randomUUID();
    for (let i = 0; i < 5; i++) await api.scores.create({ name: "pg", value: i, traceId });
    await api.scores.create({ name: "pg-cat", value: "x", traceId });
    const first = await api.scoresV3.list({ traceId, name: "pg", limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.meta).toMatchObject({ limit: 2, cursor: expect.any(String) });
    const seen = [...first.data];
    let cursor = first.meta.cursor;
    for (let i = 0; i < 5 && cursor; i++) {
      const next = await api.scoresV3.list({ traceId, name: "pg", limit: 2, cursor });
      seen.push(...next.data);
      cursor = next.meta.cursor;
    }
    expect(seen.map((s) => s.value).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(seen[0]!.comment).toBeUndefined();
    const ranged = await api.scoresV3.list({ traceId, dataType: "NUMERIC", valueMin: 1, valueMax: 3 });
    expect(ranged.data.map((s) => s.value).sort()).toEqual([1, 2, 3]);
    expect((await api.scoresV3.list({ traceId, dataType: "CATEGORICAL", value: "x" })).data).toHaveLength(1);
    const e = await apiError(api.scoresV3.list({ valueMin: 1 }));
    expect(JSON.stringify(e.body)).toContain("valueMin and valueMax require dataType=NUMERIC as a single value");
    const userId = await h.call("GET", "/api/public/v3/scores?userId=u");
    expect(userId.status).toBe(400);
    expect(userId.text).toContain("userId filter requires a trace JOIN and is not supported in v3");
  });
});

describe("4.x query parameters on the v1 lists", () => {
  test("observations by userId and version; v2 scores by configId, userId, scoreIds, value/operator; JSON filter is a 400", async () => {
    const traceId = randomUUID();
    const user = `u-${randomUUID()}`;
    await api.ingestion.batch([
      { id: randomUUID(), type: "trace-create", timestamp: now(), body: { id: traceId, userId: user } },
      { id: randomUUID(), type: "span-create", timestamp: now(), body: { id: `a-${traceId}`, traceId, version: "v1" } },
      { id: randomUUID(), type: "span-create", timestamp: now(), body: { id: `b-${traceId}`, traceId, version: "v2" } },
    ] as V4.LegacyIngestionEvent[]);
    expect((await api.observations.list({ userId: user })).data).toHaveLength(2);
    expect((await api.observations.list({ userId: user, version: "v2" })).data.map((o) => o.id)).toEqual([`b-${traceId}`]);

    const cfg = await api.scoreConfigs.create({ name: "v1-filter", dataType: "NUMERIC" });
    const s1 = await api.scores.create({ name: "v1-filter", value: 1, traceId, configId: cfg.id });
    const s2 = await api.scores.create({ name: "other", value: 5, traceId });
    expect((await api.scores.list({ configId: cfg.id })).data.map((s) => s.id)).toEqual([s1.id]);
    expect((await api.scores.list({ userId: user })).data).toHaveLength(2);
    expect((await api.scores.list({ scoreIds: `${s2.id},nope` })).data.map((s) => s.id)).toEqual([s2.id]);
    expect((await api.scores.list({ userId: user, value: 2, operator: ">" })).data.map((s) => s.id)).toEqual([s2.id]);

    const filter = encodeURIComponent(JSON.stringify([{ column: "name", operator: "=", value: "x", type: "string" }]));
    for (const path of ["/api/public/traces", "/api/public/observations", "/api/public/v2/scores"]) {
      const res = await h.call("GET", `${path}?filter=${filter}`);
      expect(res.status).toBe(400);
      expect(res.text).toContain("The filter parameter is not supported on this list by the local server");
    }
  });
});

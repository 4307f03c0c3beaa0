/**
 * GET /api/public/v2/metrics over the local server: the acceptance queries of issue 12, each
 * checked against values computed here from the data the test wrote, plus the server's 400s.
 */
import { randomUUID } from "node:crypto";
import { HttpApi } from "../../src/api/http/http-api";
import { LangfuseApiError } from "../../src/api/errors";
import type * as V4 from "../../src/api/types-v4";
import { percentile } from "../../src/local/api/metrics";
import { startHarness, TEST_PK, TEST_SK, type Harness } from "./server-harness";

let h: Harness;
let api: HttpApi;

const DAY1 = "2026-03-02";
const DAY2 = "2026-03-03";
const FROM = "2026-03-01T00:00:00.000Z";
const TO = "2026-03-05T00:00:00.000Z";
const at = (day: string, sec: number) => new Date(Date.parse(`${day}T10:00:00.000Z`) + sec * 1000).toISOString();

interface Gen {
  traceId: string;
  model: string;
  latencyMs: number;
  cost: number;
  user: string;
}
const gens: Gen[] = [];
const roots: { traceName: string; day: string }[] = [];
const runScores: { run: string; value: number }[] = [];

beforeAll(async () => {
  h = await startHarness();
  api = new HttpApi({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: TEST_SK, timeoutSeconds: 20, maxRetries: 0 });
  const events: V4.LegacyIngestionEvent[] = [];
  const ev = (type: string, body: object) => events.push({ id: randomUUID(), type, timestamp: new Date().toISOString(), body } as V4.LegacyIngestionEvent);
  const users = ["alice", "bob", "carol"];
  const models = ["gpt-4o", "claude-3-5-sonnet"];
  let n = 0;
  for (const day of [DAY1, DAY2]) {
    for (let i = 0; i < 7; i++) {
      n++;
      const traceId = randomUUID();
      const traceName = i % 3 === 0 ? "search" : "chat";
      const user = users[n % users.length]!;
      ev("trace-create", { id: traceId, name: traceName, userId: user, timestamp: at(day, i) });
      const rootId = randomUUID();
      ev("span-create", { id: rootId, traceId, name: "root", startTime: at(day, i), endTime: at(day, i + 5) });
      roots.push({ traceName, day });
      for (let j = 0; j < 2; j++) {
        const model = models[(n + j) % 2]!;
        const latencyMs = 100 * ((n * 7 + j * 13) % 17) + 50;
        const cost = Math.round(((n * 3 + j) % 5) * 1000 + 250) / 1e6;
        const start = Date.parse(at(day, i)) + 100;
        ev("generation-create", {
          id: randomUUID(),
          traceId,
          parentObservationId: rootId,
          name: "llm",
          model,
          startTime: new Date(start).toISOString(),
          endTime: new Date(start + latencyMs).toISOString(),
          usageDetails: { input: 10, output: 5 },
          costDetails: { total: cost },
        });
        gens.push({ traceId, model, latencyMs, cost, user });
      }
    }
  }
  const res = await api.ingestion.batch(events);
  expect(res.errors).toEqual([]);

  // Two dataset runs over the same items; each run item's trace gets an "accuracy" score.
  await api.datasets.create({ name: `metrics-${randomUUID()}` }).then(async (ds) => {
    const items = await Promise.all([0, 1, 2].map((i) => api.datasetItems.upsert({ datasetName: ds.name, input: { i } })));
    for (const [run, base] of [["run-a", 0.5], ["run-b", 0.8]] as const) {
      for (const [k, item] of items.entries()) {
        const traceId = randomUUID();
        await api.ingestion.batch([
          { id: randomUUID(), type: "trace-create", timestamp: new Date().toISOString(), body: { id: traceId, name: "exp", timestamp: at(DAY1, 100 + k) } } as V4.LegacyIngestionEvent,
        ]);
        await api.datasetRunItems.create({ runName: run, datasetItemId: item.id, traceId });
        const value = base + k * 0.05;
        await api.scores.create({ name: "accuracy", value, traceId });
        runScores.push({ run, value });
      }
    }
  });
});
afterAll(async () => h.stop());

const rowsOf = (r: V4.MetricsResponse) => r.data;

describe("metrics v2", () => {
  test("count of root observations by trace name per day", async () => {
    const res = await api.metrics.query({
      view: "observations",
      dimensions: [{ field: "traceName" }],
      metrics: [{ measure: "count", aggregation: "count" }],
      filters: [
        { column: "isRootObservation", operator: "=", value: true, type: "boolean" },
        { column: "traceName", operator: "any of", value: ["search", "chat"], type: "stringOptions" },
      ],
      timeDimension: { granularity: "day" },
      fromTimestamp: FROM,
      toTimestamp: TO,
    });
    const expected = new Map<string, number>();
    for (const r of roots) expected.set(`${r.traceName}|${r.day}T00:00:00.000Z`, (expected.get(`${r.traceName}|${r.day}T00:00:00.000Z`) ?? 0) + 1);
    const got = new Map(rowsOf(res).filter((r) => r.traceName !== null).map((r) => [`${r.traceName}|${r.time_dimension}`, r.count_count]));
    expect(got).toEqual(expected);
    // Days of the range without data are filled with zeros (ClickHouse WITH FILL), in time order.
    const filled = rowsOf(res).filter((r) => r.traceName === null);
    expect(filled).toEqual([
      { traceName: null, time_dimension: "2026-03-01T00:00:00.000Z", count_count: 0 },
      { traceName: null, time_dimension: "2026-03-04T00:00:00.000Z", count_count: 0 },
    ]);
    const times = rowsOf(res).map((r) => r.time_dimension as string);
    expect(times).toEqual([...times].sort());
  });

  test("p95 latency of generations by model", async () => {
    const res = await api.metrics.query({
      view: "observations",
      dimensions: [{ field: "providedModelName" }],
      metrics: [{ measure: "latency", aggregation: "p95" }, { measure: "count", aggregation: "count" }],
      filters: [{ column: "type", operator: "any of", value: ["GENERATION"], type: "stringOptions" }],
      fromTimestamp: FROM,
      toTimestamp: TO,
    });
    const byModel = new Map(rowsOf(res).map((r) => [r.providedModelName, r]));
    for (const model of ["gpt-4o", "claude-3-5-sonnet"]) {
      const lat = gens.filter((g) => g.model === model).map((g) => g.latencyMs).sort((a, b) => a - b);
      expect(byModel.get(model)!.count_count).toBe(lat.length);
      expect(byModel.get(model)!.p95_latency).toBeCloseTo(percentile(lat, 0.95)!, 6);
    }
  });

  test("total cost by user (a high-cardinality dimension needs row_limit and orderBy desc)", async () => {
    const query: V4.MetricsQuery = {
      view: "observations",
      dimensions: [{ field: "userId" }],
      metrics: [{ measure: "totalCost", aggregation: "sum" }],
      fromTimestamp: FROM,
      toTimestamp: TO,
    };
    const err = await api.metrics.query(query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LangfuseApiError);
    expect((err as LangfuseApiError).status).toBe(400);
    expect(((err as LangfuseApiError).body as { message: string }).message).toBe(
      "High cardinality dimension(s) 'userId' require both 'config.row_limit' and 'orderBy' with direction 'desc' on a measure field.",
    );
    const res = await api.metrics.query({ ...query, orderBy: [{ field: "sum_totalCost", direction: "desc" }], config: { row_limit: 10 } });
    const expected = new Map<string, number>();
    for (const g of gens) expected.set(g.user, (expected.get(g.user) ?? 0) + g.cost);
    const rows = rowsOf(res).filter((r) => r.userId !== null);
    expect(rows).toHaveLength(expected.size);
    for (const r of rows) expect(r.sum_totalCost).toBeCloseTo(expected.get(r.userId as string)!, 10);
    const sums = rows.map((r) => r.sum_totalCost as number);
    expect(sums).toEqual([...sums].sort((a, b) => b - a));
  });

  test("mean of a numeric score by run", async () => {
    const res = await api.metrics.query({
      view: "scores-numeric",
      dimensions: [{ field: "experimentName" }],
      metrics: [{ measure: "value", aggregation: "avg" }, { measure: "count", aggregation: "count" }],
      filters: [{ column: "name", operator: "=", value: "accuracy", type: "string" }],
      orderBy: [{ field: "avg_value", direction: "desc" }],
      config: { row_limit: 10 },
      fromTimestamp: new Date(Date.now() - 3600_000).toISOString(),
      toTimestamp: new Date(Date.now() + 3600_000).toISOString(),
    });
    const mean = (run: string) => {
      const v = runScores.filter((s) => s.run === run).map((s) => s.value);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    expect(rowsOf(res).map((r) => r.experimentName)).toEqual(["run-b", "run-a"]);
    for (const r of rowsOf(res)) {
      expect(r.avg_value).toBeCloseTo(mean(r.experimentName as string), 10);
      expect(r.count_count).toBe(3);
    }
  });

  test("no dimensions: one row of totals; the v1 endpoint also serves the traces view", async () => {
    const res = await api.metrics.query({ view: "observations", metrics: [{ measure: "totalCost", aggregation: "sum" }], fromTimestamp: FROM, toTimestamp: TO });
    expect(res.data).toHaveLength(1);
    expect(res.data[0]!.sum_totalCost).toBeCloseTo(gens.reduce((a, g) => a + g.cost, 0), 10);
    const v1 = await api.metrics.queryV1({ view: "traces", dimensions: [{ field: "name" }], metrics: [{ measure: "count", aggregation: "count" }], fromTimestamp: FROM, toTimestamp: TO });
    expect(new Map(v1.data.map((r) => [r.name, r.count_count]))).toEqual(new Map([["search", 6], ["chat", 8], ["exp", 6]]));
  });

  test.each([
    [{ view: "traces" }, "Invalid request data"],
    [{ dimensions: [{ field: "nope" }] }, "Invalid dimension nope. Must be one of id,traceId,environment"],
    [{ metrics: [{ measure: "nope", aggregation: "sum" }] }, "Invalid metric nope. Must be one of count,traceId"],
    [{ metrics: [{ measure: "traceId", aggregation: "sum" }] }, 'Aggregation "sum" is not valid for measure "traceId" (type: string). Valid aggregations: count, uniq'],
    [{ dimensions: [{ field: "traceId" }], timeDimension: { granularity: "day" } }, "High cardinality dimension(s) 'traceId' cannot be used with timeDimension."],
    [{ fromTimestamp: TO, toTimestamp: FROM }, "Invalid request data"],
    [{ orderBy: [{ field: "nope", direction: "asc" }] }, "Invalid orderBy field: nope. Must be one of the dimension or metric fields."],
  ])("400 with the server's message: %j", async (patch, message) => {
    const query = { view: "observations", metrics: [{ measure: "count", aggregation: "count" }], fromTimestamp: FROM, toTimestamp: TO, ...patch } as V4.MetricsQuery;
    const res = await h.call("GET", `/api/public/v2/metrics?query=${encodeURIComponent(JSON.stringify(query))}`);
    expect(res.status).toBe(400);
    expect((res.json as { message: string }).message).toContain(message);
  });
});

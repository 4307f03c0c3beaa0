/**
 * The API 4.x part of the LangfuseApi contract: the same expectations for LocalApi (embedded
 * store) and HttpApi → our local server, so both implementations of every new operation agree.
 */
import { randomUUID } from "node:crypto";
import type * as V4 from "../../../src/api/types-v4";
import { expectApiError, otlpJson, type ContractTarget } from "./api-contract";

const hex = (bytes: number) => randomUUID().replace(/-/g, "").padEnd(bytes * 2, "0").slice(0, bytes * 2);
const now = () => new Date().toISOString();

export function describeApi4Contract(name: string, makeTarget: () => Promise<ContractTarget>): void {
  describe(`LangfuseApi 4.x contract: ${name}`, () => {
    let target: ContractTarget;
    beforeAll(async () => {
      target = await makeTarget();
    });
    afterAll(async () => target?.close());

    test("legacy ingestion events land in the OTLP tables; v2 observations and v3 scores read both", async () => {
      const { api } = target;
      const legacyTrace = randomUUID();
      const res = await api.ingestion.batch([
        { id: randomUUID(), type: "trace-create", timestamp: now(), body: { id: legacyTrace, name: "legacy", userId: "u-contract" } },
        { id: randomUUID(), type: "generation-create", timestamp: now(), body: { id: `gen-${legacyTrace}`, traceId: legacyTrace, model: "gpt-4o", usage: { input: 100, output: 10 } } },
        { id: randomUUID(), type: "score-create", timestamp: now(), body: { id: `score-${legacyTrace}`, name: "q", value: 0.5, traceId: legacyTrace } },
      ] as V4.LegacyIngestionEvent[]);
      expect(res).toEqual({ successes: expect.any(Array), errors: [] });
      const otlpTrace = hex(16);
      await target.sendOtlp(otlpJson([{ traceId: otlpTrace, spanId: hex(8), name: "otlp-root", startMs: Date.now(), endMs: Date.now() + 5, attributes: { "user.id": "u-contract" } }]));

      const v2 = await api.observations.listV2({ userId: "u-contract", fields: "core,basic,usage" });
      expect(v2.data.map((o) => o.traceId).sort()).toEqual([legacyTrace, otlpTrace].sort());
      const gen = v2.data.find((o) => o.type === "GENERATION")!;
      expect(gen.usageDetails).toEqual({ input: 100, output: 10, total: 110 });
      expect(gen.totalCost).toBeGreaterThan(0);
      const filtered = await api.observations.listV2({
        userId: "u-contract",
        filter: JSON.stringify([{ column: "type", operator: "any of", value: ["GENERATION"], type: "stringOptions" }]),
      });
      expect(filtered.data.map((o) => o.id)).toEqual([`gen-${legacyTrace}`]);
      const scores = await api.scoresV3.list({ traceId: legacyTrace, fields: "core,subject" });
      expect(scores.data).toEqual([expect.objectContaining({ id: `score-${legacyTrace}`, value: 0.5, subject: { kind: "trace", id: legacyTrace } })]);
    });

    test("metrics: count of observations by type", async () => {
      const { api } = target;
      const traceId = randomUUID();
      await api.ingestion.batch(
        ["a", "b", "c"].map((n) => ({ id: randomUUID(), type: "event-create", timestamp: now(), body: { id: `${n}-${traceId}`, traceId, name: `metrics-${traceId}` } })) as V4.LegacyIngestionEvent[],
      );
      const res = await api.metrics.query({
        view: "observations",
        dimensions: [{ field: "type" }],
        metrics: [{ measure: "count", aggregation: "count" }],
        filters: [{ column: "name", operator: "=", value: `metrics-${traceId}`, type: "string" }],
        fromTimestamp: new Date(Date.now() - 3600_000).toISOString(),
        toTimestamp: new Date(Date.now() + 3600_000).toISOString(),
      });
      expect(res.data).toEqual([{ type: "EVENT", count_count: 3 }]);
      await expectApiError(api.metrics.query({ view: "traces" } as V4.MetricsQuery), 400);
    });

    test("models, score configs, comments, annotation queues, deletes", async () => {
      const { api } = target;
      const model = await api.models.create({ modelName: `m-${randomUUID()}`, matchPattern: `^contract-model$`, unit: "TOKENS", inputPrice: 0.5 });
      expect(await api.models.get(model.id)).toMatchObject({ inputPrice: 0.5, isLangfuseManaged: false });
      const traceId = randomUUID();
      await api.ingestion.batch([
        { id: randomUUID(), type: "generation-create", timestamp: now(), body: { id: `g-${traceId}`, traceId, model: "contract-model", usageDetails: { input: 4 } } },
      ] as V4.LegacyIngestionEvent[]);
      expect((await api.observations.get(`g-${traceId}`)).costDetails).toEqual({ input: 2, total: 2 });
      await api.models.delete(model.id);
      await expectApiError(api.models.get(model.id), 404);

      const config = await api.scoreConfigs.create({ name: "contract-cfg", dataType: "NUMERIC", maxValue: 10 });
      await expectApiError(api.scores.create({ name: "contract-cfg", value: 11, traceId, configId: config.id }), 400);
      expect((await api.scoreConfigs.update(config.id, { maxValue: 20 })).maxValue).toBe(20);
      await api.scores.create({ name: "contract-cfg", value: 11, traceId, configId: config.id });

      const { id: commentId } = await api.comments.create({ projectId: "local", objectType: "TRACE", objectId: traceId, content: "c" });
      expect((await api.comments.get(commentId)).content).toBe("c");

      const queue = await api.annotationQueues.create({ name: `q-${randomUUID()}`, scoreConfigIds: [config.id] });
      const item = await api.annotationQueues.createItem(queue.id, { objectId: traceId, objectType: "TRACE" });
      expect((await api.annotationQueues.listItems(queue.id)).data.map((i) => i.id)).toEqual([item.id]);

      await api.traces.delete(traceId);
      await expectApiError(api.traces.get(traceId), 404);
    });

    test("experiments and experiment items from experiment-tagged observations", async () => {
      const { api } = target;
      const traceId = hex(16);
      const root = hex(8);
      const experimentId = `exp-${randomUUID()}`;
      const t = Date.now();
      await target.sendOtlp(
        otlpJson([
          {
            traceId,
            spanId: root,
            name: "item",
            startMs: t,
            endMs: t + 10,
            attributes: {
              "langfuse.experiment.id": experimentId,
              "langfuse.experiment.name": "contract-exp",
              "langfuse.experiment.item.id": "item-1",
              "langfuse.experiment.item.root_observation_id": root,
              "langfuse.experiment.dataset.id": "ds-1",
              "langfuse.observation.input": JSON.stringify({ q: 1 }),
            },
          },
          {
            traceId,
            spanId: hex(8),
            parentSpanId: root,
            name: "child",
            startMs: t + 1,
            endMs: t + 5,
            attributes: { "langfuse.experiment.id": experimentId, "langfuse.experiment.item.root_observation_id": root },
          },
        ]),
      );
      const from = new Date(t - 60_000).toISOString();
      const list = await api.experiments.list({ fromStartTime: from, id: experimentId });
      expect(list.data).toEqual([expect.objectContaining({ id: experimentId, name: "contract-exp", itemCount: 1, datasetId: "ds-1" })]);
      const items = await api.experiments.listItems({ fromStartTime: from, experimentId, fields: "core,io" });
      expect(items.data).toEqual([expect.objectContaining({ id: root, traceId, experimentItemId: "item-1", input: { q: 1 } })]);
      const byFilter = await api.experiments.list({ fromStartTime: from, filter: JSON.stringify([{ column: "id", operator: "any of", value: [experimentId], type: "stringOptions" }]) });
      expect(byFilter.data.map((e) => e.id)).toEqual([experimentId]);
      const none = await api.experiments.listItems({ fromStartTime: from, experimentId, filter: JSON.stringify([{ column: "experimentItemId", operator: "=", value: "other", type: "string" }]) });
      expect(none.data).toEqual([]);
      await expectApiError(api.experiments.list({ fromStartTime: from, filter: JSON.stringify([{ column: "nope", operator: "=", value: "x", type: "string" }]) }), 400);
      await expectApiError(api.experiments.list({} as V4.ListExperimentsQuery), 400);
    });
  });
}

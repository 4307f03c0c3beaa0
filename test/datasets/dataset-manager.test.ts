import { LangfuseApiError } from "../../src/api/errors";
import type { LangfuseApi } from "../../src/api/langfuse-api";
import { DatasetManager } from "../../src/datasets/dataset-manager";
import type { EvalsHost } from "../../src/experiments/host";
import { LangfuseValidationError } from "../../src/errors";
import { ScoreManager } from "../../src/scores/score-manager";
import { BACKENDS, openApi, type ApiUnderTest } from "../experiments/helpers";

/** Dataset management needs only the API; tracing is never touched by these calls. */
function apiOnlyHost(api: LangfuseApi): EvalsHost {
  return {
    api,
    scores: new ScoreManager({ api }),
    client: undefined as never,
    runInRootSpan: () => Promise.reject(new Error("not used by dataset management")),
    flush: async () => undefined,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)("DatasetManager (%s)", (kind) => {
  let t: ApiUnderTest;
  let datasets: DatasetManager;
  beforeEach(async () => {
    t = await openApi(kind);
    datasets = new DatasetManager(apiOnlyHost(t.api));
  });
  afterEach(() => t.close());

  it("creates a dataset with description, metadata and schemas, upserting by name", async () => {
    const created = await datasets.createDataset({
      name: "evals/qa-set",
      description: "QA pairs",
      metadata: { author: "alice" },
      inputSchema: { type: "object", properties: { question: { type: "string" } }, required: ["question"] },
    });
    expect(created).toMatchObject({ name: "evals/qa-set", description: "QA pairs", metadata: { author: "alice" } });
    expect(created.inputSchema).toMatchObject({ type: "object" });

    const updated = await datasets.createDataset({ name: "evals/qa-set", description: "QA pairs v2" });
    expect(updated.id).toBe(created.id);
    expect(updated.description).toBe("QA pairs v2");

    await datasets.createDataset({ name: "other" });
    const all = await datasets.getDatasets({ pageSize: 1 });
    expect(all.map((d) => d.name).sort()).toEqual(["evals/qa-set", "other"]);
  });

  it("rejects bad dataset input with typed errors", async () => {
    await expect(datasets.createDataset({ name: "/leading" })).rejects.toThrow(LangfuseValidationError);
    const err = await datasets.createDataset({ name: "x", inputSchema: { type: "no-such-type" } }).catch((e) => e);
    expect(err).toBeInstanceOf(LangfuseValidationError);
    expect(err.issues[0].path).toBe("inputSchema");
    const missing = await datasets.getDataset("does-not-exist").catch((e) => e);
    expect(missing).toBeInstanceOf(LangfuseApiError);
    expect(missing.status).toBe(404);
    await expect(datasets.getDataset("x", { pageSize: 500 })).rejects.toThrow(/pageSize: must be an integer between 1 and 100/);
  });

  it("upserts items by id, archives and restores them", async () => {
    await datasets.createDataset({ name: "ds" });
    const a = await datasets.createDatasetItem({ datasetName: "ds", id: "item-a", input: { q: "1+1" }, expectedOutput: "2", metadata: { level: "easy" } });
    expect(a).toMatchObject({ id: "item-a", status: "ACTIVE", input: { q: "1+1" }, expectedOutput: "2", datasetName: "ds" });
    await datasets.createDatasetItem({ datasetName: "ds", id: "item-b", input: { q: "2+2" }, expectedOutput: "4", sourceTraceId: "trace-1", sourceObservationId: "obs-1" });

    // Upsert: only expectedOutput changes, the rest is kept.
    const a2 = await datasets.createDatasetItem({ datasetName: "ds", id: "item-a", expectedOutput: "two" });
    expect(a2).toMatchObject({ id: "item-a", input: { q: "1+1" }, expectedOutput: "two", metadata: { level: "easy" } });

    let ds = await datasets.getDataset("ds");
    expect(ds.items.map((i) => i.id).sort()).toEqual(["item-a", "item-b"]);
    expect(ds.items.find((i) => i.id === "item-b")).toMatchObject({ sourceTraceId: "trace-1", sourceObservationId: "obs-1" });

    await datasets.createDatasetItem({ datasetName: "ds", id: "item-b", status: "ARCHIVED" });
    ds = await datasets.getDataset("ds");
    expect(ds.items.map((i) => i.id)).toEqual(["item-a"]);

    await datasets.createDatasetItem({ datasetName: "ds", id: "item-b", status: "ACTIVE" });
    ds = await datasets.getDataset("ds");
    expect(ds.items.map((i) => i.id).sort()).toEqual(["item-a", "item-b"]);
  });

  it("returns the snapshot at a timestamp, with the old item state", async () => {
    await datasets.createDataset({ name: "versioned" });
    await datasets.createDatasetItem({ datasetName: "versioned", id: "v-1", input: "question", expectedOutput: "old answer" });
    await datasets.createDatasetItem({ datasetName: "versioned", id: "v-2", input: "to be archived", expectedOutput: "x" });
    await sleep(5);
    const before = new Date();
    await sleep(5);
    await datasets.createDatasetItem({ datasetName: "versioned", id: "v-1", expectedOutput: "new answer" });
    await datasets.createDatasetItem({ datasetName: "versioned", id: "v-2", status: "ARCHIVED" });
    await datasets.createDatasetItem({ datasetName: "versioned", id: "v-3", input: "added later", expectedOutput: "y" });

    const latest = await datasets.getDataset("versioned");
    expect(latest.version).toBeUndefined();
    expect(Object.fromEntries(latest.items.map((i) => [i.id, i.expectedOutput]))).toEqual({ "v-1": "new answer", "v-3": "y" });

    const snapshot = await datasets.getDataset("versioned", { version: before });
    expect(snapshot.version).toBe(before.toISOString());
    expect(Object.fromEntries(snapshot.items.map((i) => [i.id, i.expectedOutput]))).toEqual({ "v-1": "old answer", "v-2": "x" });
    expect(snapshot.items.every((i) => i.datasetVersion === before.toISOString())).toBe(true);
  });

  it("fetches every page of items", async () => {
    await datasets.createDataset({ name: "paged" });
    for (let i = 0; i < 7; i++) await datasets.createDatasetItem({ datasetName: "paged", id: `p-${i}`, input: i });
    const ds = await datasets.getDataset("paged", { pageSize: 2 });
    expect(ds.items.map((i) => i.input).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("validates items against the dataset's JSON schemas, naming the failing paths", async () => {
    await datasets.createDataset({
      name: "typed",
      inputSchema: {
        type: "object",
        properties: {
          question: { type: "string", minLength: 3 },
          tags: { type: "array", items: { type: "string" } },
        },
        required: ["question"],
        additionalProperties: false,
      },
      expectedOutputSchema: { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] },
    });
    const ok = await datasets.createDatasetItem({ datasetName: "typed", input: { question: "why?", tags: ["a"] }, expectedOutput: { answer: 42 } });
    expect(ok.status).toBe("ACTIVE");

    const err = await datasets
      .createDatasetItem({ datasetName: "typed", input: { question: 7, tags: ["a", 2], extra: true }, expectedOutput: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LangfuseValidationError);
    const issues = (err as LangfuseValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        'input: must not have property "extra"',
        "input.question: must be string",
        "input.tags[1]: must be string",
        "expectedOutput.answer: is required",
      ]),
    );
    expect((err as Error).message).toContain('Dataset item does not match the schemas of dataset "typed"');
    // Nothing was written.
    const ds = await datasets.getDataset("typed");
    expect(ds.items).toHaveLength(1);

    // An update without input/expectedOutput is not re-validated (the stored values were valid).
    await expect(datasets.createDatasetItem({ datasetName: "typed", id: ok.id, metadata: { reviewed: true } })).resolves.toMatchObject({ metadata: { reviewed: true } });
  });

  it("rejects malformed item input before calling the API", async () => {
    await expect(datasets.createDatasetItem({ datasetName: "", input: 1 })).rejects.toThrow(/datasetName: must be a non-empty string/);
    await expect(datasets.createDatasetItem({ datasetName: "x", status: "DELETED" as never })).rejects.toThrow(/status: must be ACTIVE or ARCHIVED/);
  });
});

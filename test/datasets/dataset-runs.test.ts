import { LangfuseClient } from "@langfuse/client";
import { allPages, BACKENDS, openClient, type ClientUnderTest } from "../experiments/helpers";

describe.each(BACKENDS)("dataset runs (%s)", (kind) => {
  let c: ClientUnderTest;
  beforeEach(async () => {
    c = await openClient(kind);
    await c.langfuse.createDataset({ name: "capitals", description: "country → capital" });
    for (const [id, country, capital] of [
      ["de", "Germany", "Berlin"],
      ["fr", "France", "Paris"],
      ["it", "Italy", "Rome"],
    ]) {
      await c.langfuse.createDatasetItem({ datasetName: "capitals", id, input: { country }, expectedOutput: capital, metadata: { region: "eu" } });
    }
  });
  afterEach(() => c.close());

  it("item.run links the item to a run through its root observation and scores through the span", async () => {
    const dataset = await c.langfuse.getDataset("capitals");
    const outputs: string[] = [];
    for (const item of dataset.items) {
      const out = await item.run({ runName: "manual-1", runDescription: "by hand", runMetadata: { model: "lookup" } }, async (span) => {
        const answer = `Capital of ${(item.input as { country: string }).country}`;
        span.update({ input: item.input, output: answer });
        span.score({ name: "relevance", value: 0.5 });
        span.scoreTrace({ name: "correct", value: answer.includes(String(item.expectedOutput)) });
        return answer;
      });
      outputs.push(out);
    }
    expect(outputs.sort()).toEqual(["Capital of France", "Capital of Germany", "Capital of Italy"]);
    await c.langfuse.flush();

    const run = await c.langfuse.api.datasets.getRun("capitals", "manual-1");
    expect(run).toMatchObject({ name: "manual-1", description: "by hand", datasetName: "capitals" });
    expect(run.datasetRunItems.map((r) => r.datasetItemId).sort()).toEqual(["de", "fr", "it"]);
    for (const ri of run.datasetRunItems) {
      expect(ri.observationId).toMatch(/^[0-9a-f]{16}$/);
      const trace = await c.langfuse.api.traces.get(ri.traceId);
      expect(trace.name).toBe("Dataset run: manual-1");
      expect(trace.metadata).toMatchObject({ dataset_item_id: ri.datasetItemId, run_name: "manual-1", dataset_id: dataset.id });
      const root = trace.observations.find((o) => o.id === ri.observationId);
      expect(root?.name).toBe("Dataset run: manual-1");
      expect(root?.parentObservationId).toBeNull();
      const scores = trace.scores.map((s) => `${s.name}:${s.observationId ?? "trace"}`).sort();
      expect(scores).toEqual([`correct:trace`, `relevance:${ri.observationId}`]);
    }
  });

  it("item.run rejects with the API error when the item cannot be linked, without running fn", async () => {
    const dataset = await c.langfuse.getDataset("capitals");
    const item = dataset.items[0];
    await c.langfuse.api.datasetItems.delete(item.id);
    let ran = false;
    const err = await item.run({ runName: "after-delete" }, () => {
      ran = true;
    }).catch((e: { status?: number }) => e);
    expect(ran).toBe(false);
    expect(err).toMatchObject({ status: 404 });
    await expect(item.run({ runName: " " }, () => 1)).rejects.toThrow(/runName: must be a non-empty string/);
  });

  it("dataset.runExperiment records a dataset run with linked run items and run-level scores", async () => {
    const dataset = await c.langfuse.getDataset("capitals");
    const result = await dataset.runExperiment({
      name: "capital-lookup",
      description: "table lookup",
      metadata: { model: "lookup-v1" },
      maxConcurrency: 2,
      task: ({ item }) => {
        const country = (item.input as { country: string }).country;
        if (country === "Italy") return "Milan";
        return { Germany: "Berlin", France: "Paris" }[country];
      },
      evaluators: [({ output, expectedOutput }) => ({ name: "exact", value: output === expectedOutput ? 1 : 0, comment: `${String(output)} vs ${String(expectedOutput)}` })],
      runEvaluators: [({ itemResults }) => ({ name: "accuracy", value: itemResults.filter((r) => r.evaluations[0]?.value === 1).length / itemResults.length })],
    });

    expect(result.datasetRunId).toBeDefined();
    expect(result.experimentId).toBe(result.datasetRunId);
    expect(result.itemResults.map((r) => r.item.id)).toEqual(dataset.items.map((i) => i.id));
    expect(result.itemResults.every((r) => r.datasetRunId === result.datasetRunId)).toBe(true);
    expect(result.runEvaluations[0].value).toBeCloseTo(2 / 3);

    // Run items readable through langfuse.api, linked to each item's trace and root observation.
    const runs = await c.langfuse.api.datasets.listRuns("capitals");
    expect(runs.data.map((r) => r.name)).toEqual([result.runName]);
    const runItems = await allPages((page) => c.langfuse.api.datasetRunItems.list({ datasetId: dataset.id, runName: result.runName, page, limit: 50 }));
    expect(runItems).toHaveLength(3);
    for (const r of result.itemResults) {
      const link = runItems.find((ri) => ri.datasetItemId === r.item.id);
      expect(link).toMatchObject({ traceId: r.traceId, observationId: r.observationId, datasetRunId: result.datasetRunId });
      const exp = c.experimentColumn(r.observationId!);
      expect(exp).toMatchObject({ id: result.datasetRunId, datasetId: dataset.id, itemId: r.item.id, name: result.runName });
    }

    // Run-level score on the dataset run, item scores on the item traces.
    const runScores = await c.langfuse.api.scores.list({ datasetRunId: result.datasetRunId });
    expect(runScores.data.map((s) => s.name)).toEqual(["accuracy"]);
    expect(runScores.data[0].value).toBeCloseTo(2 / 3);
    const italy = result.itemResults.find((r) => r.item.id === "it")!;
    const itemScores = await c.langfuse.api.scores.list({ traceId: italy.traceId });
    expect(itemScores.data[0]).toMatchObject({ name: "exact", value: 0, comment: "Milan vs Rome" });
    if (kind === "http") {
      // On a server, the result links to the run in the Langfuse UI.
      expect(result.datasetRunUrl).toBe(`${c.server!.url}/project/${dataset.projectId}/datasets/${dataset.id}/runs/${result.datasetRunId}`);
      expect(result.format()).toContain(`🔗 Dataset Run:\n   ${result.datasetRunUrl}`);
    } else {
      expect(result.datasetRunUrl).toBeUndefined();
      expect(result.format()).toContain(`🔗 Dataset run id: ${result.datasetRunId}`);
    }
  });

  it("runs on a snapshot and links items at that version", async () => {
    const before = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await c.langfuse.createDatasetItem({ datasetName: "capitals", id: "de", expectedOutput: "Bonn" });
    await c.langfuse.createDatasetItem({ datasetName: "capitals", id: "es", input: { country: "Spain" }, expectedOutput: "Madrid" });
    const old = await c.langfuse.getDataset("capitals", { version: before });
    expect(old.items.map((i) => i.id).sort()).toEqual(["de", "fr", "it"]);
    expect(old.items.find((i) => i.id === "de")?.expectedOutput).toBe("Berlin");
    const result = await old.runExperiment({ name: "snapshot", task: ({ item }) => item.expectedOutput });
    expect(result.itemResults.every((r) => r.error === undefined && r.datasetRunId)).toBe(true);
    const run = await c.langfuse.api.datasets.getRun("capitals", result.runName);
    expect(run.datasetRunItems).toHaveLength(3);
  });
});

describe("the official @langfuse/client reads what this SDK wrote to the local server", () => {
  let c: ClientUnderTest;
  let official: LangfuseClient;
  beforeAll(async () => {
    c = await openClient("http");
    official = new LangfuseClient({ publicKey: c.server!.publicKey, secretKey: c.server!.secretKey, baseUrl: c.server!.url });
  });
  afterAll(async () => {
    await official.shutdown();
    await c.close();
  });

  it("datasets, items, runs, run items and scores", async () => {
    await c.langfuse.createDataset({ name: "shared/qa", description: "read back", metadata: { owner: "evals" }, inputSchema: { type: "string" } });
    await c.langfuse.createDatasetItem({ datasetName: "shared/qa", id: "q1", input: "2+2", expectedOutput: "4" });
    await c.langfuse.createDatasetItem({ datasetName: "shared/qa", id: "q2", input: "3+3", expectedOutput: "6" });
    await c.langfuse.createDatasetItem({ datasetName: "shared/qa", id: "q3", input: "gone", expectedOutput: "-", status: "ARCHIVED" });
    const dataset = await c.langfuse.getDataset("shared/qa");
    const result = await dataset.runExperiment({
      name: "calc",
      runName: "calc-run",
      task: ({ input }) => String(eval(String(input))),
      evaluators: [({ output, expectedOutput }) => ({ name: "exact", value: output === expectedOutput })],
      runEvaluators: [() => ({ name: "summary", value: "all good", dataType: "CATEGORICAL" })],
    });

    const fetched = await official.dataset.get("shared/qa");
    expect(fetched).toMatchObject({ name: "shared/qa", description: "read back", metadata: { owner: "evals" } });
    expect(fetched.items.map((i) => i.id).sort()).toEqual(["q1", "q2"]);
    expect(fetched.items.find((i) => i.id === "q1")).toMatchObject({ input: "2+2", expectedOutput: "4", status: "ACTIVE" });

    const run = await official.api.datasets.getRun("shared/qa", "calc-run");
    expect(run.datasetRunItems.map((r) => r.datasetItemId).sort()).toEqual(["q1", "q2"]);
    expect(run.id).toBe(result.datasetRunId);
    const runs = await official.api.datasets.getRuns("shared/qa");
    expect(runs.data.map((r) => r.name)).toEqual(["calc-run"]);

    const itemScores = await official.api.scores.getMany({ traceId: result.itemResults[0].traceId });
    expect(itemScores.data.map((s: { name: string; value?: unknown; dataType: string }) => [s.name, s.value, s.dataType])).toEqual([["exact", 1, "BOOLEAN"]]);
    const runScores = await official.api.scores.getMany({ datasetRunId: result.datasetRunId });
    expect(runScores.data.map((s: { name: string }) => s.name)).toEqual(["summary"]);
  });
});

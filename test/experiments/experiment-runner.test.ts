import { createHash } from "node:crypto";
import { LangfuseValidationError } from "../../src/errors";
import { Evaluation } from "../../src/experiments/evaluation";
import type { EvaluatorFn, ExperimentItem, LocalExperimentItem } from "../../src/experiments/types";
import { allPages, BACKENDS, openClient, type ClientUnderTest } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)("runExperiment (%s)", (kind) => {
  let c: ClientUnderTest;
  beforeEach(async () => {
    c = await openClient(kind);
  });
  afterEach(() => c.close());

  it("keeps input order, isolates failing tasks and evaluators, and keeps sync evaluators' results", async () => {
    const data: LocalExperimentItem<string, string>[] = ["a", "b", "boom", "d", "e"].map((s, i) => ({ input: s, expectedOutput: s.toUpperCase(), metadata: { i } }));
    const exact: EvaluatorFn<LocalExperimentItem<string, string>, string> = ({ output, expectedOutput }) =>
      new Evaluation({ name: "exact", value: output === expectedOutput ? 1 : 0 });
    const asyncList: EvaluatorFn<LocalExperimentItem<string, string>, string> = async ({ output }) => {
      await sleep(1);
      return [{ name: "length", value: output.length }, { name: "label", value: "ok", dataType: "CATEGORICAL" }];
    };
    const flaky: EvaluatorFn<LocalExperimentItem<string, string>, string> = function flaky({ input }) {
      if (input === "d") throw new Error("judge unavailable");
      return { name: "flaky", value: true };
    };
    const malformed: EvaluatorFn<LocalExperimentItem<string, string>, string> = () => ({ name: "", value: { nested: 1 } }) as never;

    const result = await c.langfuse.runExperiment({
      name: "order",
      data,
      maxConcurrency: 5,
      task: async ({ input }) => {
        // Later items finish first: order must still follow the input.
        await sleep((5 - data.findIndex((d) => d.input === input)) * 3);
        if (input === "boom") throw new Error("kaput");
        return input.toUpperCase();
      },
      evaluators: [exact, asyncList, flaky, malformed],
    });

    expect(result.itemResults.map((r) => r.input)).toEqual(["a", "b", "boom", "d", "e"]);
    expect(result.itemResults.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    const boom = result.itemResults[2];
    expect(boom.error).toBe("kaput");
    expect(boom.output).toBeUndefined();
    expect(boom.evaluations).toEqual([]);
    expect(boom.traceId).toMatch(/^[0-9a-f]{32}$/);

    const a = result.itemResults[0];
    expect(a.output).toBe("A");
    expect(a.evaluations.map((e) => `${e.name}=${String(e.value)}`)).toEqual(["exact=1", "length=1", "label=ok", "flaky=true"]);
    expect(a.evaluatorErrors).toEqual([{ evaluator: "malformed", message: expect.stringContaining("Invalid evaluation") }]);
    const d = result.itemResults[3];
    expect(d.evaluatorErrors.map((e) => e.evaluator)).toEqual(["flaky", "malformed"]);
    expect(d.evaluatorErrors[0].message).toBe("judge unavailable");
    expect(d.evaluations.map((e) => e.name)).toEqual(["exact", "length", "label"]);
    expect(result.failedItems).toHaveLength(1);
    expect(result.evaluatorErrorCount).toBe(5);

    // Scores landed on the item traces, attached to the root observation.
    const scores = await allPages((page) => c.langfuse.api.scores.list({ traceId: a.traceId, page, limit: 100 }));
    expect(scores.map((s) => s.name).sort()).toEqual(["exact", "flaky", "label", "length"]);
    expect(scores.every((s) => s.observationId === a.observationId)).toBe(true);
    expect(scores.find((s) => s.name === "flaky")).toMatchObject({ dataType: "BOOLEAN", value: 1 });

    // The failed item's trace records the error.
    const failedTrace = await c.langfuse.api.traces.get(boom.traceId!);
    const root = failedTrace.observations.find((o) => o.id === boom.observationId)!;
    expect(root).toMatchObject({ level: "ERROR", statusMessage: "kaput", output: "Error: kaput" });

    const text = result.format({ includeItemResults: true });
    expect(text).toContain("\n3. Item 3:\n   Input:    boom\n   Expected: BOOM\n   Error:    kaput\n");
    expect(text).toContain("5 items (1 failed)");
    expect(text).not.toContain("\\n");
  });

  it("never runs more than maxConcurrency tasks at once (default 3)", async () => {
    for (const limit of [undefined, 4]) {
      let inFlight = 0;
      let peak = 0;
      const result = await c.langfuse.runExperiment({
        name: `concurrency-${limit ?? "default"}`,
        data: Array.from({ length: 24 }, (_, i) => ({ input: i })),
        ...(limit ? { maxConcurrency: limit } : {}),
        task: async ({ input }) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await sleep(2 + (Number(input) % 3));
          inFlight--;
          return input;
        },
      });
      expect(result.itemResults).toHaveLength(24);
      expect(peak).toBe(limit ?? 3);
    }
  });

  it("runs run evaluators over the successful item results; a failing one is isolated", async () => {
    const seen: number[][] = [];
    const result = await c.langfuse.runExperiment({
      name: "run-evals",
      data: [{ input: 1 }, { input: 2 }, { input: 3 }],
      task: ({ input }) => {
        if (input === 2) throw new Error("no");
        return Number(input) * 10;
      },
      evaluators: [({ output }) => ({ name: "value", value: Number(output) })],
      runEvaluators: [
        ({ itemResults }) => {
          seen.push(itemResults.map((r) => r.output as number));
          const values = itemResults.flatMap((r) => r.evaluations.filter((e) => e.name === "value").map((e) => Number(e.value)));
          return new Evaluation({ name: "avg_value", value: values.reduce((x, y) => x + y, 0) / values.length, comment: "mean of value" });
        },
        async function broken() {
          throw new Error("run eval crashed");
        },
      ],
    });
    expect(seen).toEqual([[10, 30]]);
    expect(result.runEvaluations.map((e) => [e.name, e.value])).toEqual([["avg_value", 20]]);
    expect(result.runEvaluatorErrors).toEqual([{ evaluator: "broken", message: "run eval crashed" }]);
    // Local data: no dataset run, so run-level scores stay in the result.
    expect(result.datasetRunId).toBeUndefined();
    expect(result.format()).toContain("Run Evaluations:\n  • avg_value: 20.000\n    💭 mean of value");
  });

  it("puts the experiment wire attributes on the item root and its children", async () => {
    let childId: string | undefined;
    const result = await c.langfuse.runExperiment({
      name: "wire",
      runName: "wire-run-1",
      description: "attribute check",
      metadata: { model: "m-1", temperature: 0 },
      data: [{ input: "test input 1", expectedOutput: "out", metadata: { difficulty: "easy" } }],
      task: ({ input, langfuse }) =>
        langfuse.startAsCurrentObservation({ name: "llm-call", asType: "generation" }, () => {
          childId = langfuse.getCurrentObservationId();
          return `answer to ${String(input)}`;
        }),
    });
    const item = result.itemResults[0];
    expect(result.runName).toBe("wire-run-1");
    expect(result.experimentId).toMatch(/^[0-9a-f]{16}$/);
    const itemId = createHash("sha256").update("test input 1").digest("hex").slice(0, 16);
    expect(itemId).toBe("519b0f02ee4c2d49");

    const rootExp = c.experimentColumn(item.observationId!);
    expect(rootExp).toMatchObject({
      id: result.experimentId,
      name: "wire-run-1",
      description: "attribute check",
      itemId,
      itemRootObservationId: item.observationId,
      itemExpectedOutput: "out",
      metadata: { model: "m-1", temperature: 0 },
      itemMetadata: { difficulty: "easy" },
    });
    const childExp = c.experimentColumn(childId!);
    expect(childExp).toMatchObject({ id: result.experimentId, name: "wire-run-1", itemId, itemRootObservationId: item.observationId });
    // Root-only attributes stay on the root.
    expect(childExp?.description).toBeUndefined();
    expect(childExp?.itemExpectedOutput).toBeUndefined();

    const trace = await c.langfuse.api.traces.get(item.traceId!);
    expect(trace.environment).toBe("sdk-experiment");
    // Sent as the string "0" (trace metadata is string-valued); the ingestion mapping parses JSON-looking values back.
    expect(trace.metadata).toMatchObject({ model: "m-1", temperature: 0 });
    const root = trace.observations.find((o) => o.id === item.observationId)!;
    expect(root).toMatchObject({ name: "experiment-item-run", input: "test input 1", output: "answer to test input 1" });
    expect(root.metadata).toMatchObject({ experiment_name: "wire", experiment_run_name: "wire-run-1", model: "m-1", difficulty: "easy" });
    expect(trace.observations.find((o) => o.id === childId)?.environment).toBe("sdk-experiment");
  });

  it("starts every item in a new trace, even when called inside an observed function", async () => {
    const outer = await c.langfuse.startAsCurrentObservation({ name: "ci-job" }, async (span) => {
      const result = await c.langfuse.runExperiment({ name: "nested", data: [{ input: 1 }, { input: 2 }], task: ({ input }) => input });
      return { traceId: span.traceId, items: result.itemResults };
    });
    await c.langfuse.flush();
    const traceIds = outer.items.map((r) => r.traceId);
    expect(new Set(traceIds).size).toBe(2);
    expect(traceIds).not.toContain(outer.traceId);
    for (const r of outer.items) {
      const trace = await c.langfuse.api.traces.get(r.traceId!);
      expect(trace.observations.find((o) => o.id === r.observationId)?.parentObservationId).toBeNull();
    }
  });

  it("gives each run a default name from the experiment name and time", async () => {
    const before = Date.now();
    const result = await c.langfuse.runExperiment({ name: "named", data: [{ input: 1 }], task: () => 1 });
    const match = /^named - (\d{4}-\d\d-\d\dT[\d:.]+Z)$/.exec(result.runName);
    expect(match).not.toBeNull();
    expect(Date.parse(match![1])).toBeGreaterThanOrEqual(before - 1000);
  });

  it("records an item without input as a failed item", async () => {
    const result = await c.langfuse.runExperiment({
      name: "no-input",
      data: [{ input: "x" }, { expectedOutput: "y" } as ExperimentItem, { input: "z" }],
      task: ({ input }) => input,
    });
    expect(result.itemResults.map((r) => r.error)).toEqual([undefined, "Experiment item is missing input", undefined]);
  });

  it("rejects invalid options with a typed error", async () => {
    const err = await c.langfuse
      .runExperiment({ name: "", data: "nope" as never, task: undefined as never, maxConcurrency: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LangfuseValidationError);
    expect((err as LangfuseValidationError).issues.map((i) => i.path)).toEqual(["name", "data", "task", "maxConcurrency"]);
  });

  it("reports an empty experiment plainly and still runs run evaluators", async () => {
    let called = 0;
    const result = await c.langfuse.runExperiment({
      name: "empty",
      data: [],
      task: () => 1,
      runEvaluators: [() => {
        called++;
        return null;
      }],
    });
    expect(called).toBe(1);
    expect(result.itemResults).toEqual([]);
    expect(result.format()).toBe("No experiment results to display.");
  });
});

/**
 * The CI gate of the QA sample, as the seed's pytest example does it: run the experiment and
 * fail the build when the average score drops below the bar.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { container as rootContainer } from "tsyringe";
import { decideVerdict, registerLangfuse, resolveLangfuse, runSuites, type Langfuse } from "../../src";
import { QA_DATASET, seedQaDataset } from "../../samples/qa/qa.dataset";
import { QaSuite } from "../../samples/qa/qa.eval";

let dir: string;
let langfuse: Langfuse;
let container: ReturnType<typeof rootContainer.createChildContainer>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lf-qa-sample-"));
  container = registerLangfuse(rootContainer.createChildContainer(), { localDbPath: join(dir, "langfuse.db") });
  langfuse = resolveLangfuse(container);
  await seedQaDataset(langfuse);
});
afterAll(async () => {
  await langfuse.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

test("QA service keeps its average fact recall at or above 0.8", async () => {
  const report = await runSuites({ container, suites: [QaSuite], progress: false });
  const { result, error } = report.outcomes[0];
  expect(error).toBeUndefined();

  const avg = result!.runEvaluations.find((e) => e.name === "avg_fact_recall")?.value;
  expect(typeof avg).toBe("number");
  expect(avg as number).toBeGreaterThanOrEqual(0.8);
  // The known miss keeps the score honest: below a perfect 1.
  expect(avg as number).toBeLessThan(1);
  expect(decideVerdict(report).exitCode).toBe(0);

  // The run is recorded: one run item per dataset item, each trace containing the service's spans.
  const run = await langfuse.api.datasets.getRun(QA_DATASET, result!.runName);
  expect(run.datasetRunItems).toHaveLength(7);
  const trace = await langfuse.api.traces.get(result!.itemResults[0].traceId!);
  expect(trace.observations.map((o) => o.name).sort()).toEqual(["experiment-item-run", "qa.answer", "qa.retrieve"]);
  const runScores = await langfuse.api.scores.list({ datasetRunId: result!.datasetRunId });
  expect(runScores.data.map((s) => s.name)).toEqual(["avg_fact_recall"]);
});

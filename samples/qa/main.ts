/**
 * Question answering with an experiment gate, on the embedded store (no keys, no server):
 *
 *   npm run sample:qa
 *
 * 1. Seeds the dataset `samples/qa-basics` (JSON Schemas for input and expected output).
 * 2. Runs the `@ExperimentSuite` in qa.eval.ts through a tsyringe container: each dataset item
 *    becomes a trace of `QaService.answer` (with its `@Observe` spans), scored by two
 *    evaluators, summarized by a run evaluator, and linked to a dataset run.
 * 3. Prints the results table and the threshold checks; the exit code is the verdict's
 *    (0 pass, 1 gate failed, 2 error), as with `npx langfuse-decorators experiment`.
 *
 * Data goes to LANGFUSE_LOCAL_DB (default .langfuse/langfuse.db); browse it with
 * `npm run serve` (web UI at http://127.0.0.1:3000/). Set LANGFUSE_PUBLIC_KEY/SECRET_KEY/BASE_URL to use a server.
 */
import "reflect-metadata";
import { decideVerdict, formatGateTable, resolveLangfuse, runSuites } from "../../src";
import { seedQaDataset } from "./qa.dataset";
import { container, QaSuite } from "./qa.eval";

export async function main(): Promise<number> {
  const langfuse = resolveLangfuse(container);
  try {
    await seedQaDataset(langfuse);
    const report = await runSuites({ container, suites: [QaSuite] });
    for (const outcome of report.outcomes) {
      console.log(`\n━━ ${outcome.name} ━━`);
      if (outcome.result) console.log(`${outcome.result.format({ includeItemResults: true })}\n\n${formatGateTable(outcome)}`);
    }
    const verdict = decideVerdict(report);
    console.log(`\n${verdict.text}`);
    return verdict.exitCode;
  } finally {
    await langfuse.shutdown();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}

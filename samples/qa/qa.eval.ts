/**
 * The experiment suite for QaService: resolved through the DI container (so it gets the real
 * service), two item evaluators and one run evaluator, with CI thresholds. Run it with
 * `npm run sample:qa`, or `npx langfuse-decorators experiment samples/qa/qa.eval.ts`.
 */
import { container as rootContainer, injectable } from "tsyringe";
import {
  Evaluation,
  Evaluator,
  ExperimentSuite,
  registerLangfuse,
  RunEvaluator,
  Task,
  type EvaluatorArgs,
  type ExperimentItemResult,
} from "../../src";
import { QA_DATASET } from "./qa.dataset";
import { QaService, type QaAnswer } from "./qa.service";

interface QaInput {
  question: string;
}
interface QaExpected {
  facts: string[];
  source: string;
}

@ExperimentSuite({
  name: "qa-service",
  description: "keyword retrieval baseline",
  dataset: QA_DATASET,
  maxConcurrency: 3,
  metadata: { retriever: "keyword-overlap" },
  thresholds: {
    fact_recall: { mean: 0.8, passRate: { score: 1, rate: 0.8 } },
    source_match: { mean: 0.8 },
  },
})
@injectable()
export class QaSuite {
  constructor(private readonly qa: QaService) {}

  @Task()
  answer({ input }: { input: unknown }): Promise<QaAnswer> {
    return this.qa.answer((input as QaInput).question);
  }

  /** Share of the expected facts the answer mentions. */
  @Evaluator()
  factRecall({ output, expectedOutput }: EvaluatorArgs) {
    const text = (output as QaAnswer).answer.toLowerCase();
    const { facts } = expectedOutput as QaExpected;
    const found = facts.filter((f) => text.includes(f.toLowerCase()));
    return new Evaluation({ name: "fact_recall", value: found.length / facts.length, comment: `${found.length}/${facts.length} facts` });
  }

  /** Whether the top source is the passage the answer should come from. */
  @Evaluator()
  sourceMatch({ output, expectedOutput }: EvaluatorArgs) {
    const top = (output as QaAnswer).sources[0];
    return { name: "source_match", value: top === (expectedOutput as QaExpected).source ? 1 : 0, comment: `top source: ${top ?? "none"}` };
  }

  @RunEvaluator()
  averageRecall({ itemResults }: { itemResults: ExperimentItemResult[] }) {
    const values = itemResults.flatMap((r) => r.evaluations.filter((e) => e.name === "fact_recall").map((e) => Number(e.value)));
    const avg = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
    return new Evaluation({ name: "avg_fact_recall", value: avg, comment: `${(avg * 100).toFixed(0)}% of expected facts found` });
  }
}

/**
 * The app's container, exported so `langfuse-decorators experiment` resolves the suite (and
 * its QaService) through it. The client is created from LANGFUSE_* on first use.
 */
export const container = registerLangfuse(rootContainer.createChildContainer());

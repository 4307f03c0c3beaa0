import { Evaluation } from "./evaluation";
import type { EvaluatorArgs, EvaluatorFn, ExperimentItem } from "./types";

/** The result shape of an autoevals scorer (`{ name, score, metadata }`). */
export interface AutoevalsScore {
  name: string;
  score: number | null;
  metadata?: Record<string, unknown>;
}

/** Any autoevals scorer: called with `{ input, output, expected, ...extra }`. */
export type AutoevalsScorer<A extends object> = (args: A) => AutoevalsScore | Promise<AutoevalsScore>;

/**
 * Adapts an autoevals scorer (LevenshteinScorer, ExactMatch, NumericDiff, Factuality, ...) into
 * an evaluator: `expectedOutput` becomes `expected`, `extra` is passed through (e.g. a model).
 * A `null` score means the scorer judged the item not applicable: no score is recorded.
 */
export function createEvaluatorFromAutoevals<A extends object, I extends ExperimentItem = ExperimentItem, O = unknown>(
  scorer: AutoevalsScorer<A>,
  extra: Partial<A> = {},
): EvaluatorFn<I, O> {
  const evaluator = async ({ input, output, expectedOutput }: EvaluatorArgs<I, O>): Promise<Evaluation[]> => {
    // The experiment's values are only known at run time; the scorer checks its own arguments.
    const r = await scorer({ input, output, expected: expectedOutput, ...extra } as unknown as A);
    if (!r || r.score === null || r.score === undefined) return [];
    const comment = r.metadata && typeof r.metadata.rationale === "string" ? r.metadata.rationale : typeof r.metadata?.comment === "string" ? r.metadata.comment : undefined;
    return [new Evaluation({ name: r.name, value: r.score, ...(comment ? { comment } : {}), ...(r.metadata ? { metadata: r.metadata } : {}) })];
  };
  Object.defineProperty(evaluator, "name", { value: scorer.name || "autoevals" });
  return evaluator;
}

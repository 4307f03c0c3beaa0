export { Evaluation, normalizeEvaluations, type EvaluationInit, type EvaluationValue } from "./evaluation";
export { ExperimentResult, type ScoreSummary } from "./experiment-result";
export { runExperimentWithHost, localItemId, DEFAULT_MAX_CONCURRENCY } from "./experiment-runner";
export { createEvaluatorFromAutoevals, type AutoevalsScore, type AutoevalsScorer } from "./autoevals";
export type * from "./types";

export { Evaluation, normalizeEvaluations, type EvaluationInit, type EvaluationValue } from "./evaluation";
export { ExperimentResult, type ScoreSummary } from "./experiment-result";
export { runExperimentWithHost, localItemId, DEFAULT_MAX_CONCURRENCY } from "./experiment-runner";
export { createEvaluatorFromAutoevals, type AutoevalsScore, type AutoevalsScorer } from "./autoevals";
export { evaluateGate, validateThresholds, assertValidThresholds, type Threshold, type Thresholds, type GateCheck, type GateResult, type GateOptions } from "./gate";
export { runSuites, type DiContainer, type SuiteClient, type RunSuitesOptions, type SuiteOutcome, type SuiteRunReport } from "./suite-runner";
export { decideVerdict, formatGateTable, toJsonReport, toJUnit, toMarkdownSummary, type ExitCode, type Verdict } from "./suite-report";
export type * from "./types";

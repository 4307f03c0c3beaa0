import type { Json } from "../api/types";
import type { EvaluatorClient } from "./host";
import type { Evaluation, EvaluationInit } from "./evaluation";

/** A local experiment item (the dataset item classes have the same three fields). */
export interface LocalExperimentItem<I = unknown, E = unknown> {
  input: I;
  expectedOutput?: E;
  metadata?: Json;
}

/** Anything with an input: local items or dataset items. */
export interface ExperimentItem {
  input?: unknown;
  expectedOutput?: unknown;
  metadata?: unknown;
}

export interface TaskArgs<I extends ExperimentItem = ExperimentItem> {
  /** The whole item (a DatasetItemClient for dataset experiments). */
  item: I;
  input: I["input"];
  expectedOutput: I["expectedOutput"];
  metadata: I["metadata"];
  langfuse: EvaluatorClient;
}

export type TaskFn<I extends ExperimentItem = ExperimentItem, O = unknown> = (args: TaskArgs<I>) => O | Promise<O>;

export interface EvaluatorArgs<I extends ExperimentItem = ExperimentItem, O = unknown> {
  input: I["input"];
  output: O;
  expectedOutput: I["expectedOutput"];
  metadata: I["metadata"];
  item: I;
  langfuse: EvaluatorClient;
}

/** What evaluators may return: one evaluation, a list, or nothing. Sync or async. */
export type EvaluatorReturn = Evaluation | EvaluationInit | ReadonlyArray<Evaluation | EvaluationInit> | null | undefined;

export type EvaluatorFn<I extends ExperimentItem = ExperimentItem, O = unknown> = (args: EvaluatorArgs<I, O>) => EvaluatorReturn | Promise<EvaluatorReturn>;

export interface RunEvaluatorArgs<I extends ExperimentItem = ExperimentItem, O = unknown> {
  /** Results of the items whose task succeeded, in input order. */
  itemResults: ExperimentItemResult<I, O>[];
  langfuse: EvaluatorClient;
}

export type RunEvaluatorFn<I extends ExperimentItem = ExperimentItem, O = unknown> = (
  args: RunEvaluatorArgs<I, O>,
) => EvaluatorReturn | Promise<EvaluatorReturn>;

/** A failure of one evaluator, kept beside the scores it could not produce. */
export interface EvaluatorError {
  evaluator: string;
  message: string;
}

export interface ExperimentItemResult<I extends ExperimentItem = ExperimentItem, O = unknown> {
  /** Position in the input data. */
  index: number;
  item: I;
  input: I["input"];
  expectedOutput: I["expectedOutput"];
  /** Undefined when the task failed. */
  output: O | undefined;
  evaluations: Evaluation[];
  traceId?: string;
  /** The item's root observation (scores are attached to it). */
  observationId?: string;
  datasetRunId?: string;
  /** The task's error message, when it failed (no evaluators ran then). */
  error?: string;
  evaluatorErrors: EvaluatorError[];
}

export interface ExperimentOptions<I extends ExperimentItem = ExperimentItem, O = unknown> {
  /** Experiment name (also the prefix of the default run name). */
  name: string;
  /** Default: `${name} - ${ISO timestamp}`. */
  runName?: string;
  description?: string;
  data: readonly I[];
  task: TaskFn<I, O>;
  evaluators?: ReadonlyArray<EvaluatorFn<I, O>>;
  runEvaluators?: ReadonlyArray<RunEvaluatorFn<I, O>>;
  /** Items processed at once. Default 3. */
  maxConcurrency?: number;
  /** Attached to every item trace (and to the dataset run). */
  metadata?: Record<string, Json>;
  /** Progress bar on stderr. Default: only when stderr is a TTY. */
  progress?: boolean;
}

export type DatasetExperimentOptions<I extends ExperimentItem = ExperimentItem, O = unknown> = Omit<ExperimentOptions<I, O>, "data">;

import type { Span } from "@opentelemetry/api";
import type { LangfuseApi } from "../api/langfuse-api";
import type { ScoreManager } from "../scores/score-manager";
import type { LangfuseClient } from "../tracing/client-handle";
import type { ScoreOptions, ScoreOutcome } from "../tracing/score-port";

/**
 * The observation handed to `item.run` callbacks and used for experiment item traces: the
 * subset of the tracing module's observation classes that datasets and experiments rely on.
 */
export interface RunObservation {
  readonly id: string;
  readonly traceId: string;
  readonly otelSpan: Span;
  update(fields: { input?: unknown; output?: unknown; metadata?: unknown; level?: "DEBUG" | "DEFAULT" | "WARNING" | "ERROR"; statusMessage?: string }): unknown;
  score(score: ScoreOptions): ScoreOutcome | void;
  scoreTrace(score: ScoreOptions): ScoreOutcome | void;
}

/** The client as tasks and evaluators see it (`args.langfuse`): the full `Langfuse` facade. */
export type EvaluatorClient = LangfuseClient;

/**
 * The port experiments (and datasets, which run experiments) need from the client, so they can
 * be built and tested without the facade: the API, the score queue and a way to run code inside
 * a new root span (a new trace). src/client/evals.ts implements it for a `Langfuse` client.
 */
export interface EvalsHost {
  readonly api: LangfuseApi;
  readonly scores: ScoreManager;
  /**
   * Runs `fn` inside a new span that starts a new trace (never a child of the caller's span),
   * active for everything `fn` does, ended when `fn` settles. `attributes` are set at start.
   */
  runInRootSpan<T>(
    options: { name: string; attributes?: Record<string, string | number | boolean | string[]> },
    fn: (span: RunObservation) => Promise<T> | T,
  ): Promise<T>;
  /** The client passed to evaluators and tasks as `langfuse`. */
  readonly client: EvaluatorClient;
  /** Delivers spans and scores. */
  flush(): Promise<unknown>;
  /**
   * Optional: starts writing what is queued (spans and scores) on the next event-loop turn,
   * without waiting and without taking flush()'s report. The runner calls it as items finish,
   * so the final flush finds little left.
   */
  sendSoon?(): void;
  /**
   * Optional: the address of a dataset run in a Langfuse UI, when the data lives on a server
   * that has one (the embedded store has none).
   */
  datasetRunUrl?(ids: { projectId: string; datasetId: string; runId: string }): string;
}

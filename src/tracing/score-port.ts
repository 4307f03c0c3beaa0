/**
 * What tracing needs from scoring: `observation.score()` and the free `scoreCurrentSpan()` hand
 * a score to an `ObservationScorer` (the client supplies its score manager through this port).
 * The score types live here, below src/scores, so that tracing never imports the layer above it.
 */
import type { Json, ScoreDataType } from "../api/types";

/**
 * What users pass to `createScore` / `span.score`. Field names are the wire names; `value` may
 * also be a boolean (turned into a BOOLEAN 0/1 score) because evaluators naturally return one.
 */
export interface CreateScoreInput {
  name: string;
  value: number | string | boolean;
  dataType?: ScoreDataType;
  traceId?: string;
  observationId?: string;
  sessionId?: string;
  datasetRunId?: string;
  comment?: string | null;
  configId?: string | null;
  metadata?: Json;
  /** Upsert key. Defaults to a random UUID. */
  id?: string;
  environment?: string;
  /** When the score was taken (the ingestion event timestamp). Defaults to now. */
  timestamp?: Date;
}

/** Score fields without a target: what `span.score()` and `scoreCurrentSpan()` accept. */
export type ScoreOptions = Omit<CreateScoreInput, "traceId" | "observationId" | "sessionId" | "datasetRunId">;

/** What a caller learns from `createScore`: never an exception. */
export type ScoreOutcome =
  | { status: "queued"; id: string }
  | { status: "invalid"; reason: string }
  | { status: "sampled-out" | "disabled" | "dropped" };

/** Anything with the ids of an observation: our observation classes, or a raw OTel span's context. */
export interface ScoreTarget {
  traceId: string;
  id: string;
}

/** The scoring operations observations and the free functions call. Never throws. */
export interface ObservationScorer {
  scoreObservation(target: ScoreTarget, score: ScoreOptions): ScoreOutcome;
  scoreTrace(target: Pick<ScoreTarget, "traceId">, score: ScoreOptions): ScoreOutcome;
  scoreCurrentSpan(score: ScoreOptions): ScoreOutcome;
  scoreCurrentTrace(score: ScoreOptions): ScoreOutcome;
}

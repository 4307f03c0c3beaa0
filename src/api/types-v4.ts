/**
 * Wire types of the Langfuse public API 4.x operations that the older OpenAPI file lacks or
 * shapes differently (../shared/spec/langfuse-api-4.35.0.contract.json, response shapes from
 * the server's zod schemas). Field names are exactly the server's; dates are ISO strings.
 */
import type { CreateScoreRequest, Json, ObservationLevel, ObservationType, PageQuery, ScoreDataType, ScoreSource } from "./types";

// ---------------------------------------------------------------- legacy ingestion events

/** Usage in the legacy (v2/v3 SDK) shape; `promptTokens`-style keys are accepted too. */
export interface LegacyUsage {
  input?: number | null;
  output?: number | null;
  total?: number | null;
  unit?: "CHARACTERS" | "TOKENS" | "MILLISECONDS" | "SECONDS" | "IMAGES" | "REQUESTS" | null;
  inputCost?: number | null;
  outputCost?: number | null;
  totalCost?: number | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  totalTokens?: number | null;
}

export interface TraceBody {
  id?: string | null;
  timestamp?: string | null;
  name?: string | null;
  input?: Json;
  output?: Json;
  sessionId?: string | null;
  userId?: string | null;
  environment?: string;
  metadata?: Json;
  release?: string | null;
  version?: string | null;
  public?: boolean | null;
  tags?: string[] | null;
}

export interface ObservationBody {
  id: string;
  traceId?: string | null;
  name?: string | null;
  startTime?: string | null;
  endTime?: string | null;
  completionStartTime?: string | null;
  metadata?: Json;
  input?: Json;
  output?: Json;
  level?: ObservationLevel | null;
  statusMessage?: string | null;
  parentObservationId?: string | null;
  version?: string | null;
  environment?: string;
  model?: string | null;
  modelParameters?: Record<string, unknown> | null;
  usage?: LegacyUsage | null;
  usageDetails?: Record<string, number> | null;
  costDetails?: Record<string, number> | null;
  promptName?: string | null;
  promptVersion?: number | null;
}

/** `observation-create` / `observation-update` (legacy): the type travels in the body. */
export interface LegacyObservationBody extends Omit<ObservationBody, "id"> {
  id?: string | null;
  type: "GENERATION" | "SPAN" | "EVENT";
}

interface EventEnvelope<Type extends string, Body> {
  /** Unique per event (deduplication); `body.id` is the object's id. */
  id: string;
  type: Type;
  timestamp: string;
  metadata?: Json;
  body: Body;
}

export type ObservationEventType =
  | "span-create"
  | "span-update"
  | "generation-create"
  | "generation-update"
  | "event-create"
  | "agent-create"
  | "tool-create"
  | "chain-create"
  | "retriever-create"
  | "evaluator-create"
  | "embedding-create"
  | "guardrail-create";

export type LegacyIngestionEvent =
  | EventEnvelope<"trace-create", TraceBody>
  | EventEnvelope<ObservationEventType, ObservationBody>
  | EventEnvelope<"observation-create" | "observation-update", LegacyObservationBody>
  | EventEnvelope<"score-create", CreateScoreRequest>
  | EventEnvelope<"sdk-log", { log: Json }>;

// ---------------------------------------------------------------- v2 observations (cursor)

/** Field groups of GET /api/public/v2/observations (`core` is always included). */
export type ObservationFieldGroup = "core" | "basic" | "time" | "io" | "metadata" | "model" | "usage" | "prompt" | "metrics" | "trace_context";

export interface ListObservationsV2Query {
  limit?: number;
  cursor?: string;
  /** Comma-separated field groups; default all. */
  fields?: string;
  traceId?: string;
  userId?: string;
  sessionId?: string;
  type?: ObservationType;
  name?: string;
  level?: ObservationLevel;
  parentObservationId?: string;
  isRootObservation?: boolean;
  environment?: string | string[];
  version?: string;
  fromStartTime?: string;
  toStartTime?: string;
  /** true: input/output/metadata parsed as JSON; false (default): raw strings. */
  parseIoAsJson?: boolean;
  /** JSON array of filter conditions (see MetricsFilter). */
  filter?: string;
}

/** One row of v2 observations; which keys are present depends on `fields`. */
export interface ObservationV2 {
  id: string;
  traceId: string;
  startTime: string;
  endTime: string | null;
  projectId: string;
  parentObservationId: string | null;
  type: ObservationType;
  name?: string | null;
  level?: ObservationLevel;
  statusMessage?: string | null;
  version?: string | null;
  environment?: string;
  bookmarked?: boolean;
  public?: boolean;
  userId?: string | null;
  sessionId?: string | null;
  isRootObservation?: boolean;
  completionStartTime?: string | null;
  createdAt?: string;
  updatedAt?: string;
  input?: Json;
  output?: Json;
  metadata?: Json;
  providedModelName?: string | null;
  internalModelId?: string | null;
  modelParameters?: Json;
  usageDetails?: Record<string, number>;
  costDetails?: Record<string, number>;
  totalCost?: number | null;
  usagePricingTierName?: string | null;
  promptId?: string | null;
  promptName?: string | null;
  promptVersion?: number | null;
  latency?: number | null;
  timeToFirstToken?: number | null;
  tags?: string[];
  release?: string | null;
  traceName?: string | null;
  modelId: string | null;
  inputPrice: string | null;
  outputPrice: string | null;
  totalPrice: string | null;
}

export interface CursorPage<X> {
  data: X[];
  meta: { cursor?: string; limit?: number };
}

// ---------------------------------------------------------------- v3 scores (cursor)

export type ScoreFieldGroupV3 = "core" | "details" | "subject" | "annotation";

export interface ListScoresV3Query {
  limit?: number;
  cursor?: string;
  /** Comma-separated: core (always), details, subject, annotation. */
  fields?: string;
  /** Comma-separated lists, as on the server. */
  id?: string;
  name?: string;
  source?: string;
  dataType?: string;
  environment?: string;
  configId?: string;
  queueId?: string;
  authorUserId?: string;
  value?: string;
  valueMin?: number;
  valueMax?: number;
  traceId?: string;
  sessionId?: string;
  observationId?: string;
  experimentId?: string;
  fromTimestamp?: string;
  toTimestamp?: string;
}

export type ScoreSubjectV3 =
  | { kind: "trace"; id: string }
  | { kind: "observation"; id: string; traceId?: string }
  | { kind: "session"; id: string }
  | { kind: "experiment"; id: string };

export interface ScoreV3 {
  id: string;
  projectId: string;
  name: string;
  source: ScoreSource;
  timestamp: string;
  environment: string;
  createdAt: string;
  updatedAt: string;
  dataType: ScoreDataType;
  /** number (NUMERIC), boolean (BOOLEAN) or string (CATEGORICAL, TEXT, CORRECTION). */
  value: number | boolean | string;
  comment?: string | null;
  configId?: string | null;
  metadata?: Record<string, unknown>;
  authorUserId?: string | null;
  queueId?: string | null;
  subject?: ScoreSubjectV3;
}

// ---------------------------------------------------------------- metrics (v1 and v2)

export type MetricsView = "traces" | "observations" | "scores-numeric" | "scores-categorical" | "scores-boolean";
export type MetricsAggregation = "sum" | "avg" | "count" | "max" | "min" | "p50" | "p75" | "p90" | "p95" | "p99" | "histogram" | "uniq";
export type MetricsGranularity = "auto" | "minute" | "hour" | "day" | "week" | "month";

export interface MetricsFilter {
  column: string;
  operator: string;
  value: unknown;
  type: string;
  key?: string;
}

export interface MetricsQuery {
  view: MetricsView;
  dimensions?: { field: string }[];
  metrics: { measure: string; aggregation: MetricsAggregation }[];
  filters?: MetricsFilter[];
  timeDimension?: { granularity: MetricsGranularity } | null;
  fromTimestamp: string;
  toTimestamp: string;
  orderBy?: { field: string; direction: "asc" | "desc" }[] | null;
  config?: { bins?: number; row_limit?: number };
}

/** Rows keyed by dimension name, `time_dimension`, and `<aggregation>_<measure>`. */
export interface MetricsResponse {
  data: Record<string, string | number | null>[];
}

// ---------------------------------------------------------------- models

export interface PricingTierCondition {
  usageDetailPattern: string;
  operator: "gt" | "gte" | "lt" | "lte" | "eq" | "neq";
  value: number;
  caseSensitive?: boolean;
}

export interface PricingTier {
  id: string;
  name: string;
  isDefault: boolean;
  priority: number;
  conditions: PricingTierCondition[];
  prices: Record<string, number>;
}

export interface PricingTierInput {
  name: string;
  isDefault: boolean;
  priority: number;
  conditions?: PricingTierCondition[];
  prices: Record<string, number>;
}

export type ModelUsageUnit = "CHARACTERS" | "TOKENS" | "MILLISECONDS" | "SECONDS" | "IMAGES" | "REQUESTS";

export interface CreateModelRequest {
  modelName: string;
  /** Regex (Postgres syntax; a leading `(?i)` means case-insensitive). */
  matchPattern: string;
  startDate?: string | null;
  unit?: ModelUsageUnit | null;
  inputPrice?: number | null;
  outputPrice?: number | null;
  totalPrice?: number | null;
  tokenizerId?: "openai" | "claude" | null;
  tokenizerConfig?: Json;
  pricingTiers?: PricingTierInput[] | null;
}

export interface Model {
  id: string;
  modelName: string;
  matchPattern: string;
  startDate: string | null;
  unit: ModelUsageUnit | null;
  inputPrice: number | null;
  outputPrice: number | null;
  totalPrice: number | null;
  tokenizerId: string | null;
  tokenizerConfig: Json;
  isLangfuseManaged: boolean;
  createdAt: string;
  prices: Record<string, { price: number }>;
  pricingTiers: PricingTier[];
}

// ---------------------------------------------------------------- score configs

export interface ConfigCategory {
  label: string;
  value: number;
}

export interface CreateScoreConfigRequest {
  name: string;
  dataType: "NUMERIC" | "BOOLEAN" | "CATEGORICAL" | "TEXT";
  categories?: ConfigCategory[] | null;
  minValue?: number | null;
  maxValue?: number | null;
  description?: string | null;
}

export interface UpdateScoreConfigRequest {
  name?: string;
  isArchived?: boolean;
  categories?: ConfigCategory[] | null;
  minValue?: number | null;
  maxValue?: number | null;
  description?: string | null;
}

export interface ScoreConfig {
  id: string;
  projectId: string;
  name: string;
  dataType: "NUMERIC" | "BOOLEAN" | "CATEGORICAL" | "TEXT";
  isArchived: boolean;
  minValue?: number | null;
  maxValue?: number | null;
  categories?: ConfigCategory[] | null;
  description?: string | null;
  createdAt: string;
  updatedAt: string;
}

// ---------------------------------------------------------------- comments

export type CommentObjectType = "TRACE" | "OBSERVATION" | "SESSION" | "PROMPT";

export interface CreateCommentRequest {
  projectId: string;
  objectType: CommentObjectType;
  objectId: string;
  content: string;
  authorUserId?: string | null;
}

export interface Comment {
  id: string;
  projectId: string;
  objectType: CommentObjectType;
  objectId: string;
  content: string;
  authorUserId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ListCommentsQuery extends PageQuery {
  objectType?: CommentObjectType;
  objectId?: string;
  authorUserId?: string;
}

// ---------------------------------------------------------------- annotation queues

export type AnnotationQueueObjectType = "TRACE" | "OBSERVATION" | "SESSION";
export type AnnotationQueueStatus = "PENDING" | "COMPLETED";

export interface AnnotationQueue {
  id: string;
  name: string;
  description: string | null;
  scoreConfigIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface CreateAnnotationQueueRequest {
  name: string;
  description?: string | null;
  scoreConfigIds: string[];
}

export interface AnnotationQueueItem {
  id: string;
  queueId: string;
  objectId: string;
  objectType: AnnotationQueueObjectType;
  status: AnnotationQueueStatus;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateAnnotationQueueItemRequest {
  objectId: string;
  objectType: AnnotationQueueObjectType;
  status?: AnnotationQueueStatus;
}

export interface AnnotationQueueAssignment {
  userId: string;
  queueId: string;
  projectId: string;
}

// ---------------------------------------------------------------- experiments

export interface ListExperimentsQuery {
  fromStartTime: string;
  toStartTime?: string;
  limit?: number;
  cursor?: string;
  /** Comma-separated: core (default), metadata, scores. */
  fields?: string;
  id?: string;
  name?: string;
  datasetId?: string;
  scoreLimit?: number;
  /** JSON array of filter conditions on id, name, datasetId. */
  filter?: string;
}

export interface Experiment {
  id: string;
  name: string;
  description: string | null;
  startTime: string;
  endTime: string;
  itemCount: number;
  datasetId: string | null;
  metadata?: Record<string, unknown> | null;
  scores?: ScoreV3[];
}

export interface ListExperimentItemsQuery {
  fromStartTime: string;
  toStartTime?: string;
  limit?: number;
  cursor?: string;
  /** Comma-separated: core, dataset (default), io, metadata, itemMetadata, experimentMetadata, scores. */
  fields?: string;
  experimentId?: string;
  experimentName?: string;
  experimentItemId?: string;
  datasetId?: string;
  scoreLimit?: number;
  /** JSON array of filter conditions on experimentId, experimentName, experimentItemId, datasetId. */
  filter?: string;
}

/** One experiment item as GET /api/public/experiment-items lists it. */
export interface ExperimentItemRecord {
  id: string;
  traceId: string;
  startTime: string;
  endTime: string | null;
  level: ObservationLevel;
  environment: string;
  experimentId: string;
  experimentName: string;
  experimentItemId: string;
  experimentDatasetId?: string | null;
  experimentItemVersion?: string | null;
  input?: Json;
  output?: Json;
  expectedOutput?: Json;
  metadata?: Record<string, unknown> | null;
  itemMetadata?: Record<string, unknown> | null;
  experimentMetadata?: Record<string, unknown> | null;
  experimentDescription?: string | null;
  scores?: ScoreV3[];
}


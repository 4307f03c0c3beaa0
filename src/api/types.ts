/**
 * Wire types of the Langfuse public API (field names exactly as the server sends them).
 * Source of truth: ../shared/spec/langfuse-openapi.yml and reference/langfuse-server-api.md.
 * Dates travel as ISO-8601 strings.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** Values users hand us (inputs, outputs, metadata); serialized to JSON on the wire. */
export type Json = unknown;

export interface PageMeta {
  page: number;
  limit: number;
  totalItems: number;
  totalPages: number;
}

export interface Paginated<T> {
  data: T[];
  meta: PageMeta;
}

export interface PageQuery {
  /** 1-based. */
  page?: number;
  /** 1..100. */
  limit?: number;
}

// ---------------------------------------------------------------- prompts

export interface ChatMessage {
  role: string;
  content: string;
  [extra: string]: unknown;
}

export interface ChatPlaceholder {
  type: "placeholder";
  name: string;
}

export type ChatMessageOrPlaceholder = ChatMessage | ChatPlaceholder;

interface PromptBase {
  id?: string;
  name: string;
  version: number;
  config: Json;
  labels: string[];
  tags: string[];
  commitMessage?: string | null;
  createdAt?: string;
  updatedAt?: string;
  resolutionGraph?: Json | null;
}

export interface TextPrompt extends PromptBase {
  type: "text";
  prompt: string;
}

export interface ChatPrompt extends PromptBase {
  type: "chat";
  prompt: ChatMessageOrPlaceholder[];
}

export type Prompt = TextPrompt | ChatPrompt;

export interface CreateTextPromptRequest {
  name: string;
  type?: "text";
  prompt: string;
  labels?: string[];
  config?: Json;
  tags?: string[];
  commitMessage?: string;
}

export interface CreateChatPromptRequest {
  name: string;
  type: "chat";
  prompt: ChatMessageOrPlaceholder[];
  labels?: string[];
  config?: Json;
  tags?: string[];
  commitMessage?: string;
}

export type CreatePromptRequest = CreateTextPromptRequest | CreateChatPromptRequest;

export interface GetPromptQuery {
  version?: number;
  label?: string;
}

export interface PromptMeta {
  name: string;
  type: "text" | "chat";
  versions: number[];
  labels: string[];
  tags: string[];
  lastUpdatedAt: string;
  lastConfig: Json;
}

export interface ListPromptsQuery extends PageQuery {
  name?: string;
  label?: string;
  tag?: string;
  fromUpdatedAt?: string;
  toUpdatedAt?: string;
}

// ---------------------------------------------------------------- datasets

export type DatasetStatus = "ACTIVE" | "ARCHIVED";

export interface Dataset {
  id: string;
  projectId?: string;
  name: string;
  description: string | null;
  metadata: Json;
  inputSchema: Json | null;
  expectedOutputSchema: Json | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateDatasetRequest {
  name: string;
  description?: string | null;
  metadata?: Json;
  inputSchema?: Json | null;
  expectedOutputSchema?: Json | null;
}

export interface DatasetItem {
  id: string;
  status: DatasetStatus;
  input: Json;
  expectedOutput: Json;
  metadata: Json;
  sourceTraceId: string | null;
  sourceObservationId: string | null;
  datasetId: string;
  datasetName: string;
  createdAt: string;
  updatedAt: string;
}

export interface UpsertDatasetItemRequest {
  datasetName: string;
  id?: string;
  input?: Json;
  expectedOutput?: Json;
  metadata?: Json;
  sourceTraceId?: string | null;
  sourceObservationId?: string | null;
  status?: DatasetStatus | null;
}

export interface ListDatasetItemsQuery extends PageQuery {
  datasetName?: string;
  sourceTraceId?: string;
  sourceObservationId?: string;
  /** ISO timestamp: the dataset as it was at that instant (requires datasetName). */
  version?: string;
}

export interface DatasetRun {
  id: string;
  name: string;
  description: string | null;
  metadata: Json;
  datasetId: string;
  datasetName: string;
  createdAt: string;
  updatedAt: string;
}

export interface DatasetRunItem {
  id: string;
  datasetRunId: string;
  datasetRunName: string;
  datasetItemId: string;
  traceId: string;
  observationId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DatasetRunWithItems extends DatasetRun {
  datasetRunItems: DatasetRunItem[];
}

export interface CreateDatasetRunItemRequest {
  runName: string;
  runDescription?: string | null;
  metadata?: Json;
  datasetItemId: string;
  traceId?: string | null;
  observationId?: string | null;
  /** ISO timestamp of the dataset version the item was read at. */
  datasetVersion?: string | null;
  createdAt?: string | null;
}

export interface ListDatasetRunItemsQuery extends PageQuery {
  datasetId: string;
  runName: string;
}

// ---------------------------------------------------------------- scores

export type ScoreDataType = "NUMERIC" | "CATEGORICAL" | "BOOLEAN" | "CORRECTION" | "TEXT";
export type ScoreSource = "API" | "ANNOTATION" | "EVAL";

export interface CreateScoreRequest {
  id?: string;
  name: string;
  value: number | string;
  dataType?: ScoreDataType;
  traceId?: string;
  observationId?: string;
  sessionId?: string;
  datasetRunId?: string;
  comment?: string | null;
  metadata?: Json;
  environment?: string;
  configId?: string | null;
  queueId?: string | null;
}

export interface Score {
  id: string;
  name: string;
  value: number | null;
  stringValue?: string | null;
  dataType: ScoreDataType;
  source: ScoreSource;
  traceId: string | null;
  observationId: string | null;
  sessionId: string | null;
  datasetRunId: string | null;
  comment: string | null;
  metadata: Json;
  configId: string | null;
  queueId: string | null;
  environment: string;
  timestamp: string;
  createdAt: string;
  updatedAt: string;
}

export interface ListScoresQuery extends PageQuery {
  name?: string;
  traceId?: string;
  observationId?: string;
  sessionId?: string;
  datasetRunId?: string;
  dataType?: ScoreDataType;
  source?: ScoreSource;
  environment?: string | string[];
  fromTimestamp?: string;
  toTimestamp?: string;
}

/** One event of POST /api/public/ingestion. The SDK only sends `score-create`. */
export interface IngestionEvent {
  id: string;
  type: "score-create";
  timestamp: string;
  body: CreateScoreRequest & { id: string };
}

export interface IngestionResult {
  successes: { id: string; status: number }[];
  errors: { id: string; status: number; message?: string; error?: Json }[];
}

// ---------------------------------------------------------------- media

export type MediaField = "input" | "output" | "metadata" | "expectedOutput";

export interface CreateMediaRequest {
  traceId?: string;
  observationId?: string;
  datasetId?: string;
  datasetItemId?: string;
  field: MediaField;
  contentType: string;
  contentLength: number;
  /** base64 of the SHA-256 of the bytes (44 chars). */
  sha256Hash: string;
}

export interface CreateMediaResponse {
  mediaId: string;
  /** null when the same bytes were uploaded before (deduplicated). */
  uploadUrl: string | null;
}

export interface PatchMediaRequest {
  uploadedAt: string;
  uploadHttpStatus: number;
  uploadHttpError?: string | null;
  uploadTimeMs?: number | null;
}

export interface Media {
  mediaId: string;
  contentType: string;
  contentLength: number;
  uploadedAt: string;
  url: string;
  urlExpiry: string;
}

// ---------------------------------------------------------------- traces, observations, sessions

export type ObservationType =
  | "SPAN"
  | "GENERATION"
  | "EVENT"
  | "AGENT"
  | "TOOL"
  | "CHAIN"
  | "RETRIEVER"
  | "EVALUATOR"
  | "EMBEDDING"
  | "GUARDRAIL";

export type ObservationLevel = "DEBUG" | "DEFAULT" | "WARNING" | "ERROR";

export interface Trace {
  id: string;
  timestamp: string;
  name: string | null;
  userId: string | null;
  sessionId: string | null;
  release: string | null;
  version: string | null;
  environment: string;
  public: boolean;
  tags: string[];
  input: Json;
  output: Json;
  metadata: Json;
  createdAt: string;
  updatedAt: string;
}

export interface Observation {
  id: string;
  traceId: string;
  parentObservationId: string | null;
  type: ObservationType;
  name: string | null;
  environment: string;
  startTime: string;
  endTime: string | null;
  completionStartTime: string | null;
  version: string | null;
  input: Json;
  output: Json;
  metadata: Json;
  level: ObservationLevel;
  statusMessage: string | null;
  model: string | null;
  modelParameters: Json;
  usageDetails: Record<string, number>;
  costDetails: Record<string, number>;
  promptId: string | null;
  promptName: string | null;
  promptVersion: number | null;
  latency: number | null;
  timeToFirstToken: number | null;
}

export interface TraceWithDetails extends Trace {
  observations: Observation[];
  scores: Score[];
  totalCost: number;
  latency: number | null;
}

export interface TraceListItem extends Trace {
  observations: string[];
  scores: string[];
  totalCost: number;
  latency: number | null;
}

export interface ListTracesQuery extends PageQuery {
  userId?: string;
  name?: string;
  sessionId?: string;
  version?: string;
  release?: string;
  tags?: string | string[];
  environment?: string | string[];
  fromTimestamp?: string;
  toTimestamp?: string;
  /** `field.asc` | `field.desc` (timestamp, name, userId, ...). */
  orderBy?: string;
}

export interface ListObservationsQuery extends PageQuery {
  traceId?: string;
  type?: ObservationType;
  name?: string;
  parentObservationId?: string;
  level?: ObservationLevel;
  environment?: string | string[];
  fromStartTime?: string;
  toStartTime?: string;
}

export interface Session {
  id: string;
  createdAt: string;
  environment: string;
}

export interface SessionWithTraces extends Session {
  traces: Trace[];
}

export interface ListSessionsQuery extends PageQuery {
  fromTimestamp?: string;
  toTimestamp?: string;
  environment?: string | string[];
}

export interface HealthResponse {
  status: string;
  version: string;
}

/** `Organization` of the OpenAPI file. */
export interface Organization {
  id: string;
  name: string;
}

/** `Project` of the OpenAPI file: the project the API keys belong to. */
export interface Project {
  id: string;
  name: string;
  organization: Organization;
  metadata: Record<string, unknown>;
  /** Days data is kept; null or 0 means no retention. Omitted when none is configured. */
  retentionDays?: number | null;
}

/** `Projects` of the OpenAPI file: GET /api/public/projects (one project for project-scoped keys). */
export interface Projects {
  data: Project[];
}

// Declaration merging (this file is append-only): the OpenAPI `TraceWithDetails` (list items)
// and `TraceWithFullDetails` (get) both carry the trace's UI path.
export interface TraceListItem {
  /** Path of the trace in the Langfuse UI: `/project/<projectId>/traces/<traceId>`. */
  htmlPath: string;
}
export interface TraceWithDetails {
  /** Path of the trace in the Langfuse UI: `/project/<projectId>/traces/<traceId>`. */
  htmlPath: string;
}
// Query parameters of the 4.x contract on the v1 lists.
export interface ListObservationsQuery {
  /** The user of the observation's trace. */
  userId?: string;
  version?: string;
}
export interface ListScoresQuery {
  configId?: string;
  queueId?: string;
  /** The user of the score's trace. */
  userId?: string;
  /** Comma-separated score ids. */
  scoreIds?: string;
  /** With `operator` (default `=`): compares the numeric value. */
  value?: number;
  operator?: "<" | ">" | "<=" | ">=" | "!=" | "=";
}

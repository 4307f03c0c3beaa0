import type * as T from "./types";
import type * as V4 from "./types-v4";

/**
 * Everything the SDK (and its users, as `langfuse.api`) needs from the Langfuse public API.
 * Two implementations share one contract test suite:
 *  - `HttpApi` (src/api/http/) talks to Langfuse Cloud, a self-hosted Langfuse, or our local server;
 *  - `LocalApi` (src/local/) serves the same semantics from the embedded SQLite store.
 *
 * Errors: every method rejects with `LangfuseApiError` (src/api/errors.ts) carrying the HTTP
 * status the real server would answer (400, 404, 409, ...) and its JSON body.
 * Names with folders (`a/b/c`) are passed plain; implementations encode them.
 */
export interface LangfuseApi {
  readonly prompts: {
    create(body: T.CreatePromptRequest): Promise<T.Prompt>;
    /** Neither version nor label → label `production`; both → 400. */
    get(name: string, query?: T.GetPromptQuery): Promise<T.Prompt>;
    list(query?: T.ListPromptsQuery): Promise<T.Paginated<T.PromptMeta>>;
    /** Adds `newLabels` to that version and removes them from every other version. */
    updateLabels(name: string, version: number, newLabels: string[]): Promise<T.Prompt>;
    /** Deletes all versions, or only one version / label. */
    delete(name: string, query?: T.GetPromptQuery): Promise<void>;
  };

  readonly datasets: {
    /** Upsert by name. */
    create(body: T.CreateDatasetRequest): Promise<T.Dataset>;
    get(name: string): Promise<T.Dataset>;
    list(query?: T.PageQuery): Promise<T.Paginated<T.Dataset>>;
    listRuns(datasetName: string, query?: T.PageQuery): Promise<T.Paginated<T.DatasetRun>>;
    getRun(datasetName: string, runName: string): Promise<T.DatasetRunWithItems>;
    /** Deletes the run and its run items (not their traces). */
    deleteRun(datasetName: string, runName: string): Promise<{ message: string }>;
  };

  readonly datasetItems: {
    /** Upsert by id (merging undefined fields); validates against the dataset's JSON schemas. */
    upsert(body: T.UpsertDatasetItemRequest): Promise<T.DatasetItem>;
    get(id: string): Promise<T.DatasetItem>;
    /** ACTIVE items only; `version` returns the snapshot at that timestamp. */
    list(query?: T.ListDatasetItemsQuery): Promise<T.Paginated<T.DatasetItem>>;
    delete(id: string): Promise<void>;
  };

  readonly datasetRunItems: {
    create(body: T.CreateDatasetRunItemRequest): Promise<T.DatasetRunItem>;
    list(query: T.ListDatasetRunItemsQuery): Promise<T.Paginated<T.DatasetRunItem>>;
  };

  readonly scores: {
    /** POST /api/public/scores (upsert on id). */
    create(body: T.CreateScoreRequest): Promise<{ id: string }>;
    list(query?: T.ListScoresQuery): Promise<T.Paginated<T.Score>>;
    get(id: string): Promise<T.Score>;
    delete(id: string): Promise<void>;
  };

  readonly ingestion: {
    /**
     * POST /api/public/ingestion: every legacy event type (traces, observations, scores,
     * sdk-log), stored in the same tables as OTLP. Answers 207-style per-event results.
     */
    batch(events: (T.IngestionEvent | V4.LegacyIngestionEvent)[]): Promise<T.IngestionResult>;
  };

  readonly media: {
    create(body: T.CreateMediaRequest): Promise<T.CreateMediaResponse>;
    patch(mediaId: string, body: T.PatchMediaRequest): Promise<void>;
    get(mediaId: string): Promise<T.Media>;
  };

  readonly traces: {
    get(traceId: string): Promise<T.TraceWithDetails>;
    list(query?: T.ListTracesQuery): Promise<T.Paginated<T.TraceListItem>>;
    /** Deletes the trace with its observations and scores. */
    delete(traceId: string): Promise<{ message: string }>;
    deleteMany(traceIds: string[]): Promise<{ message: string }>;
  };

  readonly observations: {
    get(id: string): Promise<T.Observation>;
    list(query?: T.ListObservationsQuery): Promise<T.Paginated<T.Observation>>;
    /** GET /api/public/v2/observations: cursor pagination, field groups, I/O as raw strings by default. */
    listV2(query?: V4.ListObservationsV2Query): Promise<V4.CursorPage<V4.ObservationV2>>;
  };

  /** GET /api/public/v3/scores (cursor pagination, field groups, polymorphic `value`). */
  readonly scoresV3: {
    list(query?: V4.ListScoresV3Query): Promise<V4.CursorPage<V4.ScoreV3>>;
  };

  /** GET /api/public/v2/metrics (and the deprecated v1 `/metrics`, which also has the `traces` view). */
  readonly metrics: {
    query(query: V4.MetricsQuery): Promise<V4.MetricsResponse>;
    queryV1(query: V4.MetricsQuery): Promise<V4.MetricsResponse>;
  };

  /** Custom model prices; `list`/`get` include the built-in (Langfuse-managed) models. */
  readonly models: {
    create(body: V4.CreateModelRequest): Promise<V4.Model>;
    /** PUT: creates or replaces the custom model with this id. */
    upsert(id: string, body: V4.CreateModelRequest): Promise<V4.Model>;
    list(query?: T.PageQuery): Promise<T.Paginated<V4.Model>>;
    get(id: string): Promise<V4.Model>;
    delete(id: string): Promise<{ message: string }>;
  };

  readonly scoreConfigs: {
    create(body: V4.CreateScoreConfigRequest): Promise<V4.ScoreConfig>;
    list(query?: T.PageQuery): Promise<T.Paginated<V4.ScoreConfig>>;
    get(id: string): Promise<V4.ScoreConfig>;
    update(id: string, body: V4.UpdateScoreConfigRequest): Promise<V4.ScoreConfig>;
  };

  readonly comments: {
    create(body: V4.CreateCommentRequest): Promise<{ id: string }>;
    list(query?: V4.ListCommentsQuery): Promise<T.Paginated<V4.Comment>>;
    get(id: string): Promise<V4.Comment>;
  };

  readonly annotationQueues: {
    list(query?: T.PageQuery): Promise<T.Paginated<V4.AnnotationQueue>>;
    create(body: V4.CreateAnnotationQueueRequest): Promise<V4.AnnotationQueue>;
    get(queueId: string): Promise<V4.AnnotationQueue>;
    listItems(queueId: string, query?: T.PageQuery & { status?: V4.AnnotationQueueStatus }): Promise<T.Paginated<V4.AnnotationQueueItem>>;
    createItem(queueId: string, body: V4.CreateAnnotationQueueItemRequest): Promise<V4.AnnotationQueueItem>;
    getItem(queueId: string, itemId: string): Promise<V4.AnnotationQueueItem>;
    updateItem(queueId: string, itemId: string, body: { status?: V4.AnnotationQueueStatus }): Promise<V4.AnnotationQueueItem>;
    deleteItem(queueId: string, itemId: string): Promise<{ success: boolean; message: string }>;
    createAssignment(queueId: string, body: { userId: string }): Promise<V4.AnnotationQueueAssignment>;
    deleteAssignment(queueId: string, body: { userId: string }): Promise<{ success: boolean }>;
  };

  /** Experiments recorded by `runExperiment` (observations carrying experiment attributes). */
  readonly experiments: {
    list(query: V4.ListExperimentsQuery): Promise<V4.CursorPage<V4.Experiment>>;
    listItems(query: V4.ListExperimentItemsQuery): Promise<V4.CursorPage<V4.ExperimentItemRecord>>;
  };

  readonly sessions: {
    get(sessionId: string): Promise<T.SessionWithTraces>;
    list(query?: T.ListSessionsQuery): Promise<T.Paginated<T.Session>>;
  };

  health(): Promise<T.HealthResponse>;

  readonly projects: {
    /**
     * GET /api/public/projects: the project behind the keys (`data[0]`; an empty list means the
     * keys belong to no project). Used by `authCheck()` and `getTraceUrl()`.
     */
    get(): Promise<T.Projects>;
  };
}

import type * as T from "./types";

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
    /** POST /api/public/ingestion; the SDK sends `score-create` events only. Answers 207-style results. */
    batch(events: T.IngestionEvent[]): Promise<T.IngestionResult>;
  };

  readonly media: {
    create(body: T.CreateMediaRequest): Promise<T.CreateMediaResponse>;
    patch(mediaId: string, body: T.PatchMediaRequest): Promise<void>;
    get(mediaId: string): Promise<T.Media>;
  };

  readonly traces: {
    get(traceId: string): Promise<T.TraceWithDetails>;
    list(query?: T.ListTracesQuery): Promise<T.Paginated<T.TraceListItem>>;
  };

  readonly observations: {
    get(id: string): Promise<T.Observation>;
    list(query?: T.ListObservationsQuery): Promise<T.Paginated<T.Observation>>;
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

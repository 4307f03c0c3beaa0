import type { LangfuseApi } from "../api/langfuse-api";
import type * as T from "../api/types";
import { localDatasetItems, localDatasetRunItems, localDatasets, LocalDatasetStore } from "./api/datasets";
import { LOCAL_MEDIA_URLS, localMedia, LocalMediaStore, type MediaUrls } from "./api/media";
import { localProjects } from "./api/projects";
import { LocalPrompts } from "./api/prompts";
import { localObservations, LocalReads, localSessions, localTraces } from "./api/reads";
import { LocalScoreStore, localScores } from "./api/scores";
import { guardInputs } from "./api/input-guard";
import type { LocalStore } from "./store";
import { SDK_VERSION } from "../config/sdk-info";

export interface LocalApiOptions {
  /** Upload/download URLs handed out for media (the local server points them at itself). */
  mediaUrls?: MediaUrls;
}

/**
 * `LangfuseApi` served from the embedded store, with the real server's semantics, status codes
 * and error bodies. Every method settles after its SQLite transaction committed, so what one
 * call wrote is visible to the next at once.
 */
export class LocalApi implements LangfuseApi {
  readonly prompts: LangfuseApi["prompts"];
  readonly datasets: LangfuseApi["datasets"];
  readonly datasetItems: LangfuseApi["datasetItems"];
  readonly datasetRunItems: LangfuseApi["datasetRunItems"];
  readonly scores: LangfuseApi["scores"];
  readonly ingestion: LangfuseApi["ingestion"];
  readonly media: LangfuseApi["media"];
  readonly traces: LangfuseApi["traces"];
  readonly observations: LangfuseApi["observations"];
  readonly sessions: LangfuseApi["sessions"];
  /** One project, "local" (see src/local/api/projects.ts). */
  readonly projects: LangfuseApi["projects"] = localProjects();
  private readonly mediaStore: LocalMediaStore;

  /** Every resource's arguments pass through guardInputs (depth bound, well-formed text) first. */
  constructor(
    readonly store: LocalStore,
    options: LocalApiOptions = {},
  ) {
    const datasets = new LocalDatasetStore(store);
    const scores = new LocalScoreStore(store);
    const reads = new LocalReads(store, scores);
    this.mediaStore = new LocalMediaStore(store, options.mediaUrls ?? LOCAL_MEDIA_URLS);
    this.prompts = guardInputs(new LocalPrompts(store));
    this.datasets = guardInputs(localDatasets(datasets));
    this.datasetItems = guardInputs(localDatasetItems(datasets));
    this.datasetRunItems = guardInputs(localDatasetRunItems(datasets));
    this.scores = guardInputs(localScores(scores));
    this.ingestion = guardInputs({ batch: async (events: T.IngestionEvent[]) => scores.batch(events) });
    this.media = guardInputs(localMedia(this.mediaStore));
    this.traces = guardInputs(localTraces(reads));
    this.observations = guardInputs(localObservations(reads));
    this.sessions = guardInputs(localSessions(reads));
  }

  async health(): Promise<T.HealthResponse> {
    this.store.db.prepare("SELECT 1").get();
    return { status: "OK", version: SDK_VERSION };
  }

  /** Stores uploaded media bytes (checked against the announced hash, length and type). */
  putMediaBytes(mediaId: string, bytes: Uint8Array, contentType?: string): void {
    this.mediaStore.putBytes(mediaId, bytes, contentType);
  }

  /** The bytes of an uploaded media record. */
  getMediaBytes(mediaId: string): { contentType: string; bytes: Buffer } {
    return this.mediaStore.getBytes(mediaId);
  }
}

import type { LangfuseApi } from "../api/langfuse-api";
import type * as T from "../api/types";
import { localDatasetItems, localDatasetRunItems, localDatasets, LocalDatasetStore } from "./api/datasets";
import { LOCAL_MEDIA_URLS, localMedia, LocalMediaStore, type MediaUrls } from "./api/media";
import { localProjects } from "./api/projects";
import { LocalPrompts } from "./api/prompts";
import { localObservations, LocalReads, localSessions, localTraces } from "./api/reads";
import { LocalScoreStore, localScores } from "./api/scores";
import { guardInputs } from "./api/input-guard";
import { localAnnotationQueues, localComments, LocalCommentsAndQueues } from "./api/comments-and-queues";
import { LegacyIngestion } from "./api/legacy-ingestion";
import { localMetrics } from "./api/metrics";
import { LocalModelStore, localModels } from "./api/models";
import { LocalReadsV4, localReadsV4 } from "./api/reads-v4";
import { LocalScoreConfigStore, localScoreConfigs } from "./api/score-configs";
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
  readonly scoresV3: LangfuseApi["scoresV3"];
  readonly metrics: LangfuseApi["metrics"];
  readonly models: LangfuseApi["models"];
  readonly scoreConfigs: LangfuseApi["scoreConfigs"];
  readonly comments: LangfuseApi["comments"];
  readonly annotationQueues: LangfuseApi["annotationQueues"];
  readonly experiments: LangfuseApi["experiments"];
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
    const v4 = localReadsV4(new LocalReadsV4(store));
    this.datasets = guardInputs({ ...localDatasets(datasets), deleteRun: v4.deleteRun });
    this.datasetItems = guardInputs(localDatasetItems(datasets));
    this.datasetRunItems = guardInputs(localDatasetRunItems(datasets));
    this.scores = guardInputs(localScores(scores));
    const legacy = new LegacyIngestion(store, scores);
    this.ingestion = guardInputs({ batch: async (events: T.IngestionEvent[]) => legacy.batch(events) });
    this.media = guardInputs(localMedia(this.mediaStore));
    this.traces = guardInputs({ ...localTraces(reads), delete: v4.deleteTrace, deleteMany: v4.deleteTraces });
    this.observations = guardInputs({ ...localObservations(reads), listV2: v4.listV2 });
    this.sessions = guardInputs(localSessions(reads));
    this.scoresV3 = guardInputs(v4.scoresV3);
    this.experiments = guardInputs(v4.experiments);
    this.metrics = guardInputs(localMetrics(store));
    this.models = guardInputs(localModels(new LocalModelStore(store)));
    this.scoreConfigs = guardInputs(localScoreConfigs(new LocalScoreConfigStore(store)));
    const commentsAndQueues = new LocalCommentsAndQueues(store);
    this.comments = guardInputs(localComments(commentsAndQueues));
    this.annotationQueues = guardInputs(localAnnotationQueues(commentsAndQueues));
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

import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { LangfuseApi } from "../../api/langfuse-api";
import type { LangfuseMode } from "../../config/types";
import type { MediaStore } from "../../media/media-store";
import type { ScoreManager, ScoreManagerOptions } from "../../scores/score-manager";

/**
 * Where a client's data goes, and everything that differs between the two destinations. The
 * rest of the SDK asks the backend instead of testing the mode:
 *  - http:  HttpApi against `config.baseUrl`; spans over OTLP/HTTP (src/client/backend/http-backend.ts);
 *  - local: LocalApi on the embedded SQLite store; spans through the ingestion mapping into the
 *           same store (src/client/backend/local-backend.ts).
 * `createBackend` (create-backend.ts) is the one place that reads `config.mode`.
 */
export interface Backend {
  readonly mode: LangfuseMode;
  readonly api: LangfuseApi;
  /** Where this backend's spans go; undefined when they cannot be exported (the reason is logged). */
  createSpanExporter(): SpanExporter | undefined;
  /**
   * The API prompts use. Over HTTP it has transport retries off, so getPrompt's `maxRetries` /
   * `fetchTimeoutMs` mean exactly what they say (each of its attempts would otherwise retry
   * again inside HttpApi, and a fallback would take many seconds).
   */
  promptApi(): LangfuseApi;
  /** Where media uploads put bytes and `resolveMediaReferences` reads them (presigned URLs, or the embedded store). */
  mediaStore(): MediaStore;
  /** Batch sizing of the score queue for this destination. */
  scoreQueueOptions(flushAt: number): Pick<ScoreManagerOptions, "flushAt" | "batchSize" | "maxBatchBytes">;
  /** Hooks the score queue into the span path where they share a transaction (embedded store). */
  connectScores(scores: ScoreManager): void;
  /**
   * True when writes land in this process (the embedded store): the experiment runner then
   * writes spans and scores between waves of items instead of in one final flush.
   */
  readonly writesInProcess: boolean;
  /** Base URL of the server a trace URL points at (`{url}/project/{id}/traces/{traceId}`). */
  readonly traceUrlBase: string;
  /** A dataset run's address in a Langfuse UI, when the server has one. */
  datasetRunUrl?(ids: { projectId: string; datasetId: string; runId: string }): string;
  /** One human line saying where data goes, e.g. "Langfuse: sending to https://cloud.langfuse.com". */
  describe(): string;
  /** Closes the store / sockets. Idempotent. */
  shutdown(): Promise<void>;
}

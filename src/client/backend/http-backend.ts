import { HttpApi, type HttpApiOptions } from "../../api/http/http-api";
import type { ResolvedConfig } from "../../config/types";
import { createHttpMediaStore } from "../../media/http-media-store";
import type { MediaStore } from "../../media/media-store";
import { createOtlpSpanExporter } from "../../tracing/exporter";
import type { Backend } from "./backend";

/** A Langfuse server (Cloud, self-hosted, or `langfuse-decorators serve`) over HTTP. */
export function createHttpBackend(config: ResolvedConfig): Backend {
  const apiOptions: HttpApiOptions = {
    baseUrl: config.baseUrl,
    publicKey: config.publicKey ?? "",
    secretKey: config.secretKey ?? "",
    timeoutSeconds: config.timeoutSeconds,
    sdkName: config.sdkName,
    sdkVersion: config.sdkVersion,
    additionalHeaders: config.additionalHeaders,
  };
  let promptApi: HttpApi | undefined;
  let mediaStore: MediaStore | undefined;
  const api = new HttpApi(apiOptions);
  const base = config.baseUrl.replace(/\/+$/, "");
  return {
    mode: "http",
    api,
    createSpanExporter: () => createOtlpSpanExporter(config),
    promptApi: () => (promptApi ??= new HttpApi({ ...apiOptions, maxRetries: 0 })),
    // Bytes go to the presigned URLs the server hands out (blob storage, or the PUT route of
    // `langfuse-decorators serve`).
    mediaStore: () => (mediaStore ??= createHttpMediaStore(api.media)),
    // Small batches keep scores' latency low, as both official SDKs do.
    scoreQueueOptions: (flushAt) => ({ flushAt: Math.min(flushAt, 15) }),
    connectScores: () => undefined,
    writesInProcess: false,
    traceUrlBase: base,
    datasetRunUrl: ({ projectId, datasetId, runId }) => `${base}/project/${projectId}/datasets/${datasetId}/runs/${runId}`,
    describe: () => `Langfuse: sending to ${config.baseUrl}`,
    // fetch keeps no state of ours to release.
    shutdown: async () => undefined,
  };
}

import { HttpApi, type HttpApiOptions } from "../../api/http/http-api";
import type { ResolvedConfig } from "../../config/types";
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
  const base = config.baseUrl.replace(/\/+$/, "");
  return {
    mode: "http",
    api: new HttpApi(apiOptions),
    createSpanExporter: () => createOtlpSpanExporter(config),
    promptApi: () => (promptApi ??= new HttpApi({ ...apiOptions, maxRetries: 0 })),
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

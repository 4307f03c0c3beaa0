import type { LangfuseSpanProcessor } from "../tracing/span-processor";
import { setSerializedValueHook } from "../tracing/serialize";
import type { Flushable, FlushReport } from "../flushable";
import { extractMedia } from "./media-extract";
import { MediaUploader, type MediaApi } from "./media-uploader";

/** Live uploaders, oldest first: `resolveMediaReferences` reads through the first by default. */
const live: MediaUploader[] = [];

/** The API of the oldest live client with media uploads (the default client in practice). */
export function defaultMediaApi(): MediaApi | undefined {
  return live[0]?.api;
}

/**
 * Wires media uploads into a client: values serialized for tracing get their media replaced by
 * references (process-wide hook), and the spans this processor queues have their references
 * uploaded through `api`. Returns the queue to register with the client's flush/shutdown.
 */
export function attachMediaUploads(api: MediaApi, spanProcessor: LangfuseSpanProcessor): Flushable {
  setSerializedValueHook(extractMedia);
  const uploader = new MediaUploader(api);
  spanProcessor.onSpanQueued = (span) => uploader.claim(span);
  live.push(uploader);
  return {
    name: uploader.name,
    flush: (): Promise<FlushReport> => uploader.flush(),
    shutdown: async (): Promise<FlushReport> => {
      const report = await uploader.shutdown();
      const i = live.indexOf(uploader);
      if (i >= 0) live.splice(i, 1);
      if (spanProcessor.onSpanQueued !== undefined) spanProcessor.onSpanQueued = undefined;
      return report;
    },
  };
}

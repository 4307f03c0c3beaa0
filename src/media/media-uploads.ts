import type { LangfuseSpanProcessor } from "../tracing/span-processor";
import { setSerializedValueHook } from "../tracing/serialize";
import type { Flushable, FlushReport } from "../flushable";
import { extractMedia } from "./media-extract";
import type { MediaStore } from "./media-store";
import { MediaUploader } from "./media-uploader";

/** Live uploaders, oldest first: `resolveMediaReferences` reads through the first by default. */
const live: MediaUploader[] = [];

/** The media store of the oldest live client with media uploads (the default client in practice). */
export function defaultMediaStore(): MediaStore | undefined {
  return live[0]?.store;
}

/** The media store of the live client whose media endpoints these are. */
export function mediaStoreOf(media: MediaStore["media"]): MediaStore | undefined {
  return live.find((u) => u.store.media === media)?.store;
}

/**
 * Wires media uploads into a client: values serialized for tracing get their media replaced by
 * references (process-wide hook), and the spans this processor queues have their references
 * uploaded into `store` (the client's backend's). Returns the queue to register with the
 * client's flush/shutdown.
 */
export function attachMediaUploads(store: MediaStore, spanProcessor: LangfuseSpanProcessor): Flushable {
  setSerializedValueHook(extractMedia);
  const uploader = new MediaUploader(store);
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

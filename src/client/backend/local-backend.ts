import type { ResolvedConfig } from "../../config/types";
import { DEFAULT_LOCAL_DB_PATH } from "../../config/local-db";
import type { MediaStore } from "../../media/media-store";
import type { Backend } from "./backend";

type EmbeddedModules = {
  store: typeof import("../../local/store");
  api: typeof import("../../local/local-api");
  exporter: typeof import("../../local/local-span-exporter");
  projects: typeof import("../../local/api/projects");
};

/**
 * The embedded store loads better-sqlite3, a native addon: it is required here, only when a
 * client (or a standalone processor) without keys opens it, so an app that talks to a Langfuse
 * server never loads it and a failed native build cannot break it. The package's one lazy load
 * of its own modules.
 */
function loadEmbedded(): EmbeddedModules {
  return {
    store: require("../../local/store") as EmbeddedModules["store"],
    api: require("../../local/local-api") as EmbeddedModules["api"],
    exporter: require("../../local/local-span-exporter") as EmbeddedModules["exporter"],
    projects: require("../../local/api/projects") as EmbeddedModules["projects"],
  };
}

/** The embedded SQLite store. Throws a LangfuseError("CONFIG") when it cannot be opened. */
export function createLocalBackend(config: ResolvedConfig): Backend {
  const local = loadEmbedded();
  const store = local.store.openLocalStore(config.localDbPath, { synchronous: config.localDbSynchronous });
  const api = new local.api.LocalApi(store);
  let mediaStore: MediaStore | undefined;
  return {
    mode: "local",
    api,
    createSpanExporter: () => new local.exporter.LocalSpanExporter(store),
    promptApi: () => api,
    mediaStore: () => (mediaStore ??= localMediaStore(api)),
    // Each batch is one SQLite commit (page writes and, with FULL, an fsync): few, large
    // commits. No HTTP body limit here, so no score is serialized just to measure it.
    scoreQueueOptions: (flushAt) => ({ flushAt: Math.min(flushAt, 1000), batchSize: 1000, maxBatchBytes: Number.POSITIVE_INFINITY }),
    // Queued scores ride along in each span export's commit.
    connectScores: (scores) => {
      local.exporter.writeWithSpans(store, (committed) => scores.queue.sendNow(committed));
    },
    writesInProcess: true,
    traceUrlBase: local.projects.LOCAL_SERVER_DEFAULT_URL,
    describe: () =>
      store.path === ":memory:"
        ? "Langfuse: no keys set, recording to an in-memory embedded store (lost at exit)"
        : `Langfuse: no keys set, recording to embedded store ${config.localDbPath} (serve it with: npx langfuse-decorators serve${
            config.localDbPath === DEFAULT_LOCAL_DB_PATH ? "" : ` --db ${config.localDbPath}`
          })`,
    shutdown: async () => store.close(),
  };
}

/**
 * Media of the embedded store: the bytes are written straight into it (checked against the
 * announced hash, length and type, and marked uploaded), whatever upload URL it announced;
 * there is no upload status to report.
 */
function localMediaStore(api: InstanceType<EmbeddedModules["api"]["LocalApi"]>): MediaStore {
  return {
    media: api.media,
    upload: async ({ mediaId, bytes, contentType }) => api.putMediaBytes(mediaId, bytes, contentType),
    download: async (media) => api.getMediaBytes(media.mediaId).bytes,
  };
}

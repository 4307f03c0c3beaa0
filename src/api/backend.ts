import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { LangfuseMode, ResolvedConfig } from "../config/types";
import type { LangfuseApi } from "./langfuse-api";
import { HttpApi } from "./http/http-api";
// The embedded store (better-sqlite3, a native addon) is loaded only in local mode: an app that
// talks to a Langfuse server never loads it, and a failed native build cannot break it.
type LocalModules = {
  store: typeof import("../local/store");
  api: typeof import("../local/local-api");
  exporter: typeof import("../local/local-span-exporter");
};
function loadLocal(): LocalModules {
  return {
    store: require("../local/store") as LocalModules["store"],
    api: require("../local/local-api") as LocalModules["api"],
    exporter: require("../local/local-span-exporter") as LocalModules["exporter"],
  };
}

/**
 * Where a client's data goes. `createBackend` picks the implementation from the config:
 *  - http:  HttpApi against `config.baseUrl`; spans go over OTLP (built by src/tracing).
 *  - local: LocalApi on the embedded SQLite store at `config.localDbPath`, and a span exporter
 *           that writes through the ingestion mapping into the same store.
 */
export interface Backend {
  readonly mode: LangfuseMode;
  readonly api: LangfuseApi;
  /** local mode: an exporter into the embedded store. http mode: undefined (src/tracing builds OTLP). */
  createSpanExporter(): SpanExporter | undefined;
  /** One human line saying where data goes, e.g. "Langfuse: recording to embedded store .langfuse/langfuse.db". */
  describe(): string;
  /** Closes the store / sockets. Idempotent. */
  shutdown(): Promise<void>;
}

/** The serve command's default database (LANGFUSE_LOCAL_DB's default). */
const DEFAULT_LOCAL_DB = ".langfuse/langfuse.db";

/** Throws a LangfuseError("CONFIG") when the local store cannot be opened. */
export function createBackend(config: ResolvedConfig): Backend {
  if (config.mode === "http") {
    const api = new HttpApi({
      baseUrl: config.baseUrl,
      publicKey: config.publicKey ?? "",
      secretKey: config.secretKey ?? "",
      timeoutSeconds: config.timeoutSeconds,
      sdkName: config.sdkName,
      sdkVersion: config.sdkVersion,
      additionalHeaders: config.additionalHeaders,
    });
    return {
      mode: "http",
      api,
      createSpanExporter: () => undefined,
      describe: () => `Langfuse: sending to ${config.baseUrl}`,
      // fetch keeps no state of ours to release.
      shutdown: async () => undefined,
    };
  }
  const local = loadLocal();
  const store = local.store.openLocalStore(config.localDbPath, { synchronous: config.localDbSynchronous });
  const api = new local.api.LocalApi(store);
  return {
    mode: "local",
    api,
    createSpanExporter: () => new local.exporter.LocalSpanExporter(store),
    describe: () =>
      store.path === ":memory:"
        ? "Langfuse: no keys set, recording to an in-memory embedded store (lost at exit)"
        : `Langfuse: no keys set, recording to embedded store ${config.localDbPath} (serve it with: npx langfuse-decorators serve${
            config.localDbPath === DEFAULT_LOCAL_DB ? "" : ` --db ${config.localDbPath}`
          })`,
    shutdown: async () => store.close(),
  };
}

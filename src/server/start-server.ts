import type { AddressInfo } from "node:net";
import { DEFAULT_LOCAL_DB_PATH, isSynchronousLevel, normalizeSynchronousLevel, type SynchronousLevel } from "../config/local-db";
import { LangfuseError } from "../errors";
import { LocalApi } from "../local/local-api";
import { openLocalStore, type LocalStore } from "../local/store";
import { fromOtlpRequest } from "../local/ingest/from-otlp";
import { writeSpans } from "../local/ingest/ingest-spans";
import { createServer, type ServerTimeouts } from "./create-server";
import type { OtlpIngestResult } from "./otlp-ingest";
import { HttpError } from "./http-errors";
import { idleMemoryRelease } from "./idle-memory";
import { MediaUrlSigner } from "./media-url-signer";
import { MEDIA_BYTES_PATH } from "./routes/media-bytes-route";
import { resolveServerKeys, type ServerKeys } from "./server-keys";
import { SERVER_VERSION } from "./version";

export interface StartServerOptions {
  /** Default 127.0.0.1: the local server is for this machine only unless asked otherwise. */
  host?: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** SQLite file (":memory:" allowed). Default LANGFUSE_LOCAL_DB or .langfuse/langfuse.db. */
  dbPath?: string;
  /** The store's durability level (see openLocalStore). Default LANGFUSE_LOCAL_DB_SYNCHRONOUS or NORMAL. */
  synchronous?: SynchronousLevel;
  publicKey?: string;
  secretKey?: string;
  /** Largest API body in bytes (default 4.5 MB) and largest OTLP body (default 32 MB). */
  bodyLimit?: number;
  otlpBodyLimit?: number;
  /** Header, request, idle and keep-alive timeouts (default SERVER_TIMEOUTS). */
  timeouts?: Partial<ServerTimeouts>;
  /** Environment to read keys and defaults from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  /** `http://host:port`, usable as LANGFUSE_BASE_URL. */
  url: string;
  port: number;
  host: string;
  publicKey: string;
  secretKey: string;
  /** Where the keys came from; "generated" on the first start of a new database directory. */
  keySource: ServerKeys["source"];
  keysFile: string | undefined;
  /** Permission bits of the keys file (e.g. 0o600), when there is one. */
  keysFileMode?: number;
  /** Set when the keys file is readable by other users (it is left as is). */
  keysWarning?: string;
  dbPath: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (each commits before it is
   * acknowledged), then closes the store. Safe to call twice.
   */
  close(): Promise<void>;
}

/** The server's public name for the store's default path. */
export { DEFAULT_LOCAL_DB_PATH as DEFAULT_DB_PATH };

/** Quiet time after an OTLP request before its memory and the store's page cache are released. */
const MEMORY_RELEASE_IDLE_MS = 2000;

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.LANGFUSE_LOCAL_DB?.trim();
  return fromEnv ? fromEnv : DEFAULT_LOCAL_DB_PATH;
}

/** The option must be exactly "NORMAL" or "FULL" (as typed); the env var is case-insensitive, as in resolveConfig. */
function resolveSynchronous(option: unknown, env: NodeJS.ProcessEnv): SynchronousLevel {
  if (option !== undefined) {
    if (isSynchronousLevel(option)) return option;
    throw new LangfuseError("CONFIG", `synchronous must be "NORMAL" or "FULL", got ${JSON.stringify(option) ?? String(option)}`);
  }
  const raw = env.LANGFUSE_LOCAL_DB_SYNCHRONOUS;
  if (raw === undefined || raw.trim() === "") return "NORMAL"; // an empty variable is unset, as everywhere
  const level = normalizeSynchronousLevel(raw);
  if (!isSynchronousLevel(level)) {
    throw new LangfuseError("CONFIG", `LANGFUSE_LOCAL_DB_SYNCHRONOUS must be "NORMAL" or "FULL", got ${JSON.stringify(raw)}`);
  }
  return level;
}

function validatePort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LangfuseError("CONFIG", `port must be an integer between 0 and 65535, got ${String(port)}`);
}

/** Opens the store at `dbPath` and serves it over HTTP with Basic auth. */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 3000;
  validatePort(port);
  const dbPath = options.dbPath ?? defaultDbPath(env);
  const keys = resolveServerKeys({ dbPath, publicKey: options.publicKey, secretKey: options.secretKey, env });

  const synchronous = resolveSynchronous(options.synchronous, env);
  const store: LocalStore = openLocalStore(dbPath, { synchronous });
  // Media URLs point back at this server; the address is known only after listen().
  let baseUrl = "";
  // Like presigned bucket URLs: each works for one method on one id, for a limited time.
  const mediaUrlSigner = new MediaUrlSigner();
  const mediaPath = (id: string) => `${baseUrl}${MEDIA_BYTES_PATH}/${encodeURIComponent(id)}`;
  const api = new LocalApi(store, {
    mediaUrls: {
      upload: (id) => mediaUrlSigner.sign(mediaPath(id), "PUT", id),
      download: (id) => mediaUrlSigner.sign(mediaPath(id), "GET", id),
    },
  });
  // Bulk ingestion fills SQLite's page cache (up to 64 MB, see openLocalStore) and leaves the
  // garbage of large requests; once traffic stops for a moment, hand that memory back.
  const idleMemory = idleMemoryRelease(() => {
    if (!store.closed) store.db.pragma("shrink_memory");
  }, MEMORY_RELEASE_IDLE_MS);
  const ingest = async (request: unknown): Promise<OtlpIngestResult | void> => {
    let spans: ReturnType<typeof fromOtlpRequest>;
    try {
      spans = fromOtlpRequest(request as Parameters<typeof fromOtlpRequest>[0]);
    } catch (err) {
      // The body parsed but does not describe valid spans: the client's fault, a 400.
      throw new HttpError(400, { error: err instanceof Error ? err.message : "Invalid OTLP trace export" });
    }
    // Committed in bounded chunks on the store's writer thread: a huge request neither holds
    // the write lock nor the event loop for long, and a span the mapping refuses (a time out of
    // range) is rejected alone, reported as OTLP partial success.
    const result = await writeSpans(store, spans);
    idleMemory.touch();
    if (result.rejected > 0) return { rejectedSpans: result.rejected, errorMessage: result.errors.join("; ") };
  };

  const app = createServer({
    api,
    ingest,
    auth: { publicKey: keys.publicKey, secretKey: keys.secretKey },
    bodyLimit: options.bodyLimit,
    otlpBodyLimit: options.otlpBodyLimit,
    version: SERVER_VERSION,
    mediaBytes: api,
    mediaUrlSigner,
    timeouts: options.timeouts,
  });

  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => undefined);
    store.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new LangfuseError("CONFIG", `Port ${port} on ${host} is already in use; pick another with --port`, { cause: err });
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  baseUrl = `http://${urlHost}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    port: address.port,
    host,
    publicKey: keys.publicKey,
    secretKey: keys.secretKey,
    keySource: keys.source,
    keysFile: keys.file,
    ...(keys.fileMode !== undefined ? { keysFileMode: keys.fileMode } : {}),
    ...(keys.warning ? { keysWarning: keys.warning } : {}),
    dbPath: store.path,
    close: () => {
      closing ??= (async () => {
        idleMemory.cancel();
        try {
          await app.close();
        } finally {
          if (!store.closed) store.close();
        }
      })();
      return closing;
    },
  };
}

import type { AddressInfo } from "node:net";
import { DEFAULT_LOCAL_DB_PATH, isSynchronousLevel, normalizeSynchronousLevel, type SynchronousLevel } from "../config/local-db";
import { LangfuseError } from "../errors";
import { LocalApi } from "../local/local-api";
import { openLocalStore, type LocalStore } from "../local/store";
import { fromOtlpRequest } from "../local/ingest/from-otlp";
import { ingestSpans } from "../local/ingest/ingest-spans";
import { createServer } from "./create-server";
import type { OtlpIngestResult } from "./otlp-ingest";
import { HttpError } from "./http-errors";
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
  dbPath: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (each commits before it is
   * acknowledged), then closes the store. Safe to call twice.
   */
  close(): Promise<void>;
}

/** The server's public name for the store's default path. */
export { DEFAULT_LOCAL_DB_PATH as DEFAULT_DB_PATH };

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
  const api = new LocalApi(store, {
    mediaUrls: {
      upload: (id) => `${baseUrl}${MEDIA_BYTES_PATH}/${encodeURIComponent(id)}`,
      download: (id) => `${baseUrl}${MEDIA_BYTES_PATH}/${encodeURIComponent(id)}`,
    },
  });
  const ingest = (request: unknown): OtlpIngestResult | void => {
    let spans: ReturnType<typeof fromOtlpRequest>;
    try {
      spans = fromOtlpRequest(request as Parameters<typeof fromOtlpRequest>[0]);
    } catch (err) {
      // The body parsed but does not describe valid spans: the client's fault, a 400.
      throw new HttpError(400, { error: err instanceof Error ? err.message : "Invalid OTLP trace export" });
    }
    ingestSpans(store, spans);
  };

  const app = createServer({
    api,
    ingest,
    auth: { publicKey: keys.publicKey, secretKey: keys.secretKey },
    bodyLimit: options.bodyLimit,
    otlpBodyLimit: options.otlpBodyLimit,
    version: SERVER_VERSION,
    mediaBytes: api,
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
    dbPath: store.path,
    close: () => {
      closing ??= (async () => {
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

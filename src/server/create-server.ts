import Ajv from "ajv";
import Fastify, { type FastifyInstance } from "fastify";
import { Transform, type Readable } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";
import type { LangfuseApi } from "../api/langfuse-api";
import { MAX_JSON_DEPTH, stringifyBounded } from "../bounded-json";
import { LangfuseError } from "../errors";
import { checkAuthorization, type ServerAuth } from "./auth";
import { HttpError, toErrorReply } from "./http-errors";
import { parseJsonBody } from "./json-body";
import type { MediaUrlSigner } from "./media-url-signer";
import { routeConfig } from "./route-definition";
import type { OtlpIngest } from "./otlp-ingest";
import { registerApiRoutes } from "./routes/api-routes";
import { registerMediaBytesRoute, type MediaBytesStore } from "./routes/media-bytes-route";
import { registerOtlpMetricsRoute } from "./routes/otlp-metrics-route";
import { registerOtlpRoute } from "./routes/otlp-route";
import { TRACE_PAGE_PATH } from "./routes/trace-page-route";


export interface CreateServerOptions {
  api: LangfuseApi;
  ingest: OtlpIngest;
  auth: ServerAuth;
  /** Largest JSON body (after decompression) for API routes; the real server takes 4.5 MB. */
  bodyLimit?: number;
  /** Largest OTLP body (after decompression). The real server has none; we keep memory bounded. */
  otlpBodyLimit?: number;
  /** Serves the upload/download URLs that `POST /media` hands out (local mode has no S3). */
  mediaBytes?: MediaBytesStore;
  /** Signs and checks those URLs; required with `mediaBytes` so the same signer makes the URLs. */
  mediaUrlSigner?: MediaUrlSigner;
  /** Largest media upload in bytes (default 64 MB). */
  mediaBodyLimit?: number;
  /** Reported by /api/public/health. */
  version?: string;
  /** Timeouts that free sockets held by slow or silent clients (defaults: SERVER_TIMEOUTS). */
  timeouts?: Partial<ServerTimeouts>;
  /** Called for unexpected (5xx) errors; defaults to one line on stderr. Never receives headers. */
  onInternalError?: (err: unknown, route: string) => void;
}

export interface ServerTimeouts {
  /** Until the request line and headers are in (Node's headersTimeout); then 408 and close. */
  headersMs: number;
  /** Until the whole request, body included, is in (Node's requestTimeout). */
  requestMs: number;
  /** A socket with no traffic at all for this long is closed (also while a body trickles). */
  idleMs: number;
  /** A kept-alive socket between requests. */
  keepAliveMs: number;
}

/**
 * The server binds 127.0.0.1 and serves one machine, so these can be short: a 32 MB body on
 * loopback takes well under a second. Node's defaults (60 s headers, 300 s request, no idle
 * timeout, checked every 30 s) let 3,000 slow sockets hold the server for ~47 s.
 */
export const SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 60_000, idleMs: 30_000, keepAliveMs: 5_000 };

export const DEFAULT_BODY_LIMIT = 4.5 * 1024 * 1024;
export const DEFAULT_OTLP_BODY_LIMIT = 32 * 1024 * 1024;
export const DEFAULT_MEDIA_BODY_LIMIT = 64 * 1024 * 1024;

const isTimestamp = (s: string) => s.length <= 64 && /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s));

/**
 * Two validators: query strings and path params are coerced (`?limit=5` → 5, a repeated key →
 * array), bodies are not (a JSON `"5"` where a number belongs is a 400, as zod would say).
 */
function validatorCompiler() {
  const formats = { timestamp: isTimestamp };
  const coercing = new Ajv({ coerceTypes: "array", useDefaults: true, strict: false, formats });
  const plain = new Ajv({ coerceTypes: false, allErrors: true, strict: false, formats });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === "body" ? plain : coercing).compile(schema);
}

/**
 * Decompresses gzip/deflate bodies before parsing. Counting the encoded bytes lets fastify check
 * Content-Length against what was really sent, while its body limit applies to the decompressed
 * bytes (a zip bomb stops at the limit with a 413).
 */
function decompressing(payload: Readable, encoding: string): Readable {
  const inflater = encoding === "gzip" || encoding === "x-gzip" ? createGunzip() : createInflate();
  let encoded = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      encoded += chunk.length;
      (out as Readable & { receivedEncodedLength?: number }).receivedEncodedLength = encoded;
      cb(null, chunk);
    },
  });
  const out = inflater as unknown as Readable & { receivedEncodedLength?: number };
  out.receivedEncodedLength = 0;
  payload.on("error", (err) => inflater.destroy(err));
  inflater.on("error", (err: NodeJS.ErrnoException) => {
    // Tag it so the error handler can answer "Failed to decompress request body".
    if (!err.code || !String(err.code).startsWith("Z_")) err.code = "ERR_DECOMPRESS";
  });
  payload.pipe(counter).pipe(inflater);
  return out;
}

/** The fastify app serving the Langfuse public API over `api` and the OTLP receiver over `ingest`. */
export function createServer(options: CreateServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const otlpBodyLimit = options.otlpBodyLimit ?? DEFAULT_OTLP_BODY_LIMIT;
  const auth: ServerAuth = { publicKey: options.auth.publicKey, secretKey: options.auth.secretKey };
  if (!auth.publicKey || !auth.secretKey) throw new LangfuseError("CONFIG", "createServer needs auth.publicKey and auth.secretKey");
  const onInternalError =
    options.onInternalError ??
    ((err: unknown, route: string) => process.stderr.write(`[langfuse-decorators serve] internal error on ${route}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`));

  const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    logger: false,
    bodyLimit,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    // Node checks the header and request deadlines on this period (default 30 s): check often
    // enough that a deadline is kept to within a second or so.
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(1000, timeouts.headersMs) },
    // Folder names arrive percent-encoded and may be long (255 chars → up to 765 encoded).
    routerOptions: { maxParamLength: 4096, ignoreTrailingSlash: true },
    // Close idle keep-alive sockets on close(); in-flight requests still finish.
    forceCloseConnections: "idle",
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler());

  // Request bodies: depth-bounded (a 400 instead of a value that could never be written out
  // again) and with lone surrogates made U+FFFD, before any route sees them.
  const defaultJsonParser = app.getDefaultJsonParser("error", "ignore");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    try {
      parseJsonBody(body as string, (text, cb) => defaultJsonParser(request, text, cb), done);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Replies: whatever a handler returns is written out; a value too deep for JSON.stringify is
  // cut at MAX_JSON_DEPTH with a visible marker instead of turning into a 500.
  app.setReplySerializer((payload) => stringifyBounded(payload, MAX_JSON_DEPTH) ?? "null");

  app.addHook("onRequest", async (request, reply) => {
    // Public API routes may be called from any page (a browser SDK) but never with the user's
    // credentials: a fixed `*` (browsers then refuse to send cookies or cached Basic auth),
    // never the caller's Origin reflected back. Other paths (media bytes, the trace page) get
    // no CORS header at all, so another site's script cannot read them.
    if (request.headers.origin && request.url.startsWith("/api/public/")) reply.header("access-control-allow-origin", "*");
    reply.header("x-content-type-options", "nosniff");
    const { auth: mode } = routeConfig(request);
    const header = request.headers.authorization;
    checkAuthorization(Array.isArray(header) ? header[0] : header, auth, mode);
  });

  app.addHook("preParsing", async (request, _reply, payload) => {
    const raw = request.headers["content-encoding"];
    const encoding = (Array.isArray(raw) ? raw[0] : raw ?? "").trim().toLowerCase();
    if (!encoding || encoding === "identity") return payload;
    if (encoding === "gzip" || encoding === "x-gzip" || encoding === "deflate") return decompressing(payload, encoding);
    throw new HttpError(415, { message: `Unsupported content-encoding "${encoding.slice(0, 40)}"; use gzip, deflate or none`, error: "UnsupportedMediaTypeError" });
  });

  app.setErrorHandler((err, request, reply) => {
    const { errorStyle } = routeConfig(request);
    const { status, body } = toErrorReply(err, errorStyle);
    if (status === 413) {
      // Say which limit applies: it differs per endpoint (API 4.5 MB, OTLP 32 MB by default).
      const limit = request.routeOptions?.bodyLimit ?? bodyLimit;
      const message = `Request body exceeds this endpoint's limit of ${(limit / (1024 * 1024)).toFixed(1)} MB (after decompression)`;
      return reply.code(413).send(errorStyle === "otel" ? { error: message } : { message, error: "PayloadTooLargeError" });
    }
    // 501 is a deliberate answer (an operation out of scope), not a fault.
    if (status >= 500 && status !== 501) onInternalError(err, `${request.method} ${request.routeOptions?.url ?? "?"}`);
    // The trace page is opened in browsers (getTraceUrl): let them ask for the keys.
    if (status === 401 && request.routeOptions?.url === TRACE_PAGE_PATH) reply.header("www-authenticate", 'Basic realm="langfuse-decorators local server"');
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split("?")[0] ?? "").slice(0, 200);
    return reply.code(404).send({ message: `Route ${request.method} ${path} not found`, error: "LangfuseNotFoundError" });
  });

  registerApiRoutes(app, { api: options.api, version: options.version ?? "0.0.0" });
  app.register(async (child) => registerOtlpRoute(child, { ingest: options.ingest, bodyLimit: otlpBodyLimit }));
  app.register(async (child) => registerOtlpMetricsRoute(child, otlpBodyLimit));
  const mediaBytes = options.mediaBytes;
  if (mediaBytes) {
    const signer = options.mediaUrlSigner;
    if (!signer) throw new LangfuseError("CONFIG", "createServer needs mediaUrlSigner with mediaBytes (the URLs handed out must be signed by it)");
    app.register(async (child) => registerMediaBytesRoute(child, { store: mediaBytes, bodyLimit: options.mediaBodyLimit ?? DEFAULT_MEDIA_BODY_LIMIT, auth, signer }));
  }
  return app;
}

export { createServer, DEFAULT_BODY_LIMIT, DEFAULT_OTLP_BODY_LIMIT, DEFAULT_MEDIA_BODY_LIMIT } from "./create-server";
export type { MediaBytesStore } from "./routes/media-bytes-route";
export type { CreateServerOptions, OtlpIngest, OtlpIngestResult } from "./create-server";
export { startServer, defaultDbPath, DEFAULT_DB_PATH } from "./start-server";
export type { StartServerOptions, RunningServer } from "./start-server";
export { resolveServerKeys, keysFileFor, KEYS_FILE_NAME } from "./server-keys";
export type { ServerKeys } from "./server-keys";
export type { ServerAuth } from "./auth";
export type { OtlpJsonRequest } from "./otlp-protobuf";

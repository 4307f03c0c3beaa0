/** The API layer: the LangfuseApi contract, its HTTP client, and backend selection. */
export * from "./types";
export type { LangfuseApi } from "./langfuse-api";
export { LangfuseApiError } from "./errors";
export { HttpApi, type HttpApiOptions } from "./http";
export { createBackend, type Backend } from "./backend";

/**
 * Public barrel of langfuse-decorators. Each area owns one line here (append yours; keep the
 * order: errors, api, config, client, tracing, decorators, prompts, scores, datasets,
 * experiments, di; local and server are subpaths).
 */
import "reflect-metadata";

export * from "./errors";
export * from "./api/types";
export type { LangfuseApi } from "./api/langfuse-api";
export { LangfuseApiError } from "./api/errors";
export { HttpApi, type HttpApiOptions } from "./api/http";
export * from "./config";
export * from "./client";
export * from "./tracing";
export * from "../decorators";
export * from "./prompts";
// `Prompt` is both the @Prompt decorator and (as a type) the API prompt object; named here to
// settle the `export *` clash with ./api/types.
export { Prompt } from "../decorators";
export * from "./scores";
export * from "./datasets";
export * from "./experiments";
export * from "./di";
export * from "./media";
// The embedded store and the local server are subpath exports ("langfuse-decorators/local",
// "langfuse-decorators/server"): the main entry must not load better-sqlite3 (a native addon)
// or fastify for apps that talk to a Langfuse server.

/**
 * Public barrel of langfuse-decorators. Each area owns one line here (append yours; keep the
 * order: errors, api, config, client, tracing, decorators, prompts, scores, datasets,
 * experiments, di, local, server).
 */
import "reflect-metadata";

export * from "./errors";
export * from "./api/types";
export type { LangfuseApi } from "./api/langfuse-api";
export { LangfuseApiError } from "./api/errors";
export * from "./config";
export * from "./client";
export * from "./tracing";
export * from "../decorators";
export * from "./server";

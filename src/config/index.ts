export type { LangfuseOptions } from "./options";
export type { ResolvedConfig, LangfuseMode, MaskFunction, ShouldExportSpan } from "./types";
export { resolveConfig, DEFAULT_BASE_URL } from "./resolve-config";
export { DEFAULT_LOCAL_DB_PATH } from "./local-db";
export { SDK_NAME, SDK_VERSION } from "./sdk-info";

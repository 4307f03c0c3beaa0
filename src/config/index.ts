export type { LangfuseOptions } from "./options";
export type { ResolvedConfig, LangfuseMode, MaskFunction, ShouldExportSpan } from "./types";
export { resolveConfig, DEFAULT_BASE_URL, DEFAULT_LOCAL_DB_PATH } from "./resolve-config";
export { SDK_NAME, SDK_VERSION } from "./sdk-info";

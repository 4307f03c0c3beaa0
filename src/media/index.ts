export { LangfuseMedia, type LangfuseMediaInit } from "./langfuse-media";
export { resolveMediaReferences, type ResolveMediaReferencesOptions } from "./resolve-media-references";
export { formatMediaReference, parseMediaReference, type ParsedMediaReference, type MediaSource } from "./media-reference";
export { configureMedia, type MediaSettings } from "./media-settings";
export { MEDIA_CONTENT_TYPES, MEDIA_MAX_CONTENT_LENGTH } from "./media-content";

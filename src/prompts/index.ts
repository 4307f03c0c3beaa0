export { compileTemplate, findVariableNames, parseTemplate, renderTemplate, stringifyTemplateValue } from "./template";
export type { ParsedTemplate, PromptVariables } from "./template";
export { escapeJsonForLangchain, toLangchainTemplate } from "./langchain";
export { TextPromptClient, ChatPromptClient, promptClientFromApi } from "./prompt-clients";
export type {
  PromptClient,
  PromptType,
  PromptConfig,
  PromptPlaceholders,
  CompiledChatPrompt,
  LangchainChatMessage,
  PromptClientJson,
} from "./prompt-clients";
export { PromptCache, CoarseClock, systemClock } from "./prompt-cache";
export type { PromptCacheClock, PromptCacheEntry, PromptSelector } from "./prompt-cache";
export { PromptManager, DEFAULT_PROMPT_CACHE_TTL_SECONDS, DEFAULT_PROMPT_MAX_RETRIES, MAX_PROMPT_RETRIES } from "./prompt-manager";
export type { PromptManagerOptions } from "./prompt-manager";
export type {
  CreatePromptOptions,
  CreateTextPromptOptions,
  CreateChatPromptOptions,
  GetPromptOptions,
  GetTextPromptOptions,
  GetChatPromptOptions,
  PromptFallback,
  UpdatePromptOptions,
  DeletePromptOptions,
} from "./types";
export { PromptRef, linkPromptToActiveGeneration } from "./prompt-ref";
export type { PromptRefOptions, PromptSource, CompiledPrompt } from "./prompt-ref";

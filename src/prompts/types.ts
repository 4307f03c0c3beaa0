/** Option types of the prompt API (createPrompt / getPrompt / updatePrompt / @Prompt). */
import type { ChatMessageOrPlaceholder } from "../api/types";
import type { PromptConfig, PromptType } from "./prompt-clients";

interface CreatePromptCommon {
  /** Unique name; `/` makes folders (`support/greeting`). Creating an existing name adds a version. */
  name: string;
  /** Labels for the new version (`production`, `staging`, ...). `latest` is added by the server. */
  labels?: string[];
  /** Arbitrary JSON object versioned with the prompt (model, temperature, tools, ...). Default `{}`. */
  config?: PromptConfig;
  /** Tags apply to ALL versions of the prompt; omitted keeps the existing ones. */
  tags?: string[];
  commitMessage?: string;
}

export interface CreateTextPromptOptions extends CreatePromptCommon {
  type?: "text";
  prompt: string;
}

export interface CreateChatPromptOptions extends CreatePromptCommon {
  /** May be omitted when `prompt` is a list. */
  type?: "chat";
  /** Messages `{ role, content }` and placeholders `{ type: "placeholder", name }`. */
  prompt: ChatMessageOrPlaceholder[];
}

export type CreatePromptOptions = CreateTextPromptOptions | CreateChatPromptOptions;

/** A fallback used only when nothing is cached and the fetch failed. */
export type PromptFallback = string | readonly ChatMessageOrPlaceholder[];

export interface GetPromptOptions {
  /** A version number. Exclusive with `label`. */
  version?: number;
  /** A label. Exclusive with `version`. Neither → `production`. */
  label?: string;
  /** The expected type; a prompt of the other type is an error. Also picks the overload. */
  type?: PromptType;
  /** Cache TTL for this call; default from LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS (60). 0 = always fetch. */
  cacheTtlSeconds?: number;
  /** Used when nothing is cached and the fetch fails: a string (text) or a message list (chat). */
  fallback?: PromptFallback;
  /** Retries of a failed fetch (network errors, timeouts, 408, 429, 5xx). Default 2, at most 4. */
  maxRetries?: number;
  /** Timeout of each fetch attempt in milliseconds. Default: the client's request timeout. */
  fetchTimeoutMs?: number;
}

export interface GetTextPromptOptions extends GetPromptOptions {
  type: "text";
  fallback?: string;
}

export interface GetChatPromptOptions extends GetPromptOptions {
  type: "chat";
  fallback?: readonly ChatMessageOrPlaceholder[];
}

export interface UpdatePromptOptions {
  name: string;
  version: number;
  /** Added to the version's labels (merged) and moved off every other version. Not `latest`. */
  newLabels: string[];
}

export interface DeletePromptOptions {
  version?: number;
  label?: string;
}

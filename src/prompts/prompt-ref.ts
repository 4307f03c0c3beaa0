/**
 * PromptRef: what `@Prompt(name, options)` injects. It holds no prompt itself: every `get()`
 * goes through the client's prompt cache, so label moves reach long-lived services within the
 * cache TTL (stale-while-revalidate) without restarts.
 *
 * `compile()` inside an active generation links that generation to the prompt version (the
 * `langfuse.observation.prompt.name/version` attributes), unless the prompt is a fallback.
 */
import { trace } from "@opentelemetry/api";
import { LangfuseValidationError } from "../errors";
import { Attr } from "../tracing/constants";
import { updateCurrentGeneration } from "../tracing/current";
import type { ChatPromptClient, CompiledChatPrompt, PromptClient, PromptPlaceholders, TextPromptClient } from "./prompt-clients";
import type { PromptVariables } from "./template";
import type { GetPromptOptions, PromptFallback } from "./types";

/** Options of `@Prompt` (and of a PromptRef): what `getPrompt` accepts. */
export interface PromptRefOptions {
  /** A version number; exclusive with `label`. */
  version?: number;
  /** A label; exclusive with `version`. Neither → `production`. */
  label?: string;
  type?: "text" | "chat";
  cacheTtlSeconds?: number;
  fallback?: PromptFallback;
  maxRetries?: number;
  fetchTimeoutMs?: number;
}

/** Anything that serves prompts through a cache: the `Langfuse` client, or a `PromptManager`. */
export interface PromptSource {
  getPrompt(name: string, options?: GetPromptOptions): Promise<PromptClient>;
}

/** What `compile()` returns for a given prompt client type. */
export type CompiledPrompt<C extends PromptClient> = C extends ChatPromptClient ? CompiledChatPrompt : C extends TextPromptClient ? string : string | CompiledChatPrompt;

export class PromptRef<C extends PromptClient = PromptClient> {
  readonly name: string;
  readonly options: Readonly<PromptRefOptions>;
  private readonly resolveSource: () => PromptSource;
  private readonly getOptions: GetPromptOptions;

  /** `source` is resolved at each call, so a ref can be created before its client exists. */
  constructor(name: string, options: PromptRefOptions | undefined, source: PromptSource | (() => PromptSource)) {
    validatePromptRef(name, options);
    this.name = name;
    this.options = Object.freeze({ ...(options ?? {}) });
    this.getOptions = { ...this.options };
    this.resolveSource = typeof source === "function" ? source : () => source;
  }

  /** The current prompt client, through the cache. */
  get(): Promise<C> {
    return this.resolveSource().getPrompt(this.name, this.getOptions) as Promise<C>;
  }

  /**
   * Fetches (cached) and compiles the prompt; inside an active generation, links the
   * generation to this prompt version.
   */
  async compile(variables?: PromptVariables, placeholders?: PromptPlaceholders): Promise<CompiledPrompt<C>> {
    const prompt = await this.get();
    const compiled = prompt.type === "chat" ? prompt.compile(variables, placeholders) : prompt.compile(variables);
    linkPromptToActiveGeneration(prompt);
    return compiled as CompiledPrompt<C>;
  }

  toString(): string {
    return `PromptRef(${this.name})`;
  }
}

/**
 * Sets the prompt link on the active observation if it is a generation and the prompt is not a
 * fallback. Outside a generation it does nothing (a span is never turned into a generation).
 */
export function linkPromptToActiveGeneration(prompt: Pick<PromptClient, "name" | "version" | "isFallback">): boolean {
  if (prompt.isFallback) return false;
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return false;
  // SDK spans expose their attributes (ReadableSpan); the type attribute is set at start.
  const attributes = (span as unknown as { attributes?: Record<string, unknown> }).attributes;
  if (attributes?.[Attr.OBSERVATION_TYPE] !== "generation") return false;
  updateCurrentGeneration({ prompt: { name: prompt.name, version: prompt.version, isFallback: false } });
  return true;
}

export function validatePromptRef(name: unknown, options: PromptRefOptions | undefined): asserts name is string {
  if (typeof name !== "string" || name.trim().length === 0) throw new LangfuseValidationError("@Prompt needs a non-empty prompt name");
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) throw new LangfuseValidationError(`@Prompt('${name}'): options must be an object`);
  if (options.version !== undefined && options.label !== undefined) {
    throw new LangfuseValidationError(`@Prompt('${name}'): version and label are exclusive; pass one of them`);
  }
  if (options.version !== undefined && !(Number.isInteger(options.version) && options.version >= 1)) {
    throw new LangfuseValidationError(`@Prompt('${name}'): version must be a positive integer`);
  }
  if (options.label !== undefined && (typeof options.label !== "string" || options.label.length === 0)) {
    throw new LangfuseValidationError(`@Prompt('${name}'): label must be a non-empty string`);
  }
  if (options.type !== undefined && options.type !== "text" && options.type !== "chat") {
    throw new LangfuseValidationError(`@Prompt('${name}'): type must be "text" or "chat"`);
  }
  if (options.cacheTtlSeconds !== undefined && !(typeof options.cacheTtlSeconds === "number" && Number.isFinite(options.cacheTtlSeconds) && options.cacheTtlSeconds >= 0)) {
    throw new LangfuseValidationError(`@Prompt('${name}'): cacheTtlSeconds must be a finite number >= 0`);
  }
}

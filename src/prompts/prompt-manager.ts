/**
 * PromptManager: create / get (cached) / update / delete prompts over `LangfuseApi`.
 *
 * Cache behaviour of `getPrompt` (stale-while-revalidate):
 *   | state                               | behaviour                                         |
 *   | fresh entry                         | returned at once, no request                      |
 *   | stale entry                         | returned at once; one background refresh per key  |
 *   | no entry                            | fetch (concurrent callers share one request)      |
 *   | no entry, fetch failed              | caller's `fallback` (isFallback, version 0) or throw |
 *   | stale entry, refresh failed         | stale value stays; a 404 evicts it instead        |
 *   | cacheTtlSeconds 0                   | always fetch; a network failure serves the cached |
 *   |                                     | value, a 404 evicts it                            |
 * Fresh means `now <= storedAt + ttl` (ms clock). create/update/delete invalidate exactly that
 * prompt name (all its versions and labels), and in-flight results started earlier are dropped.
 */
import type { LangfuseApi } from "../api/langfuse-api";
import type { ChatMessageOrPlaceholder, CreatePromptRequest, GetPromptQuery, Prompt } from "../api/types";
import { LangfuseApiError } from "../api/errors";
import { LangfuseError, LangfuseValidationError, type ValidationIssue, errorMessage } from "../errors";
import { logger } from "../logger";
import { PromptCache, type PromptCacheClock, type PromptSelector, systemClock } from "./prompt-cache";
import { ChatPromptClient, type PromptClient, TextPromptClient, describe, isPlainObject, promptClientFromApi } from "./prompt-clients";
import type {
  CreateChatPromptOptions,
  CreatePromptOptions,
  CreateTextPromptOptions,
  DeletePromptOptions,
  GetChatPromptOptions,
  GetPromptOptions,
  GetTextPromptOptions,
  PromptFallback,
  UpdatePromptOptions,
} from "./types";

export const DEFAULT_PROMPT_CACHE_TTL_SECONDS = 60;
export const DEFAULT_PROMPT_MAX_RETRIES = 2;
export const MAX_PROMPT_RETRIES = 4;
const PRODUCTION = "production";
const LATEST = "latest";
const LABEL_RE = /^[a-z0-9_\-.]+$/;
const PLACEHOLDER_NAME_RE = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const PROMPT_NAME_MAX_LENGTH = 255;

export interface PromptManagerOptions {
  /** The API to talk to, or a getter (the client creates its backend lazily). */
  api: LangfuseApi | (() => LangfuseApi);
  /** Default TTL of cached prompts, seconds. Default 60. */
  defaultCacheTtlSeconds?: number;
  /** Clock of the cache (ms). Tests inject a controllable one. */
  clock?: PromptCacheClock;
  /** Base delay between fetch retries, ms (doubled per attempt, with jitter, at most 4 s). Default 250. */
  retryBaseDelayMs?: number;
}

export class PromptManager {
  readonly cache: PromptCache;
  private readonly apiSource: LangfuseApi | (() => LangfuseApi);
  private readonly defaultTtl: number;
  private readonly retryBaseDelayMs: number;

  constructor(options: PromptManagerOptions) {
    this.apiSource = options.api;
    const ttl = options.defaultCacheTtlSeconds ?? DEFAULT_PROMPT_CACHE_TTL_SECONDS;
    if (!isNonNegativeNumber(ttl)) throw new LangfuseValidationError("defaultCacheTtlSeconds must be a finite number >= 0");
    this.defaultTtl = ttl;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.cache = new PromptCache(options.clock ?? systemClock);
  }

  private get api(): LangfuseApi {
    return typeof this.apiSource === "function" ? this.apiSource() : this.apiSource;
  }

  // ------------------------------------------------------------------ create / update / delete

  createPrompt(options: CreateChatPromptOptions & { prompt: ChatMessageOrPlaceholder[] }): Promise<ChatPromptClient>;
  createPrompt(options: CreateTextPromptOptions): Promise<TextPromptClient>;
  createPrompt(options: CreatePromptOptions): Promise<PromptClient>;
  async createPrompt(options: CreatePromptOptions): Promise<PromptClient> {
    const body = buildCreateRequest(options);
    const created = await this.api.prompts.create(body);
    this.cache.invalidate(body.name);
    return promptClientFromApi(created);
  }

  /** Adds `newLabels` to one version (moving them off the others). `latest` is rejected. */
  async updatePrompt(options: UpdatePromptOptions): Promise<PromptClient> {
    if (!isPlainObject(options)) throw new LangfuseValidationError("updatePrompt expects { name, version, newLabels }");
    const issues: ValidationIssue[] = [];
    issues.push(...nameIssues(options.name, "name"));
    if (!isVersion(options.version)) issues.push({ path: "version", message: "must be a positive integer" });
    if (!Array.isArray(options.newLabels)) {
      issues.push({ path: "newLabels", message: "must be an array of labels" });
    } else {
      options.newLabels.forEach((label, i) => {
        if (label === LATEST) issues.push({ path: `newLabels.${i}`, message: "'latest' is managed by Langfuse and always points to the newest version; it cannot be set" });
        else issues.push(...labelIssues(label, `newLabels.${i}`));
      });
    }
    if (issues.length) throw new LangfuseValidationError("Invalid updatePrompt options", issues);
    const updated = await this.api.prompts.updateLabels(options.name, options.version, [...new Set(options.newLabels)]);
    this.cache.invalidate(options.name);
    return promptClientFromApi(updated);
  }

  /** Deletes all versions of a prompt, or one version / the version carrying a label. */
  async deletePrompt(name: string, options: DeletePromptOptions = {}): Promise<void> {
    const issues = nameIssues(name, "name");
    if (options.version !== undefined && options.label !== undefined) issues.push({ path: "options", message: "version and label are exclusive" });
    if (issues.length) throw new LangfuseValidationError("Invalid deletePrompt arguments", issues);
    try {
      await this.api.prompts.delete(name, { version: options.version, label: options.label });
    } finally {
      this.cache.invalidate(name);
    }
  }

  // ------------------------------------------------------------------ get

  getPrompt(name: string, options: GetChatPromptOptions): Promise<ChatPromptClient>;
  getPrompt(name: string, options: GetTextPromptOptions): Promise<TextPromptClient>;
  getPrompt(name: string, options?: GetPromptOptions): Promise<PromptClient>;
  getPrompt(name: string, options?: GetPromptOptions): Promise<PromptClient> {
    // Not `async`: a cache hit returns the entry's stored promise without allocating.
    let selector: PromptSelector = PRODUCTION;
    let ttl = this.defaultTtl;
    let type: string | undefined;
    if (options !== undefined) {
      const { version, label } = options;
      if (version !== undefined) {
        if (label !== undefined) return reject(new LangfuseValidationError(`getPrompt('${name}'): version and label are exclusive; pass one of them`));
        if (!isVersion(version)) return reject(new LangfuseValidationError(`getPrompt('${name}'): version must be a positive integer, got ${String(version)}`));
        selector = version;
      } else if (label !== undefined) {
        if (typeof label !== "string" || label.length === 0) return reject(new LangfuseValidationError(`getPrompt('${name}'): label must be a non-empty string`));
        selector = label;
      }
      if (options.cacheTtlSeconds !== undefined) {
        if (!isNonNegativeNumber(options.cacheTtlSeconds)) return reject(new LangfuseValidationError(`getPrompt('${name}'): cacheTtlSeconds must be a finite number >= 0`));
        ttl = options.cacheTtlSeconds;
      }
      type = options.type;
      if (type !== undefined && type !== "text" && type !== "chat") return reject(new LangfuseValidationError(`getPrompt('${name}'): type must be "text" or "chat"`));
    }
    if (typeof name !== "string" || name.length === 0) return reject(new LangfuseValidationError("getPrompt: the prompt name must be a non-empty string"));

    if (ttl !== 0) {
      const entry = this.cache.get(name, selector);
      if (entry !== undefined) {
        if (type !== undefined && entry.value.type !== type) return reject(typeMismatch(entry.value, type));
        if (!this.cache.isFresh(entry)) this.refreshInBackground(name, selector, ttl, options);
        return entry.resolved;
      }
      return this.fetchOnMiss(name, selector, ttl, options);
    }
    return this.fetchUncached(name, selector, options);
  }

  private async fetchOnMiss(name: string, selector: PromptSelector, ttl: number, options: GetPromptOptions | undefined): Promise<PromptClient> {
    const fetchSettings = checkFetchSettings(name, options);
    const generation = this.cache.generation(name);
    let client: PromptClient;
    try {
      client = await this.cache.shared(name, selector, () => this.fetchAndStore(name, selector, ttl, fetchSettings, generation));
    } catch (err) {
      return this.fallbackOrThrow(name, selector, options, err);
    }
    return checkType(client, options?.type);
  }

  private async fetchUncached(name: string, selector: PromptSelector, options: GetPromptOptions | undefined): Promise<PromptClient> {
    const fetchSettings = checkFetchSettings(name, options);
    const generation = this.cache.generation(name);
    let client: PromptClient;
    try {
      client = await this.fetchAndStore(name, selector, 0, fetchSettings, generation);
    } catch (err) {
      if (isNotFound(err)) {
        this.cache.delete(name, selector, generation);
      } else if (isTransient(err)) {
        const cached = this.cache.get(name, selector);
        if (cached !== undefined) {
          logger.warnOnce(`prompt-stale:${name}:${String(selector)}`, `Fetching prompt '${name}' (${selectorText(selector)}) failed (${errorText(err)}); serving the cached version ${cached.value.version}`);
          return checkType(cached.value, options?.type);
        }
      }
      return this.fallbackOrThrow(name, selector, options, err);
    }
    return checkType(client, options?.type);
  }

  private refreshInBackground(name: string, selector: PromptSelector, ttl: number, options: GetPromptOptions | undefined): void {
    if (this.cache.isInFlight(name, selector)) return;
    let settings: FetchSettings;
    try {
      settings = checkFetchSettings(name, options);
    } catch {
      return; // invalid retry/timeout options: keep serving the stale value, the next miss reports it
    }
    const generation = this.cache.generation(name);
    this.cache.shared(name, selector, () => this.fetchAndStore(name, selector, ttl, settings, generation)).catch((err: unknown) => {
      if (isNotFound(err)) {
        this.cache.delete(name, selector, generation);
        logger.warn(`Prompt '${name}' (${selectorText(selector)}) was not found during a cache refresh; evicted it from the cache`);
      } else {
        logger.warnOnce(`prompt-refresh:${name}:${String(selector)}`, `Refreshing prompt '${name}' (${selectorText(selector)}) failed (${errorText(err)}); the cached version stays in use until a refresh succeeds`);
      }
    });
  }

  private async fetchAndStore(name: string, selector: PromptSelector, ttl: number, settings: FetchSettings, generation: number): Promise<PromptClient> {
    const prompt = await this.fetchWithRetries(name, selector, settings);
    const client = promptClientFromApi(prompt);
    this.cache.set(name, selector, client, ttl, generation);
    return client;
  }

  private async fetchWithRetries(name: string, selector: PromptSelector, settings: FetchSettings): Promise<Prompt> {
    // Python sends no label for the default; the server then resolves `production`.
    const query: GetPromptQuery = typeof selector === "number" ? { version: selector } : selector === PRODUCTION ? {} : { label: selector };
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTimeout(this.api.prompts.get(name, query), settings.timeoutMs, name);
      } catch (err) {
        if (attempt >= settings.maxRetries || !isTransient(err)) throw err;
        const delay = Math.min(4000, this.retryBaseDelayMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        await sleep(delay);
      }
    }
  }

  private fallbackOrThrow(name: string, selector: PromptSelector, options: GetPromptOptions | undefined, err: unknown): PromptClient {
    const fallback = options?.fallback;
    if (!hasFallback(fallback)) throw err;
    const client = buildFallback(name, selector, options?.type, fallback, options?.label);
    logger.warnOnce(`prompt-fallback:${name}:${String(selector)}`, `Using the fallback for prompt '${name}' (${selectorText(selector)}): the fetch failed (${errorText(err)}) and nothing is cached`);
    return client;
  }
}

// ------------------------------------------------------------------ helpers

interface FetchSettings {
  maxRetries: number;
  timeoutMs: number | undefined;
}

function checkFetchSettings(name: string, options: GetPromptOptions | undefined): FetchSettings {
  const maxRetries = options?.maxRetries ?? DEFAULT_PROMPT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new LangfuseValidationError(`getPrompt('${name}'): maxRetries must be an integer >= 0`);
  const timeoutMs = options?.fetchTimeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new LangfuseValidationError(`getPrompt('${name}'): fetchTimeoutMs must be a number > 0`);
  }
  return { maxRetries: Math.min(maxRetries, MAX_PROMPT_RETRIES), timeoutMs };
}

function buildFallback(name: string, selector: PromptSelector, type: string | undefined, fallback: PromptFallback, label: string | undefined): PromptClient {
  const base = { name, version: 0, config: {}, labels: label !== undefined ? [label] : [], tags: [], commitMessage: null };
  const fallbackType = typeof fallback === "string" ? "text" : "chat";
  if (type !== undefined && type !== fallbackType) {
    throw new LangfuseValidationError(`getPrompt('${name}'): the fallback is a ${fallbackType} prompt but type '${type}' was requested (${selectorText(selector)})`);
  }
  return typeof fallback === "string" ? new TextPromptClient({ ...base, prompt: fallback }, true) : new ChatPromptClient({ ...base, prompt: fallback }, true);
}

function hasFallback(fallback: PromptFallback | undefined): fallback is PromptFallback {
  // As in the reference SDKs, an empty string or list counts as "no fallback".
  return (typeof fallback === "string" && fallback.length > 0) || (Array.isArray(fallback) && fallback.length > 0);
}

function checkType(client: PromptClient, type: string | undefined): PromptClient {
  if (type !== undefined && client.type !== type) throw typeMismatch(client, type);
  return client;
}

function typeMismatch(client: PromptClient, type: string): LangfuseValidationError {
  return new LangfuseValidationError(`Prompt '${client.name}' version ${client.version} is a ${client.type} prompt, but type '${type}' was requested`);
}

function buildCreateRequest(options: CreatePromptOptions): CreatePromptRequest {
  if (!isPlainObject(options)) throw new LangfuseValidationError("createPrompt expects { name, prompt, type?, labels?, config?, tags?, commitMessage? }");
  const issues: ValidationIssue[] = [...nameIssues(options.name, "name")];
  const type = options.type ?? (Array.isArray(options.prompt) ? "chat" : "text");
  if (type !== "text" && type !== "chat") issues.push({ path: "type", message: 'must be "text" or "chat"' });
  if (type === "text" && typeof options.prompt !== "string") issues.push({ path: "prompt", message: `a text prompt must be a string, got ${describe(options.prompt)}` });
  if (type === "chat") {
    if (!Array.isArray(options.prompt)) issues.push({ path: "prompt", message: `a chat prompt must be a list of messages and placeholders, got ${describe(options.prompt)}` });
    else options.prompt.forEach((item, i) => issues.push(...chatItemIssues(item, `prompt.${i}`)));
  }
  if (options.labels !== undefined) {
    if (!Array.isArray(options.labels)) issues.push({ path: "labels", message: "must be an array of labels" });
    else options.labels.forEach((l, i) => issues.push(...labelIssues(l, `labels.${i}`)));
  }
  if (options.tags !== undefined) {
    if (!Array.isArray(options.tags) || options.tags.some((t) => typeof t !== "string")) issues.push({ path: "tags", message: "must be an array of strings" });
  }
  if (options.config !== undefined && options.config !== null && !isPlainObject(options.config)) issues.push({ path: "config", message: "must be a JSON object" });
  if (options.commitMessage !== undefined && options.commitMessage !== null) {
    if (typeof options.commitMessage !== "string") issues.push({ path: "commitMessage", message: "must be a string" });
    else if (options.commitMessage.length > 500) issues.push({ path: "commitMessage", message: "must be at most 500 characters" });
  }
  if (issues.length) throw new LangfuseValidationError("Invalid createPrompt options", issues);

  const common = {
    name: options.name,
    labels: [...new Set(options.labels ?? [])],
    config: options.config ?? {},
    ...(options.tags !== undefined ? { tags: [...options.tags] } : {}),
    ...(options.commitMessage !== undefined && options.commitMessage !== null ? { commitMessage: options.commitMessage } : {}),
  };
  if (type === "chat") {
    const prompt = (options.prompt as ChatMessageOrPlaceholder[]).map((item): ChatMessageOrPlaceholder => {
      if (item.type === "placeholder") return { type: "placeholder", name: (item as { name: string }).name };
      const { type: _type, ...message } = item as ChatMessageOrPlaceholder & { type?: unknown };
      return message as ChatMessageOrPlaceholder;
    });
    return { ...common, type: "chat", prompt };
  }
  return { ...common, type: "text", prompt: options.prompt as string };
}

function chatItemIssues(item: unknown, path: string): ValidationIssue[] {
  if (!isPlainObject(item)) return [{ path, message: `must be a message { role, content } or a placeholder { type: "placeholder", name }, got ${describe(item)}` }];
  if (item.type === "placeholder") {
    if (typeof item.name !== "string" || !PLACEHOLDER_NAME_RE.test(item.name)) {
      return [{ path: `${path}.name`, message: "a placeholder name must start with a letter and contain only letters, digits and '_'" }];
    }
    return [];
  }
  const issues: ValidationIssue[] = [];
  if (typeof item.role !== "string" || item.role.length === 0) issues.push({ path: `${path}.role`, message: "must be a non-empty string" });
  if (typeof item.content !== "string") issues.push({ path: `${path}.content`, message: "must be a string" });
  return issues;
}

/** The server's prompt-name rules, checked before any request so mistakes get a clear error. */
export function nameIssues(name: unknown, path: string): ValidationIssue[] {
  if (typeof name !== "string" || name.trim().length === 0) return [{ path, message: "must be a non-empty string" }];
  const issues: ValidationIssue[] = [];
  if (name !== name.trim()) issues.push({ path, message: "must not start or end with whitespace" });
  if (name.length > PROMPT_NAME_MAX_LENGTH) issues.push({ path, message: `must be at most ${PROMPT_NAME_MAX_LENGTH} characters` });
  if (name.includes("|")) issues.push({ path, message: "must not contain '|'" });
  if (name.startsWith("/") || name.endsWith("/")) issues.push({ path, message: "must not start or end with '/'" });
  if (name.includes("//")) issues.push({ path, message: "must not contain empty folder names ('//')" });
  if (/<[a-z/!][^>]*>/i.test(name)) issues.push({ path, message: "must not contain HTML" });
  return issues;
}

function labelIssues(label: unknown, path: string): ValidationIssue[] {
  if (typeof label !== "string" || label.length < 1 || label.length > 36 || !LABEL_RE.test(label)) {
    return [{ path, message: "a label is 1-36 characters of lowercase letters, digits, '_', '-' or '.'" }];
  }
  return [];
}

function isVersion(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1;
}

function isNonNegativeNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function isNotFound(err: unknown): boolean {
  return err instanceof LangfuseApiError && err.status === 404;
}

/** Worth retrying, and "the server is unreachable" for the purpose of serving cached values. */
function isTransient(err: unknown): boolean {
  if (err instanceof LangfuseApiError) return err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500;
  if (err instanceof LangfuseError) return err.code === "NETWORK" || err.code === "TIMEOUT";
  // Anything else is a transport-level failure (fetch TypeErrors, socket errors, a closed store).
  // No `instanceof Error`: errors from native modules or other realms fail that check.
  return true;
}

function selectorText(selector: PromptSelector): string {
  return typeof selector === "number" ? `version ${selector}` : `label '${selector}'`;
}

function errorText(err: unknown): string {
  if (err instanceof LangfuseApiError) return `${err.status}: ${err.message}`;
  return errorMessage(err);
}

function reject<T>(err: Error): Promise<T> {
  return Promise.reject(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number | undefined, name: string): Promise<T> {
  if (timeoutMs === undefined) return promise;
  return new Promise<T>((resolve, rejectPromise) => {
    const timer = setTimeout(() => rejectPromise(new LangfuseError("TIMEOUT", `Fetching prompt '${name}' timed out after ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        rejectPromise(err);
      },
    );
  });
}

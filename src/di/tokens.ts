/**
 * Injection tokens of the DI layer. Plain symbols (registered in the global symbol registry so
 * two copies of the package agree), usable with tsyringe or any container; this module does
 * not import tsyringe.
 */
import type { Langfuse } from "../client/langfuse";
import type { PromptRef, PromptRefOptions, PromptSource } from "../prompts/prompt-ref";

/** A symbol that remembers the type it resolves to (for typed `resolve` helpers). */
export type TypedToken<T> = symbol & { readonly __tokenType?: T };

/** The `Langfuse` client of a container (`registerLangfuse` registers it; child containers may override). */
export const LANGFUSE_CLIENT = Symbol.for("langfuse-decorators:LangfuseClient") as TypedToken<Langfuse>;

/** Turns the container's client into the PromptRef a `@Prompt` constructor parameter asks for. */
export interface PromptRefTransform {
  transform(client: PromptSource, name: string, options?: PromptRefOptions): PromptRef;
}

/** The tsyringe transform used by `@Prompt` on constructor parameters. */
export const LANGFUSE_PROMPT_REF_TRANSFORM = Symbol.for("langfuse-decorators:PromptRefTransform") as TypedToken<PromptRefTransform>;

/** One `@Prompt` constructor-parameter injection, keyed by its deterministic token. */
export interface PromptRefTokenEntry {
  token: symbol;
  name: string;
  options: PromptRefOptions;
}

// Kept on globalThis (like the suite registry) so two copies of the package agree.
const PROMPT_TOKENS_KEY = Symbol.for("langfuse-decorators:prompt-ref-tokens");
function promptTokens(): Map<symbol, PromptRefTokenEntry> {
  const g = globalThis as { [PROMPT_TOKENS_KEY]?: Map<symbol, PromptRefTokenEntry> };
  return (g[PROMPT_TOKENS_KEY] ??= new Map());
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}

/**
 * The injection token of a PromptRef for one prompt name and options: the same name and options
 * always give the same symbol, so a container that knows the tokens in use (the NestJS module
 * reads them with `getPromptRefTokens()`) can provide each one.
 */
export function promptRefToken(name: string, options: PromptRefOptions = {}): symbol {
  const token = Symbol.for(`langfuse-decorators:PromptRef:${name}:${stableJson(options)}`);
  const tokens = promptTokens();
  if (!tokens.has(token)) tokens.set(token, { token, name, options });
  return token;
}

/** Every PromptRef token handed out so far (one per distinct `@Prompt` name and options). */
export function getPromptRefTokens(): PromptRefTokenEntry[] {
  return [...promptTokens().values()];
}

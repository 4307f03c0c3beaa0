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

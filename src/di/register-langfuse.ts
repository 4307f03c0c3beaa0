/**
 * The tsyringe registration layer (the only module that knows tsyringe, and only its types:
 * containers are driven through their own methods, so tsyringe stays an optional peer).
 *
 *   registerLangfuse(container, { ...LangfuseOptions } | { client })
 *
 * registers, on that container:
 *   - LANGFUSE_CLIENT and the `Langfuse` class → one client: the `client` given; else, with
 *     client options, one created from them on first resolve; else the default client
 *     (`getClient()`), so the container and `@Observe`/`@Prompt` fields share one client,
 *     one provider and one store handle;
 *   - LANGFUSE_PROMPT_REF_TRANSFORM → what `@Prompt(name, opts)` constructor parameters use to
 *     build their PromptRef from the RESOLVING container's client.
 * A child container with its own `registerLangfuse(child, { client })` injects its own client;
 * one without inherits the parent's.
 */
import type { DependencyContainer } from "tsyringe";
import { getClient } from "../client/get-client";
import { Langfuse } from "../client/langfuse";
import type { LangfuseOptions } from "../config/options";
import { LangfuseValidationError } from "../errors";
import { PromptRef, type PromptRefOptions, type PromptSource } from "../prompts/prompt-ref";
import { LANGFUSE_CLIENT, LANGFUSE_PROMPT_REF_TRANSFORM, type PromptRefTransform } from "./tokens";

export interface RegisterLangfuseOptions extends LangfuseOptions {
  /** Use this client instead of creating one from the options. */
  client?: Langfuse;
}

const promptRefTransform: PromptRefTransform = {
  transform(client: PromptSource, name: string, options?: PromptRefOptions): PromptRef {
    return new PromptRef(name, options, client);
  },
};

export function registerLangfuse(container: DependencyContainer, options: RegisterLangfuseOptions = {}): DependencyContainer {
  if (container === null || typeof container !== "object" || typeof (container as { register?: unknown }).register !== "function") {
    throw new LangfuseValidationError("registerLangfuse expects a tsyringe DependencyContainer (e.g. container.createChildContainer())");
  }
  const { client, ...clientOptions } = options;
  if (client !== undefined && !(client instanceof Langfuse)) {
    throw new LangfuseValidationError("registerLangfuse: `client` must be a Langfuse instance");
  }
  // Resolved lazily so registering costs nothing until used.
  const hasOwnOptions = Object.values(clientOptions).some((v) => v !== undefined);
  let instance = client;
  const clientOf = (): Langfuse => (instance ??= hasOwnOptions ? new Langfuse(clientOptions) : getClient());
  container.register(LANGFUSE_CLIENT, { useFactory: clientOf });
  container.register(Langfuse, { useFactory: clientOf });
  container.register(LANGFUSE_PROMPT_REF_TRANSFORM, { useValue: promptRefTransform });
  return container;
}

/** The container's client (typed). */
export function resolveLangfuse(container: DependencyContainer): Langfuse {
  return container.resolve<Langfuse>(LANGFUSE_CLIENT);
}

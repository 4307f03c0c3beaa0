import { getClient } from "../client/get-client";
import type { Langfuse } from "../client/langfuse";
import { LANGFUSE_CLIENT } from "./tokens";

/** Anything with tsyringe's `resolve` (a container, a child container, your own resolver). */
export interface ClientResolver {
  resolve<T>(token: unknown): T;
}

/**
 * The client code running in `container` should use: the one `registerLangfuse` put there (or
 * in a parent), else the default client (`getClient()`: the first live client, or one created
 * from the LANGFUSE_* environment). The one rule for "which client" in suites, the CLI and
 * `@Prompt` fields.
 */
export function resolveClient(container?: ClientResolver): Langfuse {
  if (container) {
    try {
      return container.resolve<Langfuse>(LANGFUSE_CLIENT);
    } catch {
      /* not registered there: the default client */
    }
  }
  return getClient();
}

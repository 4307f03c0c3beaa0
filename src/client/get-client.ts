import { setRuntimeResolver } from "../tracing/runtime";
import { logger } from "../tracing/logger";
import { Langfuse } from "./langfuse";
import { findClient } from "./registry";

/**
 * The client for `publicKey`, or the default client (the first one created that is still
 * alive). With no client yet, one is created from the LANGFUSE_* environment, so decorated
 * code works with zero set-up. An unknown public key gives a tracing-disabled client (and a
 * warning) rather than sending one project's data to another.
 */
export function getClient(publicKey?: string): Langfuse {
  const found = findClient(publicKey);
  if (found) return found;
  if (publicKey === undefined) return new Langfuse();
  const envKey = process.env.LANGFUSE_PUBLIC_KEY;
  if (envKey !== undefined && envKey.trim() === publicKey) return new Langfuse();
  logger.warnOnce(`unknown-key:${publicKey}`, `No Langfuse client with public key ${publicKey} was created; tracing is disabled for it.`);
  return new Langfuse({ publicKey, tracingEnabled: false });
}

/**
 * Decorators and free functions find the default client through this resolver. With tracing
 * switched off by env and no client yet, nothing is created (no store file, no provider):
 * decorated code simply runs untraced.
 */
let disabledByEnv: boolean | undefined;
setRuntimeResolver(() => {
  const found = findClient();
  if (found) return found.tracing;
  disabledByEnv ??= (process.env.LANGFUSE_TRACING_ENABLED ?? "").trim().toLowerCase() === "false";
  if (disabledByEnv) return undefined;
  return getClient().tracing;
});

import type { LangfuseApi } from "../api/langfuse-api";
import { LangfuseError } from "../errors";
import { logger } from "../logger";
import { createHttpMediaStore } from "../media/http-media-store";
import { setRuntimeResolver } from "../tracing/runtime";
import type { Backend } from "./backend/backend";
import { Langfuse } from "./langfuse";
import { findClient } from "./registry";

/**
 * The client for `publicKey`, or the default client (the first one created that is still
 * alive). With no client yet, one is created from the LANGFUSE_* environment, so decorated
 * code works with zero set-up. An unknown public key gives a tracing-disabled client (and a
 * warning) rather than sending one project's data to another. That client is never
 * registered (it never becomes the default, so it cannot switch off @Observe for a real client
 * created later) and has no store or connection: its API calls reject with a clear error.
 */
export function getClient(publicKey?: string): Langfuse {
  const found = findClient(publicKey);
  if (found) return found;
  if (publicKey === undefined) return new Langfuse();
  const envKey = process.env.LANGFUSE_PUBLIC_KEY;
  if (envKey !== undefined && envKey.trim() === publicKey) return new Langfuse();
  return disabledClientFor(publicKey);
}

/** One detached disabled client per unknown key (so the warning and the object are stable). */
const disabledClients = new Map<string, Langfuse>();

function disabledClientFor(publicKey: string): Langfuse {
  const existing = disabledClients.get(publicKey);
  if (existing) return existing;
  logger.warnOnce(
    `unknown-key:${publicKey}`,
    `No Langfuse client with public key ${publicKey} has been created: getClient("${publicKey}") returns a disabled client ` +
      "(nothing it records is traced or sent, and its API calls fail). Create the client first: new Langfuse({ publicKey, secretKey }).",
  );
  const client = createDetachedDisabledClient(publicKey);
  disabledClients.set(publicKey, client);
  return client;
}

function unknownKeyError(publicKey: string, what: string): LangfuseError {
  return new LangfuseError(
    "CONFIG",
    `${what}: no Langfuse client with public key ${publicKey} has been created (getClient returned a disabled client); create it with new Langfuse({ publicKey, secretKey }) first`,
  );
}

/** An API whose every method rejects (no store is opened, no request is made). */
function rejectingApi(publicKey: string): LangfuseApi {
  const area = (areaName: string): object =>
    new Proxy(
      {},
      {
        get(_t, method) {
          if (typeof method !== "string" || method === "then") return undefined;
          return () => Promise.reject(unknownKeyError(publicKey, `api.${areaName}.${method}()`));
        },
      },
    );
  return new Proxy(
    {},
    {
      get(_t, name) {
        if (typeof name !== "string" || name === "then") return undefined;
        return area(name);
      },
    },
  ) as LangfuseApi;
}

/**
 * A backend that opens no store and makes no request: every API call rejects with a clear
 * error, spans have nowhere to go (tracing is off for this client anyway).
 */
function detachedBackend(publicKey: string): Backend {
  const api = rejectingApi(publicKey);
  return {
    mode: "http",
    api,
    createSpanExporter: () => undefined,
    promptApi: () => api,
    // Its media endpoints reject like the rest of the API.
    mediaStore: () => createHttpMediaStore(api.media),
    scoreQueueOptions: (flushAt) => ({ flushAt }),
    connectScores: () => undefined,
    writesInProcess: false,
    traceUrlBase: "",
    describe: () => `Langfuse: disabled client for the unknown public key ${publicKey}`,
    shutdown: async () => undefined,
  };
}

/** Tracing off, not registered (it never becomes the default client), no store or connection. */
function createDetachedDisabledClient(publicKey: string): Langfuse {
  return new Langfuse(
    { publicKey },
    { backend: detachedBackend(publicKey), tracingDisabledReason: `no client with public key ${publicKey} was created`, register: false },
  );
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

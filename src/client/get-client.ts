import { trace } from "@opentelemetry/api";
import type { Backend } from "../api/backend";
import type { LangfuseApi } from "../api/langfuse-api";
import { resolveConfig } from "../config/resolve-config";
import { LangfuseError } from "../errors";
import { setRuntimeResolver, TracingRuntime } from "../tracing/runtime";
import { logger } from "../logger";
import { LangfuseSpanProcessor } from "../tracing/span-processor";
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
 * Built without the constructor, which would open the embedded store (or an HTTP backend),
 * log a "LANGFUSE_TRACING_ENABLED=false" line that is not the reason here, and register the
 * client as the process default. Every instance field of Langfuse is set here.
 */
function createDetachedDisabledClient(publicKey: string): Langfuse {
  const config = { ...resolveConfig({ publicKey }), tracingEnabled: false };
  const api = rejectingApi(publicKey);
  const backend: Backend = {
    mode: config.mode,
    api,
    createSpanExporter: () => undefined,
    describe: () => `Langfuse: disabled client for the unknown public key ${publicKey}`,
    shutdown: async () => undefined,
  };
  const client = Object.create(Langfuse.prototype) as Langfuse;
  const fields: Record<string, unknown> = {
    config,
    backend,
    api,
    spanProcessor: LangfuseSpanProcessor.fromConfig(config, undefined, `no client with public key ${publicKey} was created`),
    tracing: new TracingRuntime(client, false, trace.getTracer("langfuse-sdk"), config.maxFieldChars, config.ioCaptureEnabled, false),
    providerMode: "disabled",
    flushables: new Set(),
    ownedProvider: undefined,
    externalProvider: undefined,
    shutdownResult: undefined,
    promptManagerState: undefined,
    evalsState: undefined,
  };
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(client, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return client;
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

import type { LangfuseClient as Langfuse } from "../tracing/client-handle";
import { setCachedRuntime } from "../tracing/runtime";

/**
 * Live clients by public key ("" = the keyless local client). The first registered live
 * client is the default: decorators and free functions use it unless told otherwise.
 */
const byKey = new Map<string, Langfuse>();
const order: Langfuse[] = [];

function keyOf(client: Langfuse): string {
  return client.config.publicKey ?? "";
}

function refreshDefault(): void {
  setCachedRuntime(order[0]?.tracing);
}

/**
 * Scripts often end without calling shutdown(). When the event loop drains, flush every live
 * client once more so queued spans and scores still arrive (Python's atexit equivalent).
 * beforeExit fires again after our async flush; the second pass finds nothing and stops.
 */
let exitHookInstalled = false;
let lastExitFlushWasEmpty = false;
function installExitHook(): void {
  if (exitHookInstalled || typeof process?.on !== "function") return;
  exitHookInstalled = true;
  process.on("beforeExit", () => {
    if (lastExitFlushWasEmpty || order.length === 0) return;
    void Promise.all(order.map((c) => c.flush())).then((results) => {
      lastExitFlushWasEmpty = results.every((r) => r.delivered + r.failed + r.dropped === 0);
    });
  });
}

export function registerClient(client: Langfuse): void {
  installExitHook();
  lastExitFlushWasEmpty = false;
  const key = keyOf(client);
  if (!byKey.has(key)) byKey.set(key, client);
  order.push(client);
  refreshDefault();
}

export function unregisterClient(client: Langfuse): void {
  const i = order.indexOf(client);
  if (i >= 0) order.splice(i, 1);
  const key = keyOf(client);
  if (byKey.get(key) === client) {
    byKey.delete(key);
    const next = order.find((c) => keyOf(c) === key);
    if (next) byKey.set(key, next);
  }
  refreshDefault();
}

export function findClient(publicKey?: string): Langfuse | undefined {
  if (publicKey === undefined) return order[0];
  return byKey.get(publicKey);
}

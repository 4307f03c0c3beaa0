/**
 * Test helpers: real LangfuseApi back-ends (LocalApi on a temp SQLite file; HttpApi against the
 * local server on 127.0.0.1:0), a counting wrapper that records prompt requests at the API
 * layer, and a controllable clock for the cache.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LangfuseApi } from "../../src/api/langfuse-api";
import type * as T from "../../src/api/types";
import { LocalApi, openLocalStore } from "../../src/local";

export class ManualClock {
  constructor(public ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advanceSeconds(s: number): void {
    this.ms += s * 1000;
  }
}

/** Delegates to a real API and counts prompt requests (by name). Optional injected faults. */
export class CountingApi implements LangfuseApi {
  readonly gets: string[] = [];
  /** Errors thrown by the next prompts.get calls, in order (before reaching the real API). */
  readonly faults: unknown[] = [];
  /** Delay (ms) added to each prompts.get, before or after the real read. */
  delayMs = 0;
  delayAfterRead = false;
  /** prompts.get calls whose real read has completed. */
  readsDone = 0;
  readonly prompts: LangfuseApi["prompts"];

  constructor(readonly inner: LangfuseApi) {
    this.prompts = {
      create: (body) => inner.prompts.create(body),
      get: async (name, query) => {
        this.gets.push(name);
        const delay = (): Promise<void> => new Promise((r) => setTimeout(r, this.delayMs));
        if (this.delayMs > 0 && !this.delayAfterRead) await delay();
        if (this.faults.length > 0) throw this.faults.shift();
        const result = await inner.prompts.get(name, query);
        this.readsDone++;
        if (this.delayMs > 0 && this.delayAfterRead) await delay();
        return result;
      },
      list: (query) => inner.prompts.list(query),
      updateLabels: (name, version, labels) => inner.prompts.updateLabels(name, version, labels),
      delete: (name, query) => inner.prompts.delete(name, query),
    };
  }

  getCount(name?: string): number {
    return name === undefined ? this.gets.length : this.gets.filter((n) => n === name).length;
  }

  get datasets() {
    return this.inner.datasets;
  }
  get datasetItems() {
    return this.inner.datasetItems;
  }
  get datasetRunItems() {
    return this.inner.datasetRunItems;
  }
  get scores() {
    return this.inner.scores;
  }
  get ingestion() {
    return this.inner.ingestion;
  }
  get media() {
    return this.inner.media;
  }
  get traces() {
    return this.inner.traces;
  }
  get observations() {
    return this.inner.observations;
  }
  get sessions() {
    return this.inner.sessions;
  }
  health(): Promise<T.HealthResponse> {
    return this.inner.health();
  }
  get projects() {
    return this.inner.projects;
  }
  get scoresV3() {
    return this.inner.scoresV3;
  }
  get metrics() {
    return this.inner.metrics;
  }
  get models() {
    return this.inner.models;
  }
  get scoreConfigs() {
    return this.inner.scoreConfigs;
  }
  get comments() {
    return this.inner.comments;
  }
  get annotationQueues() {
    return this.inner.annotationQueues;
  }
  get experiments() {
    return this.inner.experiments;
  }
}

export interface ApiFixture {
  api: LangfuseApi;
  /** Makes the back-end unreachable (HTTP: the server is closed; local: the store is closed). */
  takeDown(): Promise<void>;
  close(): Promise<void>;
}

export function tempDir(prefix = "lf-prompts-"): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function localFixture(): Promise<ApiFixture> {
  const tmp = tempDir();
  const store = openLocalStore(join(tmp.dir, "langfuse.db"));
  const api = new LocalApi(store);
  return {
    api,
    takeDown: async () => {
      if (!store.closed) store.close();
    },
    close: async () => {
      if (!store.closed) store.close();
      tmp.remove();
    },
  };
}

/**
 * HttpApi against the real local server on 127.0.0.1:0. Transport retries are off: the
 * PromptManager owns retries for prompt fetches (as the Langfuse client wires it).
 */
export async function httpFixture(): Promise<ApiFixture & { url: string; publicKey: string; secretKey: string; dbPath: string }> {
  // Imported lazily so local-only test files do not load fastify.
  const { startServer } = await import("../../src/server");
  const { HttpApi } = await import("../../src/api/http/http-api");
  const tmp = tempDir();
  const dbPath = join(tmp.dir, "server.db");
  const server = await startServer({ host: "127.0.0.1", port: 0, dbPath, publicKey: "pk-lf-test", secretKey: "sk-lf-test" });
  const api = new HttpApi({ baseUrl: server.url, publicKey: server.publicKey, secretKey: server.secretKey, timeoutSeconds: 5, maxRetries: 0 });
  let down = false;
  return {
    api,
    url: server.url,
    publicKey: server.publicKey,
    secretKey: server.secretKey,
    dbPath,
    takeDown: async () => {
      if (!down) await server.close();
      down = true;
    },
    close: async () => {
      if (!down) await server.close();
      down = true;
      tmp.remove();
    },
  };
}

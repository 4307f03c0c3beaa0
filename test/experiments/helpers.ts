/**
 * Shared helpers for the scores/datasets/experiments tests: real LocalApi stores on temp SQLite
 * files, a fault-injecting wrapper over a real API (transient failures for retry tests) and a
 * logger that records what the SDK warned about.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LangfuseApi } from "../../src/api/langfuse-api";
import type * as T from "../../src/api/types";
import { LocalApi, openLocalStore, type LocalStore } from "../../src/local";
import type { ScoreLogger } from "../../src/scores/score-queue";

export interface TempStore {
  dir: string;
  dbPath: string;
  store: LocalStore;
  api: LocalApi;
  close(): void;
}

export function tempStore(prefix = "lf-evals-"): TempStore {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dbPath = join(dir, "langfuse.db");
  const store = openLocalStore(dbPath);
  const api = new LocalApi(store);
  return {
    dir,
    dbPath,
    store,
    api,
    close() {
      try {
        store.close();
      } catch {
        /* already closed */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export class RecordingLogger implements ScoreLogger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  warn(m: string): void {
    this.warnings.push(m);
  }
  error(m: string): void {
    this.errors.push(m);
  }
}

/** Passes ingestion batches to a real API, failing the first `failures` calls with `error`. */
export function flakyIngestion(inner: LangfuseApi, failures: unknown[]): Pick<LangfuseApi, "ingestion"> & { calls: number } {
  const state = {
    calls: 0,
    ingestion: {
      batch: async (events: T.IngestionEvent[]): Promise<T.IngestionResult> => {
        state.calls++;
        const fault = failures.shift();
        if (fault !== undefined) throw fault;
        return inner.ingestion.batch(events);
      },
    },
  };
  return state;
}

/** Reads every page of a paginated list (bounded). */
export async function allPages<X>(fetch: (page: number) => Promise<T.Paginated<X>>): Promise<X[]> {
  const out: X[] = [];
  for (let page = 1; page <= 1000; page++) {
    const res = await fetch(page);
    out.push(...res.data);
    if (res.meta.totalPages <= page || res.data.length === 0) break;
  }
  return out;
}

import { HttpApi } from "../../src/api/http/http-api";
import { startServer, type RunningServer } from "../../src/server";

/** A LangfuseApi on a fresh store: LocalApi directly, or HttpApi against the local server over 127.0.0.1. */
export interface ApiUnderTest {
  api: LangfuseApi;
  server?: RunningServer;
  close(): Promise<void>;
}

export type BackendKind = "local" | "http";
export const BACKENDS: BackendKind[] = ["local", "http"];

export async function openApi(kind: BackendKind): Promise<ApiUnderTest> {
  if (kind === "local") {
    const db = tempStore();
    return { api: db.api, close: async () => db.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), "lf-evals-http-"));
  const server = await startServer({ host: "127.0.0.1", port: 0, dbPath: join(dir, "langfuse.db"), publicKey: "pk-lf-test", secretKey: "sk-lf-test", env: {} });
  const api = new HttpApi({ baseUrl: server.url, publicKey: server.publicKey, secretKey: server.secretKey, timeoutSeconds: 10, maxRetries: 0 });
  return {
    api,
    server,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import Database from "better-sqlite3";
import { Langfuse } from "../../src/client/langfuse";

/** A real client on a fresh store: embedded (local mode) or over HTTP+OTLP to the local server. */
export interface ClientUnderTest {
  langfuse: Langfuse;
  dbPath: string;
  server?: RunningServer;
  /** What the ingestion mapping stored for the observation's `langfuse.experiment.*` attributes. */
  experimentColumn(observationId: string): Record<string, unknown> | null;
  close(): Promise<void>;
}

export async function openClient(kind: BackendKind, options: { environment?: string; sampleRate?: number } = {}): Promise<ClientUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), `lf-evals-${kind}-`));
  const dbPath = join(dir, "langfuse.db");
  let server: RunningServer | undefined;
  let langfuse: Langfuse;
  if (kind === "local") {
    langfuse = new Langfuse({ localDbPath: dbPath, ...options });
  } else {
    server = await startServer({ host: "127.0.0.1", port: 0, dbPath, publicKey: "pk-lf-test", secretKey: "sk-lf-test", env: {} });
    langfuse = new Langfuse({ publicKey: server.publicKey, secretKey: server.secretKey, baseUrl: server.url, ...options });
  }
  return {
    langfuse,
    dbPath,
    ...(server ? { server } : {}),
    experimentColumn(observationId) {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare("SELECT experiment FROM observations WHERE id = ?").get(observationId) as { experiment: string | null } | undefined;
        return row?.experiment ? (JSON.parse(row.experiment) as Record<string, unknown>) : null;
      } finally {
        db.close();
      }
    },
    async close() {
      await langfuse.shutdown();
      if (server) await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer, type StartServerOptions } from "../../src/server";

export const TEST_PK = "pk-lf-test-public";
export const TEST_SK = "sk-lf-test-secret";

export interface Harness {
  server: RunningServer;
  dir: string;
  dbPath: string;
  /** Basic auth header for the test keys. */
  basic: string;
  call(method: string, path: string, init?: CallInit): Promise<CallResult>;
  stop(): Promise<void>;
}

export interface CallInit {
  body?: unknown;
  /** Raw body (string or bytes); takes precedence over `body`. */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** false: no Authorization header; a string: that header. Default: valid Basic. */
  auth?: false | string;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export function basicAuth(pk: string, sk: string): string {
  return "Basic " + Buffer.from(`${pk}:${sk}`).toString("base64");
}

/** One server on 127.0.0.1:0 over a SQLite file in a fresh temp dir. */
export async function startHarness(opts: Partial<StartServerOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "lfd-server-"));
  const dbPath = opts.dbPath ?? join(dir, "langfuse.db");
  const server = await startServer({ port: 0, dbPath, publicKey: TEST_PK, secretKey: TEST_SK, env: {}, ...opts });
  const basic = basicAuth(TEST_PK, TEST_SK);
  return {
    server,
    dir,
    dbPath,
    basic,
    call: (method, path, init = {}) => call(server.url, basic, method, path, init),
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function call(baseUrl: string, basic: string, method: string, path: string, init: CallInit = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.auth === undefined) headers.authorization = basic;
  else if (init.auth !== false) headers.authorization = init.auth;
  let body: string | Uint8Array | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(baseUrl + path, { method, headers, body: body as BodyInit | undefined, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

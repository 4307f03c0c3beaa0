import { LangfuseError } from "../../src/errors";
import { LocalApi, openLocalStore } from "../../src/local";
import { fromOtlpRequest } from "../../src/local/ingest/from-otlp";
import { ingestSpans } from "../../src/local/ingest/ingest-spans";
import { createServer } from "../../src/server";
import { basicAuth } from "./server-harness";

/** createServer used directly over a real in-memory store, listening on 127.0.0.1:0. */
async function build() {
  const store = openLocalStore(":memory:");
  const api = new LocalApi(store);
  const app = createServer({ api, ingest: (req) => void ingestSpans(store, fromOtlpRequest(req)), auth: { publicKey: "pk", secretKey: "sk" }, bodyLimit: 1024 });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  const inject = async (opts: { method?: string; url: string; headers?: Record<string, string>; payload?: string }) => {
    const res = await fetch(address + opts.url, { method: opts.method ?? "GET", headers: opts.headers, body: opts.payload, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { statusCode: res.status, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  return { store, app, inject };
}

test("health answers 503 (not 500) when the store is gone", async () => {
  const { store, app, inject } = await build();
  expect((await inject({ url: "/api/public/health" })).statusCode).toBe(200);
  store.close();
  const res = await inject({ url: "/api/public/health" });
  expect(res.statusCode).toBe(503);
  expect(res.json()).toMatchObject({ status: "Database not available" });
  await app.close();
});

test("bodyLimit is configurable and reported", async () => {
  const { store, app, inject } = await build();
  const res = await inject({
    method: "POST",
    url: "/api/public/v2/datasets",
    headers: { authorization: basicAuth("pk", "sk"), "content-type": "application/json" },
    payload: JSON.stringify({ name: "x".repeat(2000) }),
  });
  expect(res.statusCode).toBe(413);
  expect(String(res.json().message)).toContain("0.0 MB");
  await app.close();
  store.close();
});

test("createServer refuses to run without keys", () => {
  const store = openLocalStore(":memory:");
  expect(() => createServer({ api: new LocalApi(store), ingest: () => undefined, auth: { publicKey: "", secretKey: "" } })).toThrow(LangfuseError);
  store.close();
});

test("startServer takes the store's durability level from LANGFUSE_LOCAL_DB_SYNCHRONOUS and refuses unknown levels", async () => {
  const { startServer } = await import("../../src/server");
  const base = { port: 0, dbPath: ":memory:", publicKey: "pk-lf-t", secretKey: "sk-lf-t" };
  await expect(startServer({ ...base, env: { LANGFUSE_LOCAL_DB_SYNCHRONOUS: "sometimes" } })).rejects.toThrow(
    /LANGFUSE_LOCAL_DB_SYNCHRONOUS must be "NORMAL" or "FULL", got "sometimes"/,
  );
  for (const bad of ["OFF", "", "full", 2]) {
    await expect(startServer({ ...base, env: {}, synchronous: bad as never })).rejects.toBeInstanceOf(LangfuseError);
  }
  const empty = await startServer({ ...base, env: { LANGFUSE_LOCAL_DB_SYNCHRONOUS: " " } }); // unset
  await empty.close();
  const server = await startServer({ ...base, env: { LANGFUSE_LOCAL_DB_SYNCHRONOUS: "full" } });
  try {
    expect((await fetch(`${server.url}/api/public/health`)).status).toBe(200);
  } finally {
    await server.close();
  }
});

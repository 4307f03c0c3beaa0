/**
 * The server side of the web UI without a browser: static assets, login and sessions, what a
 * session cookie may do, and the /api/ui endpoints over a real store.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalUiReads } from "../../src/local/api/ui-reads";
import { openLocalStore, type LocalStore } from "../../src/local/store";
import { startServer, type RunningServer } from "../../src/server/start-server";
import { LoginThrottle, UiSessions } from "../../src/server/ui/ui-sessions";
import { defaultUiDir, loadUiAssets } from "../../src/server/ui/ui-static";
import { ROOT } from "./ui-harness";
import { seedManyTraces } from "./seed";

const PK = "pk-lf-ui-api";
const SK = "sk-lf-ui-api-secret";
const BASIC = "Basic " + Buffer.from(`${PK}:${SK}`).toString("base64");

let dir: string;
let uiDir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lfd-ui-api-"));
  // A small stand-in build: these tests check serving, not the app (web-ui.test.ts does).
  uiDir = join(dir, "ui");
  mkdirSync(join(uiDir, "assets"), { recursive: true });
  writeFileSync(join(uiDir, "index.html"), "<!doctype html><title>ui</title><script type=module src=./assets/app-abc123.js></script>");
  writeFileSync(join(uiDir, "assets", "app-abc123.js"), "console.log('ui')");
  writeFileSync(join(uiDir, "assets", "notes.txt"), "not served: unknown type");
  server = await startServer({ port: 0, dbPath: join(dir, "l.db"), publicKey: PK, secretKey: SK, env: {}, uiDir });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function login(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/api/ui/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function sessionCookie(): Promise<string> {
  const res = await login({ publicKey: PK, secretKey: SK });
  expect(res.status).toBe(200);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

describe("UI assets", () => {
  it("serves the built index at / with a strict CSP, hashed assets cacheable, nothing else", async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(index.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await index.text()).toContain("app-abc123.js");
    const js = await fetch(`${server.url}/assets/app-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${server.url}/assets/notes.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/..%2F..%2Fl.db`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });

  it("finds this package's dist/ui from the source tree and says how to build when it is missing", async () => {
    expect(defaultUiDir(join(ROOT, "src", "server", "ui"))).toBe(join(ROOT, "dist", "ui"));
    expect(loadUiAssets(join(dir, "nowhere")).size).toBe(0);
    const bare = await startServer({ port: 0, dbPath: ":memory:", publicKey: PK, secretKey: SK, env: {}, uiDir: join(dir, "nowhere") });
    try {
      const res = await fetch(`${bare.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("npm run build:ui");
    } finally {
      await bare.close();
    }
    const none = await startServer({ port: 0, dbPath: ":memory:", publicKey: PK, secretKey: SK, env: {}, ui: false });
    try {
      expect((await fetch(`${none.url}/`)).status).toBe(404);
      expect((await fetch(`${none.url}/api/ui/session`)).status).toBe(404);
    } finally {
      await none.close();
    }
  });
});

describe("trace URLs", () => {
  it("send a browser without credentials to the trace in the UI; API clients get JSON or 401 as before", async () => {
    const html = await fetch(`${server.url}/project/local/traces/abc%2F1`, { redirect: "manual", headers: { accept: "text/html,application/xhtml+xml" } });
    expect(html.status).toBe(302);
    expect(html.headers.get("location")).toBe("/#/traces/abc%2F1");
    expect((await fetch(`${server.url}/project/local/traces/abc`, { redirect: "manual" })).status).toBe(401);
    expect((await fetch(`${server.url}/project/local/traces/abc`, { headers: { authorization: BASIC, accept: "text/html" } })).status).toBe(404);
  });
});

describe("login throttle", () => {
  it("refuses an address after 10 wrong keys within a minute, until that minute ends; a good login clears the count", () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(() => now);
    for (let i = 0; i < 9; i++) throttle.failed("10.0.0.1");
    expect(throttle.retryAfterSeconds("10.0.0.1")).toBe(0);
    throttle.succeeded("10.0.0.1");
    for (let i = 0; i < 10; i++) throttle.failed("10.0.0.1");
    expect(throttle.retryAfterSeconds("10.0.0.1")).toBe(60);
    expect(throttle.retryAfterSeconds("10.0.0.2")).toBe(0);
    now += 59_001;
    expect(throttle.retryAfterSeconds("10.0.0.1")).toBe(1);
    now += 1_000;
    expect(throttle.retryAfterSeconds("10.0.0.1")).toBe(0);
    // A new window starts with the next failure.
    throttle.failed("10.0.0.1");
    expect(throttle.retryAfterSeconds("10.0.0.1")).toBe(0);
  });

  it("over HTTP: the 11th attempt after 10 wrong keys gets 429 with Retry-After, even with the right keys", async () => {
    const own = await startServer({ port: 0, dbPath: join(dir, "throttle.db"), publicKey: PK, secretKey: SK, env: {}, uiDir });
    try {
      const post = (secretKey: string) =>
        fetch(`${own.url}/api/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ publicKey: PK, secretKey }) });
      for (let i = 0; i < 10; i++) expect((await post(`wrong-${i}`)).status).toBe(401);
      const refused = await post(SK);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(((await refused.json()) as { message: string }).message).toMatch(/Too many failed logins/);
      expect(refused.headers.get("set-cookie")).toBeNull();
      // The API's Basic auth is not locked: scripts with the keys keep working.
      expect((await fetch(`${own.url}/api/public/traces`, { headers: { authorization: BASIC } })).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe("UI sessions", () => {
  it("logs in only with this server's public and secret key", async () => {
    expect((await login({ publicKey: PK, secretKey: "wrong" })).status).toBe(401);
    expect((await login({ publicKey: "pk-other", secretKey: SK })).status).toBe(401);
    expect((await login({ publicKey: PK })).status).toBe(400);
    expect((await login({ publicKey: PK, secretKey: SK }, { origin: "http://evil.example" })).status).toBe(403);
    const res = await login({ publicKey: PK, secretKey: SK });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(new RegExp(`^lfd_ui_${server.port}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`));
    expect(setCookie).not.toContain(SK);
    const cookie = setCookie.split(";")[0]!;
    expect(await (await fetch(`${server.url}/api/ui/session`, { headers: { cookie } })).json()).toEqual({ authenticated: true });
    expect(await (await fetch(`${server.url}/api/ui/session`)).json()).toEqual({ authenticated: false });
  });

  it("a session reads the API; it writes only the UI's label promotion, with the UI header and from this origin", async () => {
    const cookie = await sessionCookie();
    await fetch(`${server.url}/api/public/v2/prompts`, {
      method: "POST",
      headers: { authorization: BASIC, "content-type": "application/json" },
      body: JSON.stringify({ name: "p", prompt: "v1", type: "text" }),
    });
    expect((await fetch(`${server.url}/api/public/v2/prompts/p?version=1`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${server.url}/api/public/traces`, { headers: { cookie: cookie + "x" } })).status).toBe(401);
    // Another port's cookie name is not this server's.
    expect((await fetch(`${server.url}/api/public/traces`, { headers: { cookie: cookie.replace(`lfd_ui_${server.port}`, "lfd_ui_1") } })).status).toBe(401);

    const patch = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/public/v2/prompts/p/versions/1`, { method: "PATCH", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ newLabels: ["prod"] }) });
    expect((await patch({ cookie })).status).toBe(401);
    expect((await patch({ cookie, "x-langfuse-ui": "1", origin: "http://127.0.0.1:1" })).status).toBe(401);
    expect((await patch({ cookie, "x-langfuse-ui": "1", origin: server.url })).status).toBe(200);
    const del = await fetch(`${server.url}/api/public/v2/prompts/p`, { method: "DELETE", headers: { cookie, "x-langfuse-ui": "1" } });
    expect(del.status).toBe(401);
    // The CORS preflight never allows the UI header, so other sites cannot send it.
    const pre = await fetch(`${server.url}/api/public/v2/prompts/p/versions/1`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "PATCH" } });
    expect(pre.headers.get("access-control-allow-headers") ?? "").not.toContain("x-langfuse-ui");
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();

    const out = await fetch(`${server.url}/api/ui/logout`, { method: "POST", headers: { cookie, "x-langfuse-ui": "1", "content-type": "application/json" }, body: "{}" });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await fetch(`${server.url}/api/public/v2/prompts/p?version=1`, { headers: { cookie } })).status).toBe(401);
  });

  it("sessions expire and stay bounded", () => {
    let now = 0;
    const sessions = new UiSessions(() => now);
    const { token } = sessions.create();
    expect(sessions.valid(token)).toBe(true);
    now += 12 * 60 * 60 * 1000;
    expect(sessions.valid(token)).toBe(false);
    const first = sessions.create().token;
    for (let i = 0; i < 250; i++) sessions.create();
    expect(sessions.valid(first)).toBe(false);
    expect(sessions.valid(undefined)).toBe(false);
  });
});

describe("UI reads in the store", () => {
  let store: LocalStore;
  let reads: LocalUiReads;
  beforeAll(() => {
    store = openLocalStore(":memory:");
    seedManyTraces(store, 2000);
    reads = new LocalUiReads(store);
  });
  afterAll(() => store.close());

  it("searches name, input and output with LIKE wildcards taken literally, and filters by level", () => {
    expect(reads.listTraces({ search: "question 1999" }).data.map((t) => t.id)).toEqual(["t0001999"]);
    expect(reads.listTraces({ search: "answer 1234" }).data.map((t) => t.id)).toEqual(["t0001234"]);
    expect(reads.listTraces({ search: "job-49", limit: 100 }).meta.totalItems).toBe(40);
    expect(reads.listTraces({ search: "%" }).meta.totalItems).toBe(0);
    expect(reads.listTraces({ search: "_" }).meta.totalItems).toBe(0);
    expect(reads.listTraces({ level: "ERROR" }).data.map((t) => t.id)).toEqual(["t0001994", "t0000997", "t0000000"]);
    expect(reads.listTraces({ level: "ERROR", search: "question 997" }).data.map((t) => t.id)).toEqual(["t0000997"]);
    expect(() => reads.listTraces({ level: "LOUD" as never })).toThrow(/level/);
  });

  it("pages in SQL, with the timestamp index for the default order", () => {
    const page = reads.listTraces({ page: 3, limit: 10 });
    expect(page.meta).toEqual({ page: 3, limit: 10, totalItems: 2000, totalPages: 200 });
    expect(page.data.map((t) => t.id)[0]).toBe("t0001979");
    const plan = store.db.prepare("EXPLAIN QUERY PLAN SELECT * FROM traces ORDER BY timestamp DESC, id ASC LIMIT 10").all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(" ")).toContain("traces_timestamp");
  });

  it("answers the dashboard's aggregates for a time range", () => {
    const all = reads.dashboard({ fromTimestamp: new Date(Date.now() - 2 * 86_400_000).toISOString(), toTimestamp: new Date(Date.now() + 60_000).toISOString() });
    expect(all.bucket).toBe("hour");
    expect(all.totals.traces).toBe(2000);
    expect(all.totals.observations).toBe(2000);
    expect(all.overTime.reduce((n, b) => n + b.traces, 0)).toBe(2000);
    expect(all.totals.avgLatency).toBeCloseTo(0.12, 3);
    expect(all.byUser[0]).toMatchObject({ traces: 4 });
    expect(() => reads.dashboard({ fromTimestamp: "yesterday-ish" })).toThrow(/fromTimestamp/);
  });

  it("rejects a comparison of unknown runs or datasets with typed errors", () => {
    expect(() => reads.compareRuns("nope", ["a"])).toThrow(/Dataset nope not found/);
    expect(() => reads.runSummaries("nope")).toThrow(/not found/);
    expect(() => reads.itemHistory("nope")).toThrow(/not found/);
  });
});

describe("/api/ui endpoints", () => {
  it("validate their input and need auth", async () => {
    expect((await fetch(`${server.url}/api/ui/dashboard`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/ui/traces?level=LOUD`, { headers: { authorization: BASIC } })).status).toBe(400);
    expect((await fetch(`${server.url}/api/ui/datasets/none/compare`, { headers: { authorization: BASIC } })).status).toBe(400);
    expect((await fetch(`${server.url}/api/ui/datasets/none/compare?runs=a`, { headers: { authorization: BASIC } })).status).toBe(404);
    const dash = await fetch(`${server.url}/api/ui/dashboard`, { headers: { authorization: BASIC } });
    expect(dash.status).toBe(200);
    expect(await dash.json()).toMatchObject({ bucket: "day", totals: { traces: 0 } });
  });
});

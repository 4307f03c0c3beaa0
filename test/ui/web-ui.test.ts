/**
 * The web UI in real Chromium (playwright-core + @sparticuz/chromium) against the real server on
 * a store seeded by the real SDK. Screenshots of each page go to docs/screenshots/.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { TraceWithDetails } from "../../src";
import { startServer, type RunningServer } from "../../src/server/start-server";
import { axeViolations, buildUi, launchChromium, screenshot } from "./ui-harness";
import { openLocalStore } from "../../src/local/store";
import { seedManyTraces, seedWithSdk, type Seeded } from "./seed";

const PK = "pk-lf-ui-test";
const SK = "sk-lf-ui-test-secret-0123456789";
const BASIC = "Basic " + Buffer.from(`${PK}:${SK}`).toString("base64");

let dir: string;
let uiDir: string;
let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let seeded: Seeded;

async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(server.url + path, { headers: { authorization: BASIC } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function open(hash: string): Promise<void> {
  await page.goto(`${server.url}/${hash}`);
}


async function expectAccessible(name: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length) throw new Error(`axe on ${name}: ${JSON.stringify(violations, null, 2)}`);
}

async function logIn(p: Page): Promise<void> {
  await p.goto(`${server.url}/#/traces`);
  await p.fill("input[name=publicKey]", PK);
  await p.fill("input[name=secretKey]", SK);
  await p.click("#login-form button[type=submit]");
  await p.waitForSelector("table[aria-label=Traces] tbody tr");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lfd-ui-"));
  uiDir = join(dir, "ui");
  buildUi(uiDir);
  const dbPath = join(dir, "langfuse.db");
  seeded = await seedWithSdk(dbPath);
  server = await startServer({ port: 0, dbPath, publicKey: PK, secretKey: SK, env: {}, uiDir });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: "light", locale: "en-US" });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  // The app must run under the CSP the server sends: any violation or page error fails a test.
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) pageProblems.push(m.text());
  });
  page.on("pageerror", (e) => pageProblems.push(e.message));
}, 180_000);

const pageProblems: string[] = [];
afterEach(() => {
  const problems = pageProblems.splice(0);
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("web UI", () => {
  it("asks for the keys, then keeps only an HttpOnly SameSite=Strict session cookie", async () => {
    expect((await fetch(`${server.url}/api/public/traces`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/ui/traces`)).status).toBe(401);

    await open("#/traces");
    await page.waitForSelector("#login-form");
    await screenshot(page, "login");
    await expectAccessible("login");
    await page.fill("input[name=publicKey]", PK);
    await page.fill("input[name=secretKey]", "sk-wrong");
    await page.click("#login-form button[type=submit]");
    await page.waitForSelector("#login-form [role=alert]");
    expect(await page.textContent("#login-form [role=alert]")).toContain("not this server's keys");
    expect(await context.cookies()).toEqual([]);

    await logIn(page);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookies[0]!.value).not.toContain(SK);
    expect(page.url()).not.toContain(SK);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.documentElement.outerHTML);
    expect(stored).not.toContain(SK);
    expect(await page.evaluate(() => document.cookie)).toBe("");

    // A new browser context (no cookie) is sent to the login page again.
    const other = await browser.newContext({ locale: "en-US" });
    const p2 = await other.newPage();
    await p2.goto(`${server.url}/#/prompts`);
    await p2.waitForSelector("#login-form");
    await other.close();
  });

  it("cookie writes need the UI header and this origin; the cookie is refused for other writes; Basic auth is unchanged", async () => {
    const cookie = (await context.cookies())[0]!;
    const header = { cookie: `${cookie.name}=${cookie.value}` };
    const patch = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/public/v2/prompts/movie-critic/versions/1`, {
        method: "PATCH",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ newLabels: ["csrf"] }),
      });
    expect((await fetch(`${server.url}/api/public/traces`, { headers: header })).status).toBe(200);
    expect((await patch(header)).status).toBe(401);
    expect((await patch({ ...header, "x-langfuse-ui": "1", origin: "http://evil.example" })).status).toBe(401);
    const createDataset = await fetch(`${server.url}/api/public/v2/datasets`, {
      method: "POST",
      headers: { ...header, "x-langfuse-ui": "1", "content-type": "application/json" },
      body: JSON.stringify({ name: "via-cookie" }),
    });
    expect(createDataset.status).toBe(401);
    const prompt = await apiGet<{ labels: string[] }>("/api/public/v2/prompts/movie-critic?version=1");
    expect(prompt.labels).not.toContain("csrf");
    expect((await fetch(`${server.url}/api/public/traces`, { headers: { authorization: BASIC } })).status).toBe(200);
    expect((await fetch(`${server.url}/api/public/traces`, { headers: { ...header, authorization: "Basic " + Buffer.from(`${PK}:nope`).toString("base64") } })).status).toBe(401);
  });

  it("lists the seeded traces; filters and search narrow the list", async () => {
    await open("#/traces");
    await page.waitForSelector("table[aria-label=Traces] tbody tr");
    const ids = async () => page.$$eval("table[aria-label=Traces] tbody tr", (rows) => rows.map((r) => r.getAttribute("data-trace-id")));
    const all = await apiGet<{ data: { id: string; name: string }[] }>("/api/public/traces?limit=100");
    expect((await ids()).sort()).toEqual(all.data.map((t) => t.id).sort());
    expect(all.data.length).toBe(2 + 1 + 6); // support questions, the failing job, 2 runs x 3 items
    await screenshot(page, "traces");
    await expectAccessible("traces");

    /** The list replaces its rows when the new answer arrives: wait for exactly these. */
    const expectIds = async (expected: string[]) => {
      const want = [...expected].sort();
      await page.waitForFunction(
        (w) => JSON.stringify(Array.from(document.querySelectorAll("table[aria-label=Traces] tbody tr"), (r) => r.getAttribute("data-trace-id")).sort()) === JSON.stringify(w),
        want,
      );
    };

    await open("#/traces?name=support-question");
    await expectIds(seeded.supportTraceIds);

    // The form: type a search, apply, and the list follows (and the URL keeps the filter).
    await open("#/traces");
    await expectIds(all.data.map((t) => t.id));
    await page.fill("#trace-search", "export invoices");
    await page.press("#trace-search", "Enter");
    await expectIds([seeded.supportTraceIds[1]!]);
    expect(page.url()).toContain("search=export+invoices");

    await open("#/traces?level=ERROR");
    await expectIds([seeded.errorTraceId]);

    await open("#/traces?userId=alice&tags=beta");
    await expectIds(seeded.supportTraceIds);

    const baseline = await apiGet<{ datasetRunItems: { datasetItemId: string; traceId: string }[] }>("/api/public/datasets/capitals/runs/baseline");
    await open("#/traces?search=Lyon");
    await expectIds([baseline.datasetRunItems.find((r) => r.datasetItemId === "fr")!.traceId]);

    await open("#/traces?orderBy=name.asc");
    await expectIds(all.data.map((t) => t.id));
    const names = await page.$$eval("table[aria-label=Traces] tbody tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent ?? ""));
    expect(names).toEqual([...names].sort());
  });

  it("live refresh shows a trace written while the list is open", async () => {
    await open("#/traces?name=late-arrival");
    await page.waitForSelector("#trace-count");
    expect(await page.textContent("#trace-count")).toContain("0 traces");
    const res = await fetch(`${server.url}/api/public/otel/v1/traces`, {
      method: "POST",
      headers: { authorization: BASIC, "content-type": "application/json" },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [] },
            scopeSpans: [
              {
                scope: { name: "langfuse-sdk" },
                spans: [
                  {
                    traceId: "aa".repeat(16),
                    spanId: "bb".repeat(8),
                    name: "late-arrival",
                    kind: 1,
                    startTimeUnixNano: String(Date.now() * 1e6),
                    endTimeUnixNano: String((Date.now() + 5) * 1e6),
                    attributes: [],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    await page.waitForFunction(() => document.querySelector("#trace-count")?.textContent?.startsWith("1 "), undefined, { timeout: 15_000 });
  });

  it("shows a trace's observation tree with the stored nesting, a waterfall and observation details", async () => {
    const traceId = seeded.supportTraceIds[0]!;
    const stored = await apiGet<TraceWithDetails>(`/api/public/traces/${traceId}`);
    await open(`#/traces/${traceId}`);
    await page.waitForSelector("#observation-tree li[data-obs-id]");
    const rows = await page.$$eval("#observation-tree li[data-obs-id]", (lis) =>
      lis.map((li) => ({ id: li.getAttribute("data-obs-id"), parent: li.getAttribute("data-parent-id") || null, depth: Number(li.getAttribute("data-depth")) })),
    );
    expect(rows.map((r) => r.id).sort()).toEqual(stored.observations.map((o) => o.id).sort());
    const byId = new Map(stored.observations.map((o) => [o.id, o]));
    for (const r of rows) expect(r.parent).toBe(byId.get(r.id!)!.parentObservationId);
    // Each row comes after its parent, one level deeper (depth-first order).
    for (const [i, r] of rows.entries()) {
      if (!r.parent) expect(r.depth).toBe(0);
      else {
        const at = rows.findIndex((x) => x.id === r.parent);
        expect(at).toBeLessThan(i);
        expect(r.depth).toBe(rows[at]!.depth + 1);
      }
    }
    const names = rows.map((r) => `${"  ".repeat(r.depth)}${byId.get(r.id!)!.name}`);
    expect(names).toEqual(["handle-request", "  SupportAgent.answer", "    DocSearch.search", "    ChatModel.complete"]);
    expect(await page.$$eval("#observation-tree .waterfall .bar", (bars) => bars.length)).toBe(5);
    await page.waitForSelector("text=Scores");
    expect(await page.textContent("main")).toContain("helpful");

    const gen = stored.observations.find((o) => o.name === "ChatModel.complete")!;
    await page.click(`#observation-tree li[data-obs-id="${gen.id}"] .obs-button`);
    await page.waitForSelector("#observation-detail");
    const detail = (await page.textContent("#observation-detail"))!;
    expect(detail).toContain("gpt-4o-mini");
    expect(detail).toContain("input: 20");
    expect(await page.$$eval("#observation-detail .chat-msg", (m) => m.length)).toBeGreaterThanOrEqual(2);
    expect(await page.getAttribute("#prompt-link", "href")).toBe("#/prompts/movie-critic?version=2");
    expect(page.url()).toContain(`obs=${gen.id}`);
    await screenshot(page, "trace-detail");
    await expectAccessible("trace detail");

    // Collapsing the agent hides its children.
    const agent = stored.observations.find((o) => o.name === "SupportAgent.answer")!;
    await page.click(`#observation-tree li[data-obs-id="${agent.id}"] .twisty`);
    expect(await page.$$eval("#observation-tree li[data-obs-id]", (l) => l.length)).toBe(2);
  });

  it("shows a failing trace's level and status message", async () => {
    const stored = await apiGet<TraceWithDetails>(`/api/public/traces/${seeded.errorTraceId}`);
    const failed = stored.observations.find((o) => o.level === "ERROR")!;
    await open(`#/traces/${seeded.errorTraceId}?obs=${failed.id}`);
    await page.waitForSelector("#observation-detail");
    expect(await page.textContent("#observation-detail")).toContain("row 17: unterminated quote");
    expect(await page.textContent(`#observation-tree li[data-obs-id="${failed.id}"]`)).toContain("ERROR");
  });

  it("previews media that a client uploaded and referenced in an observation's input", async () => {
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
    const traceId = "cc".repeat(16);
    const media = await fetch(`${server.url}/api/public/media`, {
      method: "POST",
      headers: { authorization: BASIC, "content-type": "application/json" },
      body: JSON.stringify({ traceId, field: "input", contentType: "image/png", contentLength: png.length, sha256Hash: createHash("sha256").update(png).digest("base64") }),
    });
    expect(media.status).toBe(201);
    const { mediaId, uploadUrl } = (await media.json()) as { mediaId: string; uploadUrl: string };
    expect((await fetch(uploadUrl, { method: "PUT", headers: { "content-type": "image/png" }, body: png })).status).toBe(200);
    const ref = `@@@langfuseMedia:type=image/png|id=${mediaId}|source=base64_data_uri@@@`;
    const now = Date.now();
    const span = (spanId: string, name: string, attrs: Record<string, string>) => ({
      traceId,
      spanId,
      name,
      kind: 1,
      startTimeUnixNano: String(now * 1e6),
      endTimeUnixNano: String((now + 3) * 1e6),
      attributes: Object.entries(attrs).map(([key, value]) => ({ key, value: { stringValue: value } })),
    });
    const res = await fetch(`${server.url}/api/public/otel/v1/traces`, {
      method: "POST",
      headers: { authorization: BASIC, "content-type": "application/json" },
      body: JSON.stringify({
        resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: "langfuse-sdk" }, spans: [span("dd".repeat(8), "describe-image", { "langfuse.observation.input": JSON.stringify({ image: ref, question: "What is this?" }) })] }] }],
      }),
    });
    expect(res.status).toBe(200);
    await open(`#/traces/${traceId}?obs=${"dd".repeat(8)}`);
    await page.waitForSelector("#observation-detail img.media");
    // The signed, short-lived URL the media API handed out (the bytes need its signature).
    expect(await page.getAttribute("#observation-detail img.media", "src")).toMatch(new RegExp(`^/media-bytes/${mediaId}\\?`));
    await page.waitForFunction(() => (document.querySelector("#observation-detail img.media") as HTMLImageElement | null)?.naturalWidth === 1);
    await expectAccessible("media preview");
  });

  it("shows sessions and a session as a conversation", async () => {
    await open("#/sessions");
    await page.waitForSelector("table[aria-label=Sessions] tbody tr");
    expect(await page.textContent("table[aria-label=Sessions]")).toContain("sess-1");
    await screenshot(page, "sessions");
    await expectAccessible("sessions");
    await page.click("text=sess-1");
    await page.waitForSelector(".conversation .turn");
    const turns = await page.$$eval(".conversation .turn", (t) => t.map((x) => x.getAttribute("data-trace-id")));
    expect(turns).toEqual(seeded.supportTraceIds);
    expect(await page.textContent(".conversation")).toContain("How do I reset my password?");
    expect(await page.textContent(".conversation")).toContain("Answer to: Can I export invoices?");
    await screenshot(page, "session");
    await expectAccessible("session");
  });

  it("shows prompts with versions, config and a diff, and promotes a label visible through the API", async () => {
    await open("#/prompts");
    await page.waitForSelector("table[aria-label=Prompts] tbody tr");
    const text = (await page.textContent("table[aria-label=Prompts]"))!;
    expect(text).toContain("movie-critic");
    expect(text).toContain("support/assistant");
    await expectAccessible("prompts");

    await open("#/prompts/movie-critic");
    await page.waitForSelector("#prompt-diff");
    expect(await page.textContent("#prompt-version-title")).toContain("Version 2");
    const diff = await page.$$eval("#prompt-diff div", (d) => d.map((x) => `${x.className}|${x.textContent}`));
    expect(diff).toEqual(["diff-del|- As a {{level}} critic, rate {{movie}}.", "diff-add|+ As a {{level}} film critic, rate {{movie}} from 1 to 10."]);
    expect(await page.textContent("main")).toContain("temperature");
    await screenshot(page, "prompt");
    await expectAccessible("prompt");

    await open("#/prompts/movie-critic?version=1");
    await page.waitForFunction(() => document.querySelector("#prompt-version-title")?.textContent?.includes("Version 1"));
    await page.fill("#promote-label", "staging");
    await page.click("#promote-button");
    await page.waitForFunction(() => document.querySelector("#promote-status")?.textContent?.includes("now points to version 1"));
    const viaApi = await apiGet<{ version: number; labels: string[] }>("/api/public/v2/prompts/movie-critic?label=staging");
    expect(viaApi.version).toBe(1);
    expect(viaApi.labels).toEqual(expect.arrayContaining(["production", "staging"]));
    await page.waitForSelector('#current-labels .badge:text("staging")');

    await open("#/prompts/support%2Fassistant");
    await page.waitForSelector("#prompt-version-title");
    expect(await page.textContent("main")).toContain("You are a helpful support agent.");
  });

  it("shows datasets with items, schema and runs with aggregate scores", async () => {
    await open("#/datasets");
    await page.waitForSelector("table[aria-label=Datasets] tbody tr");
    await expectAccessible("datasets");
    await open("#/datasets/capitals");
    await page.waitForSelector("#runs-table tbody tr");
    await page.waitForSelector("#items-table tbody tr");
    expect(await page.$$eval("#items-table tbody tr", (r) => r.map((x) => x.getAttribute("data-item-id")).sort())).toEqual(["de", "fr", "it"]);
    const runs = await page.$$eval("#runs-table tbody tr", (rows) => rows.map((r) => [r.getAttribute("data-run"), ...Array.from(r.querySelectorAll("td")).map((td) => td.textContent)]));
    const baseline = runs.find((r) => r[0] === "baseline")!;
    const improved = runs.find((r) => r[0] === "improved")!;
    // Columns: checkbox, name, created, items, exact (mean), run scores, latency, cost.
    expect(baseline[4]).toBe("3");
    expect(baseline[5]).toBe("0.333");
    expect(improved[5]).toBe("0.667");
    expect(improved[6]).toContain("items: 3");
    expect(await page.textContent("main")).toContain("country");
    await screenshot(page, "dataset");
    await expectAccessible("dataset");

    await page.click("#items-table a:text('fr')");
    await page.waitForSelector(".history li");
    expect(await page.textContent(".history")).toContain("France");
    await expectAccessible("dataset item");
  });

  it("compares two runs per item with score deltas and links to traces", async () => {
    await open("#/datasets/capitals");
    await page.waitForSelector("#runs-table tbody tr");
    await page.check('input[aria-label="Compare baseline"]');
    await page.check('input[aria-label="Compare improved"]');
    await page.click("#compare-button");
    await page.waitForSelector("#compare-table tbody tr");
    expect(page.url()).toContain("runs=baseline&runs=improved");
    const cells = await page.$$eval("#compare-table tbody tr", (rows) =>
      rows.map((r) => {
        const improved = r.querySelector('td[data-run="improved"]')!;
        const baseline = r.querySelector('td[data-run="baseline"]')!;
        return {
          item: r.getAttribute("data-item-id"),
          baseline: baseline.querySelector(".cell-output")!.textContent,
          improved: improved.querySelector(".cell-output")!.textContent,
          delta: improved.querySelector('[data-score="exact"] .delta')?.getAttribute("data-delta"),
          up: !!improved.querySelector(".delta-up"),
          trace: improved.querySelector("a[href^='#/traces/']")?.getAttribute("href"),
        };
      }),
    );
    expect(cells.map((c) => [c.item, c.baseline, c.improved, c.delta, c.up])).toEqual([
      ["de", "Berlin", "Berlin", "0", false],
      ["fr", "Lyon", "Paris", "1", true],
      ["it", "Milan", "Milan", "0", false],
    ]);
    const run = await apiGet<{ datasetRunItems: { datasetItemId: string; traceId: string }[] }>("/api/public/datasets/capitals/runs/improved");
    const frTrace = run.datasetRunItems.find((r) => r.datasetItemId === "fr")!.traceId;
    expect(cells[1]!.trace).toBe(`#/traces/${frTrace}`);
    const agg = await page.$$eval("#aggregate-table tbody tr", (rows) => rows.map((r) => [r.getAttribute("data-run"), r.querySelector('[data-score="exact"]')!.textContent]));
    expect(agg).toEqual([
      ["baseline", "0.333"],
      ["improved", "0.667 (+0.333)"],
    ]);
    expect(await page.getAttribute("#score-chart svg", "aria-label")).toContain("exact: baseline 0.333, improved 0.667");
    await screenshot(page, "compare");
    await expectAccessible("compare");
  });

  it("shows the dashboard: traces, cost and latency over time, by model and by user", async () => {
    await open("#/dashboard");
    await page.waitForSelector("#dashboard-totals");
    await page.waitForSelector("#chart-traces canvas");
    const traces = await apiGet<{ meta: { totalItems: number } }>("/api/public/traces?limit=1");
    expect(await page.textContent('[data-stat="traces"]')).toBe(String(traces.meta.totalItems));
    expect(await page.textContent("#by-model")).toContain("gpt-4o-mini");
    const alice = await page.$$eval("#by-user tbody tr", (rows) => rows.map((r) => Array.from(r.querySelectorAll("td")).map((td) => td.textContent)));
    expect(alice).toContainEqual(["alice", "2", "$0.000840"]);
    await screenshot(page, "dashboard");
    await expectAccessible("dashboard");
  });

  it("has a dark mode, keyboard navigation and deep links", async () => {
    await open("#/traces");
    await page.waitForSelector("table[aria-label=Traces] tbody tr");
    await page.click("#theme-toggle");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await screenshot(page, "traces-dark");
    await expectAccessible("traces (dark)");
    await page.reload();
    await page.waitForSelector("table[aria-label=Traces] tbody tr");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");

    await page.click("h1");
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("trace-search");
    await page.click("h1");
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    const focused = await page.evaluate(() => document.activeElement?.closest("tr")?.getAttribute("data-trace-id"));
    const second = await page.$$eval("table[aria-label=Traces] tbody tr", (rows) => rows[1]!.getAttribute("data-trace-id"));
    expect(focused).toBe(second);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#observation-tree");
    expect(page.url()).toContain(`#/traces/${second}`);
    await page.click("h1");
    await page.keyboard.press("g");
    await page.keyboard.press("p");
    await page.waitForSelector("table[aria-label=Prompts]");
    await page.click("#theme-toggle");

    // A deep link opened in a fresh tab lands on that view.
    const p2 = await context.newPage();
    await p2.goto(`${server.url}/#/datasets/capitals/compare?runs=improved&runs=baseline`);
    await p2.waitForSelector("#compare-table tbody tr");
    expect(await p2.$$eval("#aggregate-table tbody tr", (r) => r.map((x) => x.getAttribute("data-run")))).toEqual(["improved", "baseline"]);
    await p2.close();
  });

  it("logs out", async () => {
    await open("#/traces");
    await page.waitForSelector("table[aria-label=Traces] tbody tr");
    await page.click("text=Log out");
    await page.waitForSelector("#login-form");
    expect((await context.cookies()).filter((c) => c.value)).toEqual([]);
    await logIn(page);
  });
});

describe("trace list with 100,000 traces", () => {
  const COUNT = 100_000;
  let big: RunningServer;
  let bigDir: string;
  let ctx: BrowserContext;

  beforeAll(async () => {
    bigDir = mkdtempSync(join(tmpdir(), "lfd-ui-big-"));
    const dbPath = join(bigDir, "big.db");
    const store = openLocalStore(dbPath);
    const t0 = performance.now();
    seedManyTraces(store, COUNT);
    store.close();
    console.log(`seeded ${COUNT} traces through the store in ${Math.round(performance.now() - t0)} ms`);
    big = await startServer({ port: 0, dbPath, publicKey: PK, secretKey: SK, env: {}, uiDir });
    ctx = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: "en-US" });
    ctx.setDefaultTimeout(30_000);
  }, 300_000);

  afterAll(async () => {
    await ctx?.close();
    await big?.close();
    if (bigDir) rmSync(bigDir, { recursive: true, force: true });
  });

  it("renders the first page from the store's pagination (timings logged, not asserted)", async () => {
    const p = await ctx.newPage();
    await p.goto(`${big.url}/#/traces`);
    await p.fill("input[name=publicKey]", PK);
    await p.fill("input[name=secretKey]", SK);
    await p.click("#login-form button[type=submit]");
    await p.waitForSelector("table[aria-label=Traces] tbody tr");
    // A fresh load of the list, as a user opening the UI would see it.
    const start = Date.now();
    await p.reload();
    await p.waitForSelector("table[aria-label=Traces] tbody tr");
    const wall = Date.now() - start;
    const firstRender = await p.evaluate(() => (window as { __tracesFirstRender?: number }).__tracesFirstRender);
    expect(await p.textContent("#trace-count")).toBe(`${COUNT} traces`);
    expect(await p.$$eval("table[aria-label=Traces] tbody tr", (r) => r.length)).toBe(50);
    expect(await p.getAttribute("table[aria-label=Traces] tbody tr", "data-trace-id")).toBe(`t${String(COUNT - 1).padStart(7, "0")}`);

    const id = (i: number) => `t${String(i).padStart(7, "0")}`;
    /** Time from navigation until the list shows the expected first row and total. */
    const timed = async (hash: string, firstId: string, total: number) => {
      const t = Date.now();
      await p.goto(`${big.url}/${hash}`);
      await p.waitForFunction(
        ([first, count]) =>
          document.querySelector("table[aria-label=Traces] tbody tr")?.getAttribute("data-trace-id") === first && document.querySelector("#trace-count")?.textContent === `${count} traces`,
        [firstId, total] as const,
      );
      return Date.now() - t;
    };
    const page2 = await timed("#/traces?page=2", id(COUNT - 51), COUNT);
    const lastPage = await timed(`#/traces?page=${COUNT / 50}`, id(49), COUNT);
    const search = await timed("#/traces?search=question+99999", id(99_999), 1);
    const byUser = await timed("#/traces?userId=user-7", id(99_507), COUNT / 500);
    const byName = await timed("#/traces?orderBy=name.asc", id(0), COUNT);
    const errors = await timed("#/traces?level=ERROR", id(99_700), Math.ceil(COUNT / 997));
    console.log(
      `trace list, ${COUNT} traces: first render ${Math.round(firstRender ?? -1)} ms after the view mounted, ${wall} ms from reload to rows; ` +
        `page 2 ${page2} ms, last page ${lastPage} ms, search ${search} ms, user filter ${byUser} ms, sort by name ${byName} ms, level=ERROR ${errors} ms`,
    );
    await p.close();
  }, 180_000);
});

import { trace } from "@opentelemetry/api";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Langfuse, Observe, propagateAttributes } from "../../src";
import { DEPTH_MARKER, MAX_JSON_DEPTH } from "../../src/bounded-json";
import { basicAuth, call } from "../server/server-harness";
import { startServer } from "../../src/server";

/**
 * One bad value must not poison reads: a 20 KB `[[[...1...]]]` argument (10,000 levels) and a
 * session id / prompt name holding a lone surrogate (half an emoji) are recorded in embedded
 * mode; afterwards every read of them answers, in process and over the local server.
 */

const DEEP_TEXT = "[".repeat(10_000) + "1" + "]".repeat(10_000);
const HALF_EMOJI = "\u{1F600}".slice(0, 1); // "\uD83D", a lone high surrogate
const deepObject = (levels: number): unknown => {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = { next: v };
  return v;
};

class Parser {
  @Observe()
  parse(text: string): number {
    return text.length;
  }
  @Observe()
  walk(node: unknown): string {
    return typeof node;
  }
}

let dir: string;
let lf: Langfuse;
let info: jest.SpyInstance;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lfd-bad-values-"));
  info = jest.spyOn(console, "info").mockImplementation(() => undefined);
});
afterAll(async () => {
  await lf?.shutdown();
  trace.disable();
  info.mockRestore();
  rmSync(dir, { recursive: true, force: true });
});

test("a 10,000-level value, a deep object and lone surrogates are stored, and every read still answers", async () => {
  const dbPath = join(dir, "langfuse.db");
  lf = new Langfuse({ localDbPath: dbPath });
  let traceId = "";
  const sessionId = `session-${HALF_EMOJI}`;
  await propagateAttributes({ sessionId, userId: `user-${HALF_EMOJI}`, traceName: "bad-values" }, async () => {
    await lf.startAsCurrentObservation({ name: `root-${HALF_EMOJI}` }, async (root) => {
      traceId = root.traceId;
      new Parser().parse(DEEP_TEXT);
      new Parser().walk(deepObject(5_000));
    });
  });
  expect(await lf.flush()).toMatchObject({ dropped: 0, failed: 0 });

  // In process: the list serializes, the deep text comes back as the string it was.
  const list = await lf.api.traces.list();
  expect(() => JSON.stringify(list)).not.toThrow();
  const t = await lf.api.traces.get(traceId);
  expect(() => JSON.stringify(t)).not.toThrow();
  const parse = t.observations.find((o) => o.name === "Parser.parse")!;
  expect(parse.input).toBe(DEEP_TEXT);
  // A deep object is cut at the bound with a visible marker (before: "<failed to serialize ...>").
  const walk = t.observations.find((o) => o.name === "Parser.walk")!;
  const walkJson = JSON.stringify(walk.input);
  expect(walkJson).toContain(DEPTH_MARKER);
  expect(walkJson.split('"next"').length - 1).toBe(MAX_JSON_DEPTH);
  // The session id was stored well-formed, so it can be found by the id the SDK reports.
  expect(t.sessionId).toBe(`session-\uFFFD`);
  const session = await lf.api.sessions.get(t.sessionId!);
  expect(session.traces.map((x) => x.id)).toEqual([traceId]);
  expect(t.observations.map((o) => o.name)).toContain("root-\uFFFD");
  const observations = await lf.api.observations.list();
  expect(() => JSON.stringify(observations)).not.toThrow();

  // A prompt name with a lone surrogate (before: created, then GET /v2/prompts answered 500).
  await lf.api.prompts.create({ name: `prompt-${HALF_EMOJI}`, prompt: "hi", type: "text" });
  const prompts = await lf.api.prompts.list();
  expect(prompts.data.map((p) => p.name)).toContain("prompt-\uFFFD");
  expect((await lf.api.prompts.get("prompt-\uFFFD", { label: "latest" })).prompt).toBe("hi");
  await lf.shutdown();

  // Over the local server, on the same file: none of the reads answers 500.
  const server = await startServer({ port: 0, dbPath, publicKey: "pk-lf-bad", secretKey: "sk-lf-bad", env: {} });
  try {
    const basic = basicAuth("pk-lf-bad", "sk-lf-bad");
    const paths = [
      "/api/public/traces",
      `/api/public/traces/${traceId}`,
      "/api/public/observations",
      "/api/public/v2/observations?fields=core,basic,io",
      "/api/public/sessions",
      `/api/public/sessions/${encodeURIComponent("session-\uFFFD")}`,
      "/api/public/v2/prompts",
      `/api/public/v2/prompts/${encodeURIComponent("prompt-\uFFFD")}?label=latest`,
    ];
    const statuses: Record<string, number> = {};
    for (const p of paths) statuses[p] = (await call(server.url, basic, "GET", p)).status;
    expect(statuses).toEqual(Object.fromEntries(paths.map((p) => [p, 200])));
    const one = await call(server.url, basic, "GET", `/api/public/traces/${traceId}`);
    const obs = (one.json as { observations: { name: string; input: unknown }[] }).observations;
    expect(obs.find((o) => o.name === "Parser.parse")!.input).toBe(DEEP_TEXT);
  } finally {
    await server.close();
  }
});

test("the API refuses values too deep to store with a 400 naming the field, in process as over HTTP", async () => {
  const api = new Langfuse({ localDbPath: ":memory:" });
  try {
    await expect(api.api.scores.create({ name: "s", value: 1, traceId: "t", metadata: deepObject(6_000) as Record<string, unknown> })).rejects.toMatchObject({
      status: 400,
      body: { error: [{ path: ["metadata"] }] },
    });
    await expect(api.api.prompts.create({ name: "p", prompt: "x", type: "text", config: deepObject(6_000) as Record<string, unknown> })).rejects.toMatchObject({ status: 400 });
    // Just inside the bound is fine.
    await expect(api.api.scores.create({ name: "s", value: 1, traceId: "t", metadata: deepObject(MAX_JSON_DEPTH - 2) as Record<string, unknown> })).resolves.toHaveProperty("id");
  } finally {
    await api.shutdown();
  }
});

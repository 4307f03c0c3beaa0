/**
 * The v3 JS SDK (`langfuse` 3.x) sends traces as /api/public/ingestion events. Against the local
 * server it records traces with spans, generations (usage → cost), events and scores, readable
 * through the v2 observations and v3 scores endpoints and through our own client.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { HttpApi } from "../../src/api/http/http-api";
import type * as V4 from "../../src/api/types-v4";
import { startHarness, TEST_PK, TEST_SK, type Harness } from "./server-harness";

let h: Harness;
let api: HttpApi;

beforeAll(async () => {
  h = await startHarness();
  api = new HttpApi({ baseUrl: h.server.url, publicKey: TEST_PK, secretKey: TEST_SK, timeoutSeconds: 10, maxRetries: 0 });
});
afterAll(async () => h.stop());

interface Recorded {
  traceId: string;
  genId: string;
  eventId: string;
  spanId: string;
  gen2Id: string;
  errors: string[];
}

/** Runs test/fixtures/langfuse-v3/record.js (the v3 SDK) in its own node process against the server. */
async function recordWithV3Sdk(): Promise<Recorded> {
  const script = join(__dirname, "..", "fixtures", "langfuse-v3", "record.js");
  const { stdout } = await promisify(execFile)(process.execPath, [script], {
    env: { ...process.env, LANGFUSE_BASE_URL: h.server.url, LANGFUSE_PUBLIC_KEY: TEST_PK, LANGFUSE_SECRET_KEY: TEST_SK },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Recorded;
}

let recorded: Recorded;

describe("v3 JS SDK against the local server", () => {
  beforeAll(async () => {
    recorded = await recordWithV3Sdk();
  });

  test("trace with spans, a generation with usage, an event and scores is stored and readable everywhere", async () => {
    const { traceId, eventId, genId } = recorded;
    expect(recorded.errors).toEqual([]);

    // our client (v1 reads)
    const full = await api.traces.get(traceId);
    expect(full).toMatchObject({ name: "v3-chat", userId: "user-7", sessionId: "sess-7", tags: ["legacy"], input: { q: "hi" }, output: { a: "hello" } });
    expect((full.metadata as Record<string, unknown>).plan).toBe("pro");
    const byName = Object.fromEntries(full.observations.map((o) => [o.name, o]));
    expect(byName.retrieve).toMatchObject({ type: "SPAN", input: "query", output: ["doc-1", "doc-2"], parentObservationId: null });
    expect(byName.retrieve!.endTime).not.toBeNull();
    expect(byName["cache-miss"]).toMatchObject({ type: "EVENT", id: eventId });
    const g = byName.llm!;
    expect(g).toMatchObject({ type: "GENERATION", model: "gpt-4o", modelParameters: { temperature: 0.2 }, output: { role: "assistant", content: "hello" } });
    expect(g.usageDetails).toEqual({ input: 1000, output: 200, total: 1200 });
    // gpt-4o in the default price table: $2.5 / 1M input, $10 / 1M output
    expect(g.costDetails.input).toBeCloseTo(0.0025, 10);
    expect(g.costDetails.output).toBeCloseTo(0.002, 10);
    expect(g.costDetails.total).toBeCloseTo(0.0045, 10);
    expect(full.totalCost).toBeCloseTo(0.0045, 10);
    expect(full.scores.map((s) => s.name).sort()).toEqual(["correct", "quality"]);

    // v2 observations (raw I/O strings by default, cursor pagination)
    const v2 = await api.observations.listV2({ traceId, limit: 2 });
    expect(v2.data).toHaveLength(2);
    expect(v2.meta.cursor).toEqual(expect.any(String));
    const rest = await api.observations.listV2({ traceId, limit: 2, cursor: v2.meta.cursor });
    expect(rest.data).toHaveLength(1);
    expect(rest.meta.cursor).toBeUndefined();
    const all = [...v2.data, ...rest.data];
    expect(new Set(all.map((o) => o.id)).size).toBe(3);
    const v2gen = all.find((o) => o.type === "GENERATION")!;
    expect(v2gen).toMatchObject({ userId: "user-7", sessionId: "sess-7", traceName: "v3-chat", tags: ["legacy"], providedModelName: "gpt-4o", isRootObservation: true });
    expect(typeof v2gen.output).toBe("string");
    expect(JSON.parse(v2gen.output as string)).toEqual({ role: "assistant", content: "hello" });
    const parsed = await api.observations.listV2({ traceId, type: "GENERATION", parseIoAsJson: true, fields: "core,io" });
    expect(parsed.data[0]!.output).toEqual({ role: "assistant", content: "hello" });
    expect(parsed.data[0]!.name).toBeUndefined();

    // v3 scores
    const scores = await api.scoresV3.list({ traceId, fields: "core,details,subject" });
    const byScore = Object.fromEntries(scores.data.map((s) => [s.name, s]));
    expect(byScore.quality).toMatchObject({ dataType: "NUMERIC", value: 0.9, comment: "good", subject: { kind: "trace", id: traceId } });
    expect(byScore.correct).toMatchObject({ dataType: "BOOLEAN", value: true, subject: { kind: "observation", id: genId, traceId } });
  });

  test("updates merge by id: a later generation-update adds usage and end time to the created generation", async () => {
    const obs = await api.observations.get(recorded.gen2Id);
    expect(obs).toMatchObject({ name: "g", model: "gpt-4o-mini", input: "x", usageDetails: { input: 10, output: 5, total: 15 } });
    expect(obs.metadata).toMatchObject({ a: 1, b: 2 });
    expect(obs.endTime).not.toBeNull();
    expect(obs.costDetails.total).toBeGreaterThan(0);
  });
});

describe("POST /api/public/ingestion event semantics", () => {
  const ts = () => new Date().toISOString();
  const ev = (type: string, body: object, id = randomUUID()) => ({ id, type, timestamp: ts(), body });

  test("207 with one entry per event; invalid events are 400 entries and lose nothing else", async () => {
    const traceId = randomUUID();
    const good = [
      ev("trace-create", { id: traceId, name: "batch" }),
      ev("span-create", { id: "s1", traceId, name: "a", startTime: ts() }),
      ev("observation-create", { id: "o1", traceId, type: "EVENT", name: "legacy-obs" }),
      ev("sdk-log", { log: { msg: "hi" } }),
      ev("score-create", { name: "n", value: 1, traceId }),
    ];
    const bad = [
      ev("span-create", { traceId, name: "no id" }),
      ev("generation-create", { id: "g1", traceId, usage: { input: "many" } }),
      ev("trace-create", { id: randomUUID(), timestamp: "yesterday" }),
      { id: "x", type: "unknown-type", timestamp: ts(), body: {} },
      { id: "y", type: "trace-create", body: {} },
      ev("observation-create", { id: "o2", traceId, type: "TOOL" }),
      ev("score-create", { name: "bad", value: 2, dataType: "BOOLEAN", traceId }),
    ];
    const res = await h.call("POST", "/api/public/ingestion", { body: { batch: [...good, ...bad] } });
    expect(res.status).toBe(207);
    const body = res.json as { successes: { id: string; status: number }[]; errors: { id: string; status: number; error: string }[] };
    expect(body.successes.map((s) => s.id).sort()).toEqual(good.map((e) => e.id).sort());
    expect(body.successes.every((s) => s.status === 201)).toBe(true);
    expect(body.errors.map((e) => e.id).sort()).toEqual(bad.map((e) => e.id).sort());
    expect(body.errors.every((e) => e.status === 400)).toBe(true);
    expect(body.errors.find((e) => e.id === bad[0]!.id)!.error).toContain("body.id");
    const trace = await api.traces.get(traceId);
    expect(trace.observations.map((o) => o.name).sort()).toEqual(["a", "legacy-obs"]);
    expect(trace.scores).toHaveLength(1);
  });

  test("an observation without a trace id gets a new trace; OTLP and legacy data share the tables", async () => {
    const res = await api.ingestion.batch([ev("event-create", { id: "lonely-" + randomUUID(), name: "lonely" }) as V4.LegacyIngestionEvent]);
    expect(res.errors).toEqual([]);
    const list = await api.observations.listV2({ name: "lonely" });
    expect(list.data).toHaveLength(1);
    const trace = await api.traces.get(list.data[0]!.traceId);
    expect(trace.observations).toHaveLength(1);
  });

  test("a bearer (public key only) caller may send scores but not traces", async () => {
    const res = await h.call("POST", "/api/public/ingestion", {
      auth: `Bearer ${TEST_PK}`,
      body: { batch: [ev("trace-create", { id: randomUUID() }), ev("score-create", { name: "n", value: 1, traceId: randomUUID() })] },
    });
    expect(res.status).toBe(207);
    const body = res.json as { successes: unknown[]; errors: { status: number }[] };
    expect(body.successes).toHaveLength(1);
    expect(body.errors[0]!.status).toBe(401);
  });
});

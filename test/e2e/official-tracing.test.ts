/**
 * The official @langfuse/tracing + @langfuse/otel (LangfuseSpanProcessor → the stock OTel
 * OTLP/HTTP exporter) against our local server, in a child process: a nested trace is read back
 * through GET /api/public/traces/{id}.
 */
import { LangfuseClient } from "@langfuse/client";
import { join } from "node:path";
import { startHarness, TEST_PK, TEST_SK, type Harness } from "../server/server-harness";
import { runTsFixture } from "./run-fixture";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

type Rec = Record<string, unknown>;

test("a nested trace from @langfuse/tracing + @langfuse/otel is stored and read back", async () => {
  const run = await runTsFixture(join(__dirname, "fixtures", "official-tracing-client.ts"), {
    LANGFUSE_BASE_URL: h.server.url,
    LANGFUSE_PUBLIC_KEY: TEST_PK,
    LANGFUSE_SECRET_KEY: TEST_SK,
  });
  expect(run.stderr).not.toContain("failed");
  expect(run.code).toBe(0);
  const { traceId, ids } = JSON.parse(run.stdout.trim().split("\n").pop()!) as { traceId: string; ids: Record<string, string> };

  const res = await h.call("GET", `/api/public/traces/${traceId}`);
  expect(res.status).toBe(200);
  const t = res.json as Rec;
  expect(t).toMatchObject({ id: traceId, name: "checkout", userId: "user-7", sessionId: "session-7", environment: "e2e", release: "r-7" });
  expect(t.tags).toEqual(["e2e"]);
  const obs = Object.fromEntries((t.observations as Rec[]).map((o) => [o.id as string, o]));
  expect(Object.keys(obs).sort()).toEqual(Object.values(ids).sort());
  expect(obs[ids.root!]).toMatchObject({ type: "SPAN", name: "handle-request", parentObservationId: null, input: { cart: ["book"] }, output: { ok: true } });
  expect(obs[ids.agent!]).toMatchObject({ type: "AGENT", parentObservationId: ids.root });
  expect(obs[ids.gen!]).toMatchObject({ type: "GENERATION", parentObservationId: ids.agent, model: "gpt-4o", output: { role: "assistant", content: "hello" } });
  expect(obs[ids.gen!]!.usageDetails).toMatchObject({ input: 12, output: 3 });
  expect(obs[ids.tool!]).toMatchObject({ type: "TOOL", parentObservationId: ids.agent, output: ["b1", "b2"] });

  const list = await h.call("GET", `/api/public/observations?traceId=${traceId}&type=GENERATION`);
  expect(((list.json as Rec).data as Rec[]).map((o) => o.id)).toEqual([ids.gen]);
  const session = await h.call("GET", "/api/public/sessions/session-7");
  expect(((session.json as Rec).traces as Rec[]).map((x) => x.id)).toEqual([traceId]);

  // Read back with the official client too: v1 trace read and the v4 cursor-paged observations.
  const langfuse = new LangfuseClient({ publicKey: TEST_PK, secretKey: TEST_SK, baseUrl: h.server.url });
  try {
    const fetched = await langfuse.api.trace.get(traceId);
    expect(fetched.observations).toHaveLength(4);
    const v2 = await langfuse.api.observations.getMany({ traceId, limit: 3 });
    expect(v2.data).toHaveLength(3);
    expect(typeof v2.meta.cursor).toBe("string");
    const rest = await langfuse.api.observations.getMany({ traceId, limit: 3, cursor: v2.meta.cursor! });
    expect(rest.data).toHaveLength(1);
    expect(rest.meta.cursor ?? null).toBeNull();
    const all = [...v2.data, ...rest.data];
    expect(all.map((o) => o.id).sort()).toEqual(Object.values(ids).sort());
    const root = all.find((o) => o.id === ids.root)!;
    expect(root).toMatchObject({ isRootObservation: true, userId: "user-7", sessionId: "session-7", traceName: "checkout" });
    // v2 returns I/O as the raw JSON strings.
    expect(root.input).toBe(JSON.stringify({ cart: ["book"] }));
  } finally {
    await langfuse.shutdown();
  }
});

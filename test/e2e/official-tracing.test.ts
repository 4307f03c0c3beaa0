/**
 * The official @langfuse/tracing + @langfuse/otel (LangfuseSpanProcessor → the stock OTel
 * OTLP/HTTP exporter) against our local server, in a child process: a nested trace is read back
 * through GET /api/public/traces/{id}.
 */
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
});

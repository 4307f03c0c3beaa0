/**
 * The Vercel AI SDK 7.x (`ai7` alias) is ESM-only and has no built-in OpenTelemetry: its spans
 * come from @ai-sdk/otel. Jest runs this project as CommonJS, so a child process (node with
 * tsx, importing the SDK's sources) runs fixtures/ai7-child.mjs with the V4 mock model and
 * records into a SQLite file; this test reads the file back with its own client. Checked: no
 * orphan, the model calls are generations with usage and cost, the agent / call spans carry
 * none (cost counted once), the streamed generation has a completion start time; with both
 * integrations (`OpenTelemetry`: GenAI semantic conventions; `LegacyOpenTelemetry`: ai.* spans).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Langfuse, type Observation } from "../../../src";

const run = promisify(execFile);
// gpt-4o-mini: input 1.5e-7, cached 7.5e-8, output 6e-7.
const INPUT_COST = 25 * 1.5e-7 + 5 * 7.5e-8;

let dir: string;
let reader: Langfuse;
let traceIds: Record<"generate" | "legacy" | "stream", string>;
let info: jest.SpyInstance;

beforeAll(async () => {
  info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  dir = mkdtempSync(join(tmpdir(), "lf-ai7-"));
  const db = join(dir, "store.db");
  const fixture = join(__dirname, "fixtures", "ai7-child.mjs");
  const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", fixture, db], { cwd: join(__dirname, "../../.."), timeout: 120_000 });
  // Under tsx the store's writer thread must start (its source is the SDK's functions, which
  // esbuild's keepNames makes call a `__name` helper).
  expect(stderr).not.toContain("writer thread failed");
  traceIds = (JSON.parse(stdout.trim().split("\n").at(-1)!) as { traceIds: typeof traceIds }).traceIds;
  reader = new Langfuse({ localDbPath: db, flushInterval: 3600, tracingEnabled: false });
}, 150_000);
afterAll(async () => {
  await reader?.shutdown();
  rmSync(dir, { recursive: true, force: true });
  info.mockRestore();
});

async function stored(traceId: string): Promise<{ all: Observation[]; totalCost: number }> {
  const trace = await reader.api.traces.get(traceId);
  const all = trace.observations;
  const ids = new Set(all.map((o) => o.id));
  for (const o of all) if (o.parentObservationId !== null) expect(ids.has(o.parentObservationId)).toBe(true);
  return { all, totalCost: trace.totalCost };
}

describe("Vercel AI SDK 7 (ESM, child process) with @ai-sdk/otel", () => {
  it("OpenTelemetry integration, generateText with a tool call: agent under the caller's span, two generations with usage and cost, a tool; cost counted once", async () => {
    const { all, totalCost } = await stored(traceIds.generate);
    const request = all.find((o) => o.name === "request-generate")!;
    const agent = all.find((o) => o.type === "AGENT")!;
    expect(agent.parentObservationId).toBe(request.id);
    expect(agent.usageDetails).toEqual({});
    expect(agent.costDetails).toEqual({});
    const gens = all.filter((o) => o.type === "GENERATION");
    expect(gens).toHaveLength(2);
    const steps = new Set(all.filter((o) => o.parentObservationId === agent.id).map((o) => o.id));
    for (const g of gens) {
      expect(steps.has(g.parentObservationId!)).toBe(true);
      expect(g.model).toBe("gpt-4o-mini");
      // GenAI conventions carry no reasoning split: all 12 output tokens are output.
      expect(g.usageDetails).toMatchObject({ input: 25, input_cached_tokens: 5, output: 12, total: 42 });
      expect(g.costDetails.total).toBeCloseTo(INPUT_COST + 12 * 6e-7, 12);
    }
    expect(all.find((o) => o.type === "TOOL")).toMatchObject({ name: "weather", input: { city: "Paris" }, output: "Sunny in Paris" });
    expect(totalCost).toBeCloseTo(2 * (INPUT_COST + 12 * 6e-7), 12);
  });

  it("OpenTelemetry integration, streamText: the generation has usage, cost and a completion start time", async () => {
    const { all, totalCost } = await stored(traceIds.stream);
    const gens = all.filter((o) => o.type === "GENERATION");
    expect(gens).toHaveLength(1);
    const g = gens[0]!;
    expect(g.usageDetails.total).toBe(42);
    expect(g.completionStartTime).not.toBeNull();
    expect(Date.parse(g.completionStartTime!)).toBeGreaterThanOrEqual(Date.parse(g.startTime));
    expect(totalCost).toBeCloseTo(g.costDetails.total!, 12);
  });

  it("LegacyOpenTelemetry integration: the ai.* tree of ai 5/6, generations with usage and cost, the call span without; cost counted once", async () => {
    const { all, totalCost } = await stored(traceIds.legacy);
    const request = all.find((o) => o.name === "request-legacy")!;
    const top = all.find((o) => o.name === "weather-fn:ai.generateText")!;
    expect(top.parentObservationId).toBe(request.id);
    expect(top.costDetails).toEqual({});
    const gens = all.filter((o) => o.type === "GENERATION");
    expect(gens).toHaveLength(2);
    for (const g of gens) {
      expect(g.parentObservationId).toBe(top.id);
      expect(g.usageDetails).toEqual({ input: 25, input_cached_tokens: 5, output: 10, output_reasoning_tokens: 2, total: 42 });
      expect(g.costDetails.total).toBeCloseTo(INPUT_COST + 10 * 6e-7, 12);
    }
    expect(all.find((o) => o.type === "TOOL")).toMatchObject({ name: "weather", output: "Sunny in Paris" });
    expect(totalCost).toBeCloseTo(2 * (INPUT_COST + 10 * 6e-7), 12);
  });
});

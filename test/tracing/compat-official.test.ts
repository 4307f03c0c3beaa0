/**
 * Compatibility: the official @langfuse/tracing + @langfuse/otel and this SDK run the same
 * nested scenario; both must produce the same attribute keys and value encodings.
 */
import { context, type AttributeValue } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { LangfuseSpanProcessor as OfficialProcessor } from "@langfuse/otel";
import * as official from "@langfuse/tracing";
import * as ours from "../../src";

const PROPAGATED = {
  userId: "user-123",
  sessionId: "sess-456",
  tags: ["t1", "t2"],
  metadata: { tenant: "acme", plan: "pro" },
  version: "app-v9",
  traceName: "my-trace",
};
const GEN_START = { model: "gpt-4o", input: [{ role: "user", content: "hi" }], modelParameters: { temperature: 0.2 }, prompt: { name: "my-prompt", version: 3, isFallback: false } };
const GEN_UPDATE = {
  output: { role: "assistant", content: "yo" },
  usageDetails: { input: 10, output: 5 },
  costDetails: { total: 0.001 },
  completionStartTime: new Date(0),
  metadata: { step: "gen", nested: { k: 1 } },
};
const EVENT = { input: "evt", level: "WARNING" as const, statusMessage: "careful" };

type Attrs = Record<string, AttributeValue | undefined>;

async function runOfficial(): Promise<Map<string, Attrs>> {
  const exporter = new InMemorySpanExporter();
  const processor = new OfficialProcessor({
    exporter,
    exportMode: "immediate",
    environment: "dev",
    release: "v1.2.3",
    publicKey: "pk-lf-test",
    secretKey: "sk-lf-test",
  });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  official.setLangfuseTracerProvider(provider);
  const innerSync = official.observe(function innerSync(a: number, b: number) {
    return { sum: a + b };
  });
  const innerAsync = official.observe(async (text: string) => text.toUpperCase(), { name: "inner-async", asType: "tool" });
  const failing = official.observe(
    async function failing() {
      throw new Error("boom");
    },
    { name: "failing" },
  );
  await official.startActiveObservation("root-request", async (span) => {
    span.update({ input: { q: "hi" } });
    await official.propagateAttributes(PROPAGATED, async () => {
      innerSync(40, 2);
      await innerAsync("hello");
      await failing().catch(() => undefined);
      official.startObservation("llm-call", GEN_START, { asType: "generation" }).update(GEN_UPDATE).end();
      official.startObservation("an-event", EVENT, { asType: "event" });
    });
    span.update({ output: "done" });
  });
  await processor.forceFlush();
  // Read before shutdown: InMemorySpanExporter.shutdown() clears what it holds.
  const spans = new Map(exporter.getFinishedSpans().map((s: ReadableSpan) => [s.name, { ...s.attributes }]));
  await provider.shutdown();
  official.setLangfuseTracerProvider(null);
  return spans;
}

async function runOurs(): Promise<Map<string, Attrs>> {
  const exporter = new InMemorySpanExporter();
  // The user's-NodeSDK set-up: our LangfuseSpanProcessor (with an in-memory exporter, to see
  // the exact span objects it would export) on a registered provider, then the client.
  const processor = new ours.LangfuseSpanProcessor({ exporter, environment: "dev", release: "v1.2.3", publicKey: "pk-lf-test", secretKey: "sk-lf-test" });
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  const client = new ours.Langfuse({ publicKey: "pk-lf-test", secretKey: "sk-lf-test", baseUrl: "http://127.0.0.1:9", environment: "dev", release: "v1.2.3" });
  const innerSync = ours.observe(function innerSync(a: number, b: number) {
    return { sum: a + b };
  });
  const innerAsync = ours.observe(async (text: string) => text.toUpperCase(), { name: "inner-async", asType: "tool" });
  const failing = ours.observe(
    async function failing() {
      throw new Error("boom");
    },
    { name: "failing" },
  );
  await client.startAsCurrentObservation({ name: "root-request" }, async (span) => {
    span.update({ input: { q: "hi" } });
    await ours.propagateAttributes(PROPAGATED, async () => {
      innerSync(40, 2);
      await innerAsync("hello");
      await failing().catch(() => undefined);
      client.startObservation({ name: "llm-call", asType: "generation", ...GEN_START }).update(GEN_UPDATE).end();
      client.startObservation({ name: "an-event", asType: "event", ...EVENT });
    });
    span.update({ output: "done" });
  });
  await processor.forceFlush();
  const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, { ...s.attributes }]));
  await client.shutdown();
  await provider.shutdown();
  return spans;
}

function encoding(v: AttributeValue | undefined): string {
  if (Array.isArray(v)) return `array<${typeof v[0]}>`;
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "double";
  return typeof v;
}

function normalized(v: AttributeValue | undefined): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

describe("compatibility with the official @langfuse/tracing + @langfuse/otel", () => {
  let officialSpans: Map<string, Attrs>;
  let ourSpans: Map<string, Attrs>;
  let info: jest.SpyInstance;

  beforeAll(async () => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    // The official SDK relies on the user's NodeSDK for async context; give it the same one.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    officialSpans = await runOfficial();
    ourSpans = await runOurs();
  });
  afterAll(() => info.mockRestore());

  it("exports the same spans", () => {
    expect([...ourSpans.keys()].sort()).toEqual([...officialSpans.keys()].sort());
  });

  // Where the official SDK is knowingly different (reference/langfuse-js.md §3): its observe()
  // records failures as level ERROR plus output {error} and no OTel status / exception event,
  // and startActiveObservation sets no level. We record the error consistently: level,
  // status_message, exception event and OTel status, and no synthetic output.
  const KNOWN_DIFFERENCES: Record<string, { oursOnly: string[]; officialOnly: string[] }> = {
    failing: { oursOnly: [], officialOnly: ["langfuse.observation.output"] },
  };

  it.each(["root-request", "innerSync", "inner-async", "failing", "llm-call", "an-event"])("%s: same attribute keys and encodings", (name) => {
    const theirs = officialSpans.get(name)!;
    const mine = ourSpans.get(name)!;
    expect(theirs).toBeDefined();
    expect(mine).toBeDefined();
    const known = KNOWN_DIFFERENCES[name] ?? { oursOnly: [], officialOnly: [] };
    const theirKeys = Object.keys(theirs).filter((k) => !known.officialOnly.includes(k)).sort();
    const myKeys = Object.keys(mine).filter((k) => !known.oursOnly.includes(k)).sort();
    expect(myKeys).toEqual(theirKeys);
    for (const key of theirKeys) {
      expect([key, encoding(mine[key])]).toEqual([key, encoding(theirs[key])]);
      expect([key, normalized(mine[key])]).toEqual([key, normalized(theirs[key])]);
    }
  });
});

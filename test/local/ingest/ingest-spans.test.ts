import { LocalApi, openLocalStore, ingestSpans, type LocalStore } from "../../../src/local";
import { compilePattern } from "../../../src/local/ingest/prices";
import { MODEL_PRICE_TABLE } from "../../../src/local/ingest/model-prices-data";
import { span, spanId } from "./span-fixtures";

let store: LocalStore;
let api: LocalApi;
beforeEach(() => {
  store = openLocalStore(":memory:");
  api = new LocalApi(store);
});
afterEach(() => store.close());

const traceId = (n: number) => n.toString(16).padStart(32, "a");
const T0 = Date.parse("2026-03-01T10:00:00.000Z");

describe("ingestSpans", () => {
  test("a child arriving before its root (separate batches) still yields the root's name, IO and timestamp", async () => {
    const tid = traceId(1);
    const root = spanId();
    ingestSpans(store, [span({ "langfuse.observation.input": "child-in" }, { traceId: tid, parentSpanId: root, startTimeMs: T0 + 10, name: "child" })]);
    let t = await api.traces.get(tid);
    expect(t.name).toBeNull();
    expect(t.timestamp).toBe(new Date(T0 + 10).toISOString());
    ingestSpans(store, [span({ "langfuse.observation.input": '{"q":1}', "langfuse.observation.output": "ans" }, { traceId: tid, spanId: root, parentSpanId: undefined, startTimeMs: T0, name: "root" })]);
    t = await api.traces.get(tid);
    expect(t).toMatchObject({ name: "root", input: { q: 1 }, output: "ans", timestamp: new Date(T0).toISOString() });
    expect(t.observations.map((o) => o.name).sort()).toEqual(["child", "root"]);
  });

  test("explicit trace attributes from a child are not overridden by a later root's fallbacks", async () => {
    const tid = traceId(2);
    const root = spanId();
    ingestSpans(store, [span({ "langfuse.trace.name": "explicit", "langfuse.trace.output": "final" }, { traceId: tid, parentSpanId: root })]);
    ingestSpans(store, [span({ "langfuse.observation.output": "root-out" }, { traceId: tid, spanId: root, parentSpanId: undefined, name: "root" })]);
    expect(await api.traces.get(tid)).toMatchObject({ name: "explicit", output: "final" });
  });

  test("tags are unioned and metadata merged across batches; user/session kept", async () => {
    const tid = traceId(3);
    ingestSpans(store, [span({ "langfuse.trace.tags": ["a"], "langfuse.trace.metadata.k1": "v1", "user.id": "u1" } as never, { traceId: tid, parentSpanId: undefined })]);
    ingestSpans(store, [span({ "langfuse.trace.tags": ["b", "a"], "langfuse.trace.metadata.k2": "2", "session.id": "s1" } as never, { traceId: tid })]);
    const t = await api.traces.get(tid);
    expect([...t.tags].sort()).toEqual(["a", "b"]);
    expect(t).toMatchObject({ userId: "u1", sessionId: "s1" });
    expect(t.metadata).toMatchObject({ k1: "v1", k2: 2 });
  });

  test("a generation links to the stored prompt by name and version", async () => {
    const prompt = await api.prompts.create({ name: "greeter", prompt: "hi" });
    const id = spanId();
    ingestSpans(store, [
      span(
        { "langfuse.observation.type": "generation", "langfuse.observation.prompt.name": "greeter", "langfuse.observation.prompt.version": 1 },
        { traceId: traceId(4), spanId: id },
      ),
    ]);
    expect(await api.observations.get(id)).toMatchObject({ promptId: prompt.id, promptName: "greeter", promptVersion: 1 });
  });

  test("a re-sent span replaces its observation (upsert by span id)", async () => {
    const id = spanId();
    ingestSpans(store, [span({ "langfuse.observation.output": "first" }, { traceId: traceId(5), spanId: id })]);
    ingestSpans(store, [span({ "langfuse.observation.output": "second" }, { traceId: traceId(5), spanId: id })]);
    const list = await api.observations.list({ traceId: traceId(5) });
    expect(list.data.map((o) => o.output)).toEqual(["second"]);
  });

  test("a stored trace updated by later batches stays findable through its indexed columns (timestamp, user, session)", async () => {
    const tid = traceId(8);
    const root = spanId();
    // Child first: timestamp from the child, no user/session yet.
    ingestSpans(store, [span({ "langfuse.trace.name": "t8" }, { traceId: tid, parentSpanId: root, startTimeMs: T0 + 50 })]);
    // A batch changing none of the indexed columns (only tags/metadata).
    ingestSpans(store, [span({ "langfuse.trace.tags": ["x"] }, { traceId: tid, parentSpanId: root, startTimeMs: T0 + 60 })]);
    // Then user and session arrive, and the root moves the timestamp earlier.
    ingestSpans(store, [span({ "user.id": "u8", "session.id": "s8" }, { traceId: tid, spanId: root, parentSpanId: undefined, startTimeMs: T0 })]);
    // Then a new user (non-empty values overwrite) with the same session.
    ingestSpans(store, [span({ "user.id": "u8b", "session.id": "s8" }, { traceId: tid, parentSpanId: root, startTimeMs: T0 + 70 })]);
    expect(store.db.pragma("integrity_check", { simple: true })).toBe("ok");
    const t = await api.traces.get(tid);
    expect(t).toMatchObject({ name: "t8", userId: "u8b", sessionId: "s8", tags: ["x"], timestamp: new Date(T0).toISOString() });
    expect((await api.traces.list({ userId: "u8b" })).data.map((x) => x.id)).toEqual([tid]);
    expect((await api.traces.list({ userId: "u8" })).data).toEqual([]);
    expect((await api.traces.list({ sessionId: "s8" })).data.map((x) => x.id)).toEqual([tid]);
    expect((await api.traces.list({ fromTimestamp: new Date(T0).toISOString(), toTimestamp: new Date(T0 + 1).toISOString() })).data.map((x) => x.id)).toEqual([tid]);
    expect((await api.sessions.get("s8")).traces.map((x) => x.id)).toEqual([tid]);
    expect(t.observations).toHaveLength(4);
  });

  test("a span id twice in one batch keeps the later one; a large batch mixing new and stored traces merges both", async () => {
    const dup = spanId();
    const tid = traceId(9);
    const res = ingestSpans(store, [
      span({ "langfuse.observation.output": "first" }, { traceId: tid, spanId: dup }),
      span({ "langfuse.observation.output": "second" }, { traceId: tid, spanId: dup }),
    ]);
    expect(res).toEqual({ observations: 2, traces: 1, rejected: 0, errors: [] });
    expect((await api.observations.list({ traceId: tid })).data.map((o) => o.output)).toEqual(["second"]);

    // 1,200 spans over 120 traces, 20 of which already exist (with a name and a tag to keep).
    const stored = Array.from({ length: 20 }, (_, t) => traceId(1000 + t));
    ingestSpans(store, stored.map((id) => span({ "langfuse.trace.name": `kept-${id.slice(-4)}`, "langfuse.trace.tags": ["old"] }, { traceId: id })));
    const all = [...stored, ...Array.from({ length: 100 }, (_, t) => traceId(2000 + t))];
    const batch = all.flatMap((id) => Array.from({ length: 10 }, (_, i) => span({ "langfuse.trace.tags": ["new"], "user.id": "big" }, { traceId: id, name: `s${i}` })));
    expect(ingestSpans(store, batch)).toEqual({ observations: 1200, traces: 120, rejected: 0, errors: [] });
    expect((await api.traces.list({ userId: "big", limit: 1 })).meta.totalItems).toBe(120);
    const old = await api.traces.get(stored[3]!);
    expect(old.name).toBe(`kept-${stored[3]!.slice(-4)}`);
    expect([...old.tags].sort()).toEqual(["new", "old"]);
    expect(old.observations).toHaveLength(11);
    expect((await api.traces.get(all[50]!)).observations).toHaveLength(10);
  });

  test("a row SQLite refuses is rejected alone, on its own and inside a caller's transaction (whose other writes stay)", async () => {
    store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON observations WHEN NEW.name = 'refuse-me' BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`);
    const batch = (tid: string) => Array.from({ length: 20 }, (_, i) => span({ "langfuse.trace.tags": [`t${i}`] }, { traceId: tid, name: i === 7 ? "refuse-me" : `s${i}` }));
    const alone = ingestSpans(store, batch(traceId(30)));
    expect(alone).toMatchObject({ observations: 19, rejected: 1 });
    expect(alone.errors[0]).toContain("refused by trigger");
    expect((await api.traces.get(traceId(30))).tags).toHaveLength(19);

    const inside = store.transaction(() => {
      store.db.prepare("INSERT INTO otel_resources (json) VALUES ('caller')").run();
      return ingestSpans(store, batch(traceId(31)));
    });
    expect(inside).toMatchObject({ observations: 19, rejected: 1 });
    expect((await api.traces.get(traceId(31))).observations).toHaveLength(19);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM otel_resources WHERE json = 'caller'").get()).toEqual({ n: 1 });
  });

  test("an empty batch is a no-op; counts report observations and distinct traces", () => {
    expect(ingestSpans(store, [])).toEqual({ observations: 0, traces: 0, rejected: 0, errors: [] });
    const res = ingestSpans(store, [span({}, { traceId: traceId(6) }), span({}, { traceId: traceId(6) }), span({}, { traceId: traceId(7) })]);
    expect(res).toEqual({ observations: 3, traces: 2, rejected: 0, errors: [] });
  });

  test("every pattern of the price table compiles once (?i) is turned into the i flag", () => {
    const table = MODEL_PRICE_TABLE as { matchPattern: string }[];
    expect(table.length).toBeGreaterThan(100);
    for (const m of table) expect(() => compilePattern(m.matchPattern)).not.toThrow();
    expect(compilePattern("(?i)^(openai/)?(gpt-4o)$").test("OpenAI/GPT-4o")).toBe(true);
  });
});

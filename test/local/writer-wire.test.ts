/**
 * What the writer thread receives and how it writes it: units travel as encodeRows' JSON text
 * (decoded on the thread to the very rows the mapping produced), and are written without a
 * savepoint; a row SQLite refuses rolls the transaction back and its units are written again
 * row by row, so the result is the same as on the main thread (savepoint per unit): the bad
 * row alone is rejected and counted, every other row and trace merge is stored once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { LocalSpanExporter, openLocalStore, type LocalStore } from "../../src/local";
import { mapSpans } from "../../src/local/ingest/ingest-spans";
import type { IngestSpan } from "../../src/local/ingest/span";
import type { LocalExportResult } from "../../src/local/local-span-exporter";
import { decodeRows, encodeRows } from "../../src/local/store-writer-program";

const resource = { "service.name": "wire" };
const scope = { name: "langfuse-sdk", version: "0.1.0" };

function ingestSpan(i: number, attributes: IngestSpan["attributes"], name = `s-${i}`): IngestSpan {
  return {
    traceId: "a".repeat(31) + (i % 2),
    spanId: i.toString(16).padStart(16, "0"),
    parentSpanId: i === 0 ? undefined : "0".repeat(16),
    name,
    startTimeMs: 1_700_000_000_000 + i,
    endTimeMs: 1_700_000_000_005 + i,
    attributes,
    resource,
    scope,
    status: i === 3 ? { code: 2, message: "boom" } : { code: 0 },
    events: [],
  };
}

describe("writer thread wire format", () => {
  test("decodeRows(encodeRows(rows)) gives back the mapped rows, trace fields left unset stay unset", () => {
    const store = openLocalStore(":memory:");
    try {
      const spans = [
        ingestSpan(0, {
          "langfuse.trace.name": "root",
          "langfuse.trace.tags": ["a", "b"],
          "langfuse.trace.public": true,
          "langfuse.trace.metadata.team": "x",
          "user.id": "u-1",
          "session.id": "s-1",
          "langfuse.release": "r1",
          "langfuse.environment": "staging",
          "langfuse.observation.input": '{"q":"\\ud800 lone"}',
        }),
        ingestSpan(1, {
          "langfuse.observation.type": "generation",
          "langfuse.observation.model.name": "gpt-4o",
          "langfuse.observation.usage_details": '{"input":1200,"output":300}',
          "langfuse.observation.model.parameters": '{"temperature":0.2}',
          "langfuse.observation.prompt.name": "p",
          "langfuse.observation.prompt.version": 3,
        }),
        ingestSpan(2, { "langfuse.observation.type": "tool", "langfuse.observation.output": '"ok"' }, "na\u00efve \ud83d\ude00"),
        ingestSpan(3, { "langfuse.observation.level": "ERROR", "langfuse.observation.metadata.k": "v" }),
      ];
      const rows = mapSpans(store, spans).mapped;
      expect(rows).toHaveLength(4);
      // Values JSON alone would lose: non-finite numbers in the numeric columns sent as such.
      rows[2]!.observation.totalCost = Number.POSITIVE_INFINITY;
      rows[3]!.observation.totalCost = Number.NaN;
      const text = encodeRows(rows);
      // The resource JSON, the same for every row, travels once (in the unit's table of resources).
      expect((JSON.parse(text) as unknown[])[0]).toEqual([rows[0]!.observation.resourceJson]);
      const back = decodeRows(text);
      expect(back).toEqual(rows);
      // Unset trace fields come back as undefined, not null (null would overwrite on merge).
      expect(back[2]!.trace.userId).toBeUndefined();
      expect(back[2]!.trace.tags).toBeUndefined();
      expect(back[0]!.trace).toMatchObject({ userId: "u-1", sessionId: "s-1", tags: ["a", "b"], public: true });
      expect(back[2]!.observation.totalCost).toBe(Number.POSITIVE_INFINITY);
      expect(back[3]!.observation.totalCost).toBeNaN();
      expect(decodeRows(encodeRows([]))).toEqual([]);
    } finally {
      store.close();
    }
  });
});

/** 64 traces of 8 spans (children first, then the root, as the SDK ends them); each child adds a tag. */
function tracedSpans(refuseAt: number): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart() {}, onEnd: (s: ReadableSpan) => void out.push(s), forceFlush: async () => {}, shutdown: async () => {} }] });
  const tracer = provider.getTracer("langfuse-sdk", "0.1.0");
  let n = 0;
  const name = (base: string) => (n++ === refuseAt ? "refuse-me" : base);
  for (let t = 0; t < 64; t++) {
    const root = tracer.startSpan("placeholder", { attributes: { "langfuse.trace.name": `trace-${t}`, "user.id": "wire" } });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < 7; c++) {
      tracer.startSpan(name(`child-${c}`), { attributes: { "langfuse.trace.tags": [`tag-${c}`], "langfuse.trace.metadata.last": c } }, ctx).end();
    }
    root.updateName(name(`root-${t}`));
    root.end();
  }
  return out;
}

const REFUSE = `CREATE TRIGGER refuse BEFORE INSERT ON observations WHEN NEW.name = 'refuse-me' BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`;

function snapshot(store: LocalStore) {
  return {
    observations: store.db.prepare("SELECT id, trace_id, parent_observation_id, name, start_time, end_time, metadata FROM observations ORDER BY id").all(),
    traces: store.db.prepare("SELECT id, timestamp, name, user_id, tags, metadata, has_root FROM traces ORDER BY id").all(),
  };
}

test("a row SQLite refuses is rejected alone on the writer thread, and the store holds exactly what the main-thread path writes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfd-wire-"));
  const spans = tracedSpans(300);
  const exportInto = (store: LocalStore) => new Promise<LocalExportResult>((resolve) => new LocalSpanExporter(store).export(spans, resolve));
  const threaded = openLocalStore(join(dir, "threaded.db"));
  const main = openLocalStore(":memory:");
  try {
    expect(threaded.writer.threaded).toBe(true);
    expect(main.writer.threaded).toBe(false);
    threaded.db.exec(REFUSE);
    main.db.exec(REFUSE);
    const [a, b] = [await exportInto(threaded), await exportInto(main)];
    for (const result of [a, b]) {
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(result.rejectedSpans).toBe(1);
      expect(result.error?.message).toContain("refused by trigger");
    }
    const stored = snapshot(threaded);
    expect(stored.observations).toHaveLength(511);
    expect(stored.traces).toHaveLength(64);
    // Every trace got each child's tag once, though the transaction was rolled back and rewritten
    // (the refused span's trace lacks its tag: its trace update was rejected with it).
    const tagCounts = stored.traces.map((t) => JSON.parse((t as { tags: string }).tags) as string[]).map((t) => (new Set(t).size === t.length ? t.length : -1));
    expect(tagCounts.filter((n) => n === 7)).toHaveLength(63);
    expect(tagCounts.filter((n) => n === 6)).toHaveLength(1);
    expect(stored).toEqual(snapshot(main));
    // The next export, without a refused row, takes the fast path again.
    const again = await new Promise<LocalExportResult>((resolve) => new LocalSpanExporter(threaded).export(tracedSpans(-1), resolve));
    expect(again).toEqual({ code: ExportResultCode.SUCCESS });
    expect(snapshot(threaded).observations).toHaveLength(511 + 512);
  } finally {
    threaded.close();
    main.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the writer thread dying mid-export loses nothing: the units it had not answered are written on the main thread", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfd-wire-"));
  const store = openLocalStore(join(dir, "dies.db"));
  try {
    const exporter = new LocalSpanExporter(store);
    const result = new Promise<LocalExportResult>((resolve) => exporter.export(tracedSpans(-1), resolve));
    // The first unit is already on its way to the thread (sent within export()); end the thread now.
    await (store.writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(await result).toEqual({ code: ExportResultCode.SUCCESS });
    expect(store.writer.threaded).toBe(false);
    const stored = snapshot(store);
    expect(stored.observations).toHaveLength(512);
    expect(stored.traces).toHaveLength(64);
    const tags = stored.traces.map((t) => JSON.parse((t as { tags: string }).tags) as string[]);
    expect(tags.every((t) => t.length === 7)).toBe(true);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * How the OTLP receiver commits: one span the mapping cannot take does not reject the good
 * spans of its request, and a big request is committed in bounded chunks on the store's
 * writer thread instead of one long transaction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLocalStore, type IngestSpan } from "../../src/local";
import { writeSpans } from "../../src/local/ingest/ingest-spans";
import { startHarness, type Harness } from "./server-harness";

const OTLP = "/api/public/otel/v1/traces";
type Rec = Record<string, unknown>;

const hex = (n: number, chars: number) => n.toString(16).padStart(chars, "0");

function otlpSpan(i: number, startNanos: string): Rec {
  return {
    traceId: hex(7000 + i, 32),
    spanId: hex(7000 + i, 16),
    name: `span-${i}`,
    kind: 1,
    startTimeUnixNano: startNanos,
    endTimeUnixNano: startNanos,
    attributes: [{ key: "langfuse.observation.input", value: { stringValue: `in-${i}` } }],
  };
}

describe("OTLP receiver commits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  test("a span with a time out of range is rejected alone: the good spans of the request are stored, partial success says 1", async () => {
    const now = `${Date.now()}000000`;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "commit-test" } }] },
          scopeSpans: [{ scope: { name: "test" }, spans: [otlpSpan(1, now), otlpSpan(2, "9".repeat(24)), otlpSpan(3, now)] }],
        },
      ],
    };
    const res = await h.call("POST", OTLP, { body });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ partialSuccess: { rejectedSpans: "1" } });
    expect((res.json as { partialSuccess: { errorMessage: string } }).partialSuccess.errorMessage).toContain(hex(7002, 16));
    for (const i of [1, 3]) {
      const t = await h.call("GET", `/api/public/traces/${hex(7000 + i, 32)}`);
      expect(t.status).toBe(200);
      expect(((t.json as Rec).observations as Rec[]).map((o) => o.name)).toEqual([`span-${i}`]);
    }
    expect((await h.call("GET", `/api/public/traces/${hex(7002, 32)}`)).status).toBe(404);
  });
});

describe("writeSpans (the receiver's commit loop)", () => {
  test("5,000 spans are committed as 5 transactions of 1,000 on the writer thread, all readable after", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lfd-chunks-"));
    const store = openLocalStore(join(dir, "c.db"));
    try {
      const sizes: number[] = [];
      const write = store.writer.write.bind(store.writer);
      store.writer.write = (rows) => (sizes.push(rows.length), write(rows));
      const t0 = Date.now();
      const spans: IngestSpan[] = Array.from({ length: 5000 }, (_, i) => ({
        traceId: hex(i, 32),
        spanId: hex(i, 16),
        name: `s${i}`,
        startTimeMs: t0,
        endTimeMs: t0 + 1,
        attributes: {},
        resource: {},
        scope: { name: "test" },
      }));
      const result = await writeSpans(store, spans);
      expect(result).toMatchObject({ observations: 5000, traces: 5000, rejected: 0 });
      expect(sizes).toEqual([1000, 1000, 1000, 1000, 1000]);
      expect(store.writer.threaded).toBe(true);
      expect((store.db.prepare("SELECT COUNT(*) AS n FROM observations").get() as { n: number }).n).toBe(5000);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

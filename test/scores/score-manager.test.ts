import { createHash } from "node:crypto";
import { LangfuseApiError } from "../../src/api/errors";
import { ScoreManager } from "../../src/scores/score-manager";
import type { IngestionEvent } from "../../src/api/types";
import { DEFAULT_MAX_BATCH_BYTES } from "../../src/scores/score-queue";
import { isTraceSampled } from "../../src/tracing/sampling";
import { allPages, flakyIngestion, openApi, RecordingLogger, tempStore, type ApiUnderTest, type TempStore } from "../experiments/helpers";

const T1 = "0123456789abcdef0123456789abcdef";
const OBS = "0123456789abcdef";

describe("ScoreManager on the embedded store", () => {
  let db: TempStore;
  beforeEach(() => {
    db = tempStore();
  });
  afterEach(() => db.close());

  const scoresOf = (traceId: string) => allPages((page) => db.api.scores.list({ traceId, page, limit: 100 }));

  it("delivers valid scores of every type on flush, with the server's stored values", async () => {
    const log = new RecordingLogger();
    const m = new ScoreManager({ api: db.api, environment: "ci", logger: log, flushAt: 100, flushIntervalMs: 60_000 });
    expect(m.create({ name: "accuracy", value: 0.75, dataType: "NUMERIC", traceId: T1, observationId: OBS, comment: "close" }).status).toBe("queued");
    expect(m.create({ name: "label", value: "good", dataType: "CATEGORICAL", traceId: T1 }).status).toBe("queued");
    expect(m.create({ name: "pass", value: true, traceId: T1, metadata: { k: "v" } }).status).toBe("queued");
    const report = await m.flush();
    expect(report).toMatchObject({ name: "scores", delivered: 3, dropped: 0, failed: 0 });

    const stored = await scoresOf(T1);
    const byName = Object.fromEntries(stored.map((s) => [s.name, s]));
    expect(byName.accuracy).toMatchObject({ value: 0.75, dataType: "NUMERIC", observationId: OBS, comment: "close", environment: "ci" });
    expect(byName.label).toMatchObject({ dataType: "CATEGORICAL", stringValue: "good" });
    expect(byName.pass).toMatchObject({ value: 1, dataType: "BOOLEAN", metadata: { k: "v" } });
    expect(log.warnings).toEqual([]);
  });

  it("warns about an invalid score and sends nothing for it", async () => {
    const log = new RecordingLogger();
    const m = new ScoreManager({ api: db.api, logger: log });
    const outcome = m.create({ name: "flag", value: 2, dataType: "BOOLEAN", traceId: T1 });
    expect(outcome.status).toBe("invalid");
    expect(log.warnings).toEqual([
      'Invalid score "flag" not sent: value: must be a number equal to either 0 or 1 (or a boolean) for data type BOOLEAN',
    ]);
    expect(m.create({ name: "orphan", value: 1 } as never).status).toBe("invalid");
    expect(m.invalid).toBe(2);
    const report = await m.flush();
    expect(report).toMatchObject({ delivered: 0, dropped: 2, failed: 0 });
    expect(await scoresOf(T1)).toHaveLength(0);
  });

  it("warns once per (score name, reason) and counts every invalid score as dropped in flush()'s report", async () => {
    const log = new RecordingLogger();
    const m = new ScoreManager({ api: db.api, logger: log, flushAt: 100, flushIntervalMs: 60_000 });
    // A request path scoring in a loop with the same mistake.
    for (let i = 0; i < 50; i++) expect(m.create({ name: "flag", value: 2, dataType: "BOOLEAN", traceId: T1 }).status).toBe("invalid");
    for (let i = 0; i < 5; i++) m.create({ name: "flag", value: "yes", dataType: "NUMERIC", traceId: T1 }); // same name, other reason
    for (let i = 0; i < 5; i++) m.create({ name: "other", value: 2, dataType: "BOOLEAN", traceId: T1 }); // other name, same reason
    m.create({ name: "ok", value: 1, traceId: T1 });
    expect(log.warnings).toEqual([
      'Invalid score "flag" not sent: value: must be a number equal to either 0 or 1 (or a boolean) for data type BOOLEAN',
      'Invalid score "flag" not sent: value: must be a finite number for data type NUMERIC',
      'Invalid score "other" not sent: value: must be a number equal to either 0 or 1 (or a boolean) for data type BOOLEAN',
    ]);
    expect(m.invalid).toBe(60);

    const report = await m.flush();
    expect(report).toMatchObject({ name: "scores", delivered: 1, dropped: 60, failed: 0 });
    expect(report.errors).toEqual(log.warnings);
    // Counters are per flush; a repeated mistake is counted again but not warned again.
    m.create({ name: "flag", value: 2, dataType: "BOOLEAN", traceId: T1 });
    expect(await m.flush()).toMatchObject({ delivered: 0, dropped: 1, errors: [log.warnings[0]] });
    expect(log.warnings).toHaveLength(3);
    expect(await m.flush()).toMatchObject({ delivered: 0, dropped: 0, errors: [] });
  });

  it("never throws, even for garbage input", () => {
    const m = new ScoreManager({ api: db.api, logger: new RecordingLogger() });
    expect(() => m.create(null as never)).not.toThrow();
    expect(m.create(undefined as never).status).toBe("invalid");
  });

  it("does not send scores of traces dropped by sampling", async () => {
    const rate = 0.5;
    const ids = Array.from({ length: 40 }, (_, i) => createHash("sha256").update(String(i)).digest("hex").slice(0, 32));
    const kept = ids.filter((id) => isTraceSampled(id, rate));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(ids.length);
    const m = new ScoreManager({ api: db.api, isTraceSampled: (id) => isTraceSampled(id, rate), logger: new RecordingLogger() });
    const outcomes = ids.map((traceId) => m.create({ name: "s", value: 1, traceId }).status);
    expect(outcomes.filter((s) => s === "queued")).toHaveLength(kept.length);
    expect(outcomes.filter((s) => s === "sampled-out")).toHaveLength(ids.length - kept.length);
    expect((await m.flush()).delivered).toBe(kept.length);
    const stored = await allPages((page) => db.api.scores.list({ name: "s", page, limit: 100 }));
    expect(new Set(stored.map((s) => s.traceId))).toEqual(new Set(kept));
  });

  it("records nothing when tracing is disabled", async () => {
    const m = new ScoreManager({ api: db.api, tracingEnabled: false });
    expect(m.create({ name: "s", value: 1, traceId: T1 }).status).toBe("disabled");
    expect((await m.flush()).delivered).toBe(0);
  });

  it("bounds the queue and counts drops in the flush report", async () => {
    const log = new RecordingLogger();
    const m = new ScoreManager({ api: db.api, maxQueueSize: 2, flushAt: 100, flushIntervalMs: 60_000, logger: log });
    const statuses = [1, 2, 3].map((i) => m.create({ name: `s${i}`, value: i, traceId: T1 }).status);
    expect(statuses).toEqual(["queued", "queued", "dropped"]);
    const report = await m.flush();
    expect(report).toMatchObject({ delivered: 2, dropped: 1 });
    expect(report.errors[0]).toMatch(/queue full/);
    // The counters are per flush.
    expect(await m.flush()).toMatchObject({ delivered: 0, dropped: 0 });
  });

  it("sends in batches once flushAt scores wait, without an explicit flush, but never inside the caller's createScore", async () => {
    const sent: number[] = [];
    const recording = { ingestion: { batch: (events: IngestionEvent[]) => (sent.push(events.length), db.api.ingestion.batch(events)) } };
    const m = new ScoreManager({ api: recording, flushAt: 5, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) m.create({ name: "auto", value: i, traceId: T1 });
    // The 5th score scheduled the send; nothing was serialized or written during the calls.
    expect(sent).toEqual([]);
    expect(m.queue.size).toBe(5);
    // It starts on its own on the next turn of the event loop (no flush needed)...
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([5]);
    expect(m.queue.size).toBe(0);
    // ...and flush waits for it.
    expect((await m.flush()).delivered).toBe(5);
    expect(await scoresOf(T1)).toHaveLength(5);
  });

  it("flush() delivers scores whose scheduled send has not started yet", async () => {
    const sent: number[] = [];
    const recording = { ingestion: { batch: (events: IngestionEvent[]) => (sent.push(events.length), db.api.ingestion.batch(events)) } };
    const m = new ScoreManager({ api: recording, flushAt: 3, flushIntervalMs: 60_000 });
    for (let i = 0; i < 7; i++) m.create({ name: "early", value: i, traceId: T1 });
    expect(sent).toEqual([]);
    expect(await m.flush()).toMatchObject({ delivered: 7, failed: 0 });
    expect(sent).toEqual([7]);
    // The scheduled send found nothing left and sent nothing twice.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([7]);
    expect(await scoresOf(T1)).toHaveLength(7);
  });

  it("splits batches by serialized size (UTF-8 bytes), sending an oversized score alone", async () => {
    const batches: { count: number; bytes: number }[] = [];
    const recording = {
      ingestion: {
        batch: (events: IngestionEvent[]) => {
          batches.push({ count: events.length, bytes: Buffer.byteLength(JSON.stringify(events)) });
          return db.api.ingestion.batch(events);
        },
      },
    };
    const m = new ScoreManager({ api: recording, flushAt: 1000, flushIntervalMs: 60_000, maxBatchBytes: 4000 });
    // "€" is 3 bytes: ~1.5 KB each in bytes, ~0.5 KB in characters.
    for (let i = 0; i < 10; i++) m.create({ name: "sized", value: i, traceId: T1, metadata: { text: "€".repeat(500) } });
    m.create({ name: "huge", value: 1, traceId: T1, metadata: { text: "x".repeat(10_000) } });
    m.create({ name: "sized", value: 10, traceId: T1 });
    expect(await m.flush()).toMatchObject({ delivered: 12, failed: 0 });
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(12);
    for (const b of batches) expect(b.bytes <= 4000 || b.count === 1).toBe(true);
    expect(batches.some((b) => b.count === 1 && b.bytes > 10_000)).toBe(true);
    expect(batches.length).toBeGreaterThanOrEqual(5);
    expect(await scoresOf(T1)).toHaveLength(12);
  });

  it("delivers scores added while a flush is already sending", async () => {
    const m = new ScoreManager({ api: db.api, flushAt: 1000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 150; i++) m.create({ name: "a", value: i, traceId: T1 });
    const first = m.flush();
    for (let i = 0; i < 30; i++) m.create({ name: "b", value: i, traceId: T1 });
    const second = m.flush();
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.delivered + r2.delivered).toBe(180);
    expect(await scoresOf(T1)).toHaveLength(180);
  });

  it("retries transient failures (network, 429, 5xx) and gives up on 4xx", async () => {
    const log = new RecordingLogger();
    const flaky = flakyIngestion(db.api, [new LangfuseApiError(503, "unavailable"), new LangfuseApiError(0, "socket hang up")]);
    const m = new ScoreManager({ api: flaky, retryBaseMs: 1, maxRetries: 3, logger: log });
    m.create({ name: "r", value: 1, traceId: T1 });
    expect(await m.flush()).toMatchObject({ delivered: 1, failed: 0 });
    expect(flaky.calls).toBe(3);

    const bad = flakyIngestion(db.api, [new LangfuseApiError(400, "Invalid request data")]);
    const m2 = new ScoreManager({ api: bad, retryBaseMs: 1, logger: log });
    m2.create({ name: "r2", value: 1, traceId: T1 });
    const report = await m2.flush();
    expect(report).toMatchObject({ delivered: 0, failed: 1 });
    expect(bad.calls).toBe(1);
    expect(report.errors[0]).toContain("400 Invalid request data");
  });

  it("stops retrying after maxRetries and reports the batch as failed", async () => {
    const log = new RecordingLogger();
    const faults = Array.from({ length: 10 }, () => new LangfuseApiError(502, "bad gateway"));
    const flaky = flakyIngestion(db.api, faults);
    const m = new ScoreManager({ api: flaky, retryBaseMs: 1, maxRetries: 2, logger: log });
    m.create({ name: "r", value: 1, traceId: T1 });
    m.create({ name: "r", value: 2, traceId: T1 });
    expect(await m.flush()).toMatchObject({ delivered: 0, failed: 2 });
    expect(flaky.calls).toBe(3);
    expect(log.errors[0]).toContain("sending 2 score(s) failed: 502 bad gateway");
  });

  it("drops scores after shutdown", async () => {
    const log = new RecordingLogger();
    const m = new ScoreManager({ api: db.api, logger: log });
    m.create({ name: "before", value: 1, traceId: T1 });
    expect((await m.shutdown()).delivered).toBe(1);
    expect(m.create({ name: "after", value: 1, traceId: T1 }).status).toBe("dropped");
  });
});

describe("ScoreManager against the local server over HTTP (4.5 MB ingestion body limit)", () => {
  let t: ApiUnderTest;
  beforeEach(async () => {
    t = await openApi("http");
  });
  afterEach(() => t.close());

  it("delivers 100 scores whose single batch would exceed 4.5 MB, in batches of at most 2.5 MB", async () => {
    // ~51 KB of UTF-8 per score ("€" is 3 bytes), only ~17 K characters: 100 of them are ~5.1 MB.
    const score = (i: number) => ({ name: "big-meta", value: i, traceId: T1, metadata: { notes: "€".repeat(17_000), i } });
    const events = Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, type: "score-create", timestamp: new Date().toISOString(), body: { id: `s${i}`, ...score(i) } }));
    expect(Buffer.byteLength(JSON.stringify({ batch: events }))).toBeGreaterThan(4.5 * 1024 * 1024);
    // The premise: the server really refuses such a body.
    await expect(t.api.ingestion.batch(events as IngestionEvent[])).rejects.toMatchObject({ status: 413 });

    const batches: { count: number; bytes: number }[] = [];
    const recording = {
      ingestion: {
        batch: (evs: IngestionEvent[]) => {
          batches.push({ count: evs.length, bytes: Buffer.byteLength(JSON.stringify(evs)) });
          return t.api.ingestion.batch(evs);
        },
      },
    };
    const log = new RecordingLogger();
    const m = new ScoreManager({ api: recording, flushAt: 1000, flushIntervalMs: 60_000, logger: log });
    for (let i = 0; i < 100; i++) expect(m.create(score(i)).status).toBe("queued");
    const report = await m.flush();
    expect(report).toMatchObject({ delivered: 100, dropped: 0, failed: 0, errors: [] });
    expect(log.errors).toEqual([]);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    for (const b of batches) expect(b.bytes).toBeLessThanOrEqual(DEFAULT_MAX_BATCH_BYTES);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(100);

    const stored = await allPages((page) => t.api.scores.list({ name: "big-meta", page, limit: 20 }));
    expect(stored).toHaveLength(100);
    expect(new Set(stored.map((s) => (s.metadata as { i: number }).i)).size).toBe(100);
  });
});

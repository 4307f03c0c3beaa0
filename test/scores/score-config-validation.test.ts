/**
 * The SDK checks scores that name a `configId` against that config before sending them, with
 * the server's messages (the config is fetched once and cached; flush() waits for the check).
 */
import { ScoreManager } from "../../src/scores/score-manager";
import { allPages, RecordingLogger, tempStore, type TempStore } from "../experiments/helpers";

const T1 = "0123456789abcdef0123456789abcdef";

describe("ScoreManager with score configs", () => {
  let db: TempStore;
  beforeEach(() => {
    db = tempStore();
  });
  afterEach(() => db.close());

  const scoresOf = (traceId: string) => allPages((page) => db.api.scores.list({ traceId, page, limit: 100 }));

  it("refuses scores that do not fit their config, client-side, with the server's message", async () => {
    const numeric = await db.api.scoreConfigs.create({ name: "relevance", dataType: "NUMERIC", minValue: 0, maxValue: 1 });
    const cat = await db.api.scoreConfigs.create({ name: "tone", dataType: "CATEGORICAL", categories: [{ label: "good", value: 1 }] });
    const log = new RecordingLogger();
    const m = new ScoreManager({ api: db.api, logger: log, flushAt: 100, flushIntervalMs: 60_000 });

    // First use of a config: checked once it is fetched; flush() waits for that.
    expect(m.create({ name: "relevance", value: 0.4, traceId: T1, configId: numeric.id }).status).toBe("queued");
    expect(m.create({ name: "relevance", value: 3, traceId: T1, configId: numeric.id }).status).toBe("queued");
    const first = await m.flush();
    expect(first).toMatchObject({ delivered: 1, dropped: 1 });
    expect(log.warnings).toEqual([
      'Invalid score "relevance" not sent: configId: Ingested score body not valid against provided config:  - Value exceeds maximum value of 1 defined in config',
    ]);

    // Cached config: refused at once.
    expect(m.create({ name: "relevance", value: -2, traceId: T1, configId: numeric.id })).toEqual({
      status: "invalid",
      reason: "configId: Ingested score body not valid against provided config:  - Value is below minimum value of 0 defined in config",
    });
    expect(m.create({ name: "tone", value: "bad", traceId: T1, configId: cat.id }).status).toBe("queued");
    expect(m.create({ name: "x", value: 1, traceId: T1, configId: "missing" }).status).toBe("queued");
    const second = await m.flush();
    expect(second).toMatchObject({ delivered: 0, dropped: 3 });
    expect(log.warnings.slice(-2)).toEqual([
      'Invalid score "tone" not sent: configId: Ingested score body not valid against provided config:  - Value bad does not map to a valid category. Pass a valid category value.',
      'Invalid score "x" not sent: configId: The configId you provided does not match a valid config in this project',
    ]);
    const stored = await scoresOf(T1);
    expect(stored.map((s) => [s.name, s.value])).toEqual([["relevance", 0.4]]);
    await m.shutdown();
  });
});

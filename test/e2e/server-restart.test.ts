/**
 * Reliability across a server restart: our SDK (http mode, OTLP/JSON exporter with retries)
 * keeps tracing while the local server is stopped and started again on the same port and
 * database. User code never sees an exception, and after flush() every span is stored or
 * counted as dropped/failed in the flush result.
 */
import { Langfuse } from "../../src/client/langfuse";
import { startServer, type RunningServer } from "../../src/server";
import { basicAuth, startHarness, TEST_PK, TEST_SK } from "../server/server-harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function countObservations(server: RunningServer, prefix: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (let page = 1; page <= 100; page++) {
    const res = await fetch(`${server.url}/api/public/observations?limit=100&page=${page}`, {
      headers: { authorization: basicAuth(TEST_PK, TEST_SK) },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { data: { name: string }[]; meta: { totalPages: number } };
    for (const o of body.data) if (o.name.startsWith(prefix)) names.add(o.name);
    if (page >= body.meta.totalPages) break;
  }
  return names;
}

test("stop + restart on the same port and DB while the SDK exports: nothing thrown, nothing lost uncounted", async () => {
  const h = await startHarness();
  const port = h.server.port;
  const langfuse = new Langfuse({ publicKey: TEST_PK, secretKey: TEST_SK, baseUrl: h.server.url, flushAt: 20, flushInterval: 0.05, debug: process.env.LFD_DEBUG === "1" });
  let thrown = 0;
  let created = 0;
  const makeSpans = async (n: number) => {
    for (let i = 0; i < n; i++) {
      try {
        const span = langfuse.startObservation({ name: `restart-${created}`, input: { i: created } });
        span.end();
        created++;
      } catch {
        thrown++;
      }
      // Yield now and then so batches go out while we keep producing.
      if (i % 10 === 9) await sleep(5);
    }
  };

  let restarted: RunningServer | undefined;
  try {
    await makeSpans(150);
    await h.server.close();
    // The server is down: exports fail and are retried with backoff.
    await makeSpans(150);
    await sleep(150);
    restarted = await startServer({ port, dbPath: h.dbPath, publicKey: TEST_PK, secretKey: TEST_SK, env: {} });
    await makeSpans(150);
    const result = await langfuse.flush();

    expect(thrown).toBe(0);
    expect(created).toBe(450);
    const stored = await countObservations(restarted, "restart-");
    const spans = result.reports.find((r) => r.name === "spans");
    const lost = (spans?.dropped ?? 0) + (spans?.failed ?? 0);
    // Every span is stored, or its loss is reported by flush().
    expect(stored.size + lost).toBeGreaterThanOrEqual(450);
    // With a short outage inside the exporter's retry window nothing should be lost at all.
    if (stored.size < 450) {
      // Tell "flush() resolved before its retries finished" apart from "spans lost".
      await sleep(5_000);
      const later = await countObservations(restarted, "restart-");
      throw new Error(`after flush() ${stored.size}/450 spans stored, 5 s later ${later.size}; flush result ${JSON.stringify(result)}`);
    }
  } finally {
    await langfuse.shutdown();
    await restarted?.close();
    await h.stop();
  }
});

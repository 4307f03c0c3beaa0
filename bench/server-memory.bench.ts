/**
 * Memory of the local server after a burst of large OTLP posts: 4 parallel ~31 MB OTLP/JSON
 * requests (11,000 spans each), then the server's RSS, V8 heap and external memory right after
 * and while it idles. The server runs in its own process (as `serve` would), nothing forces a GC.
 *
 * Measured under this harness (ts-node, 2 loaded cores): before the fix (286ed41) the server
 * went from 175 MB idle to 546 MB and stayed there (the garbage of the last requests is never
 * collected while nothing allocates; after a forced GC ~285-325 MB stayed, C heap fragmented by
 * keeping every 64 KB socket chunk of four bodies alive at once). Now 253 MB from +5 s on
 * (666 MB right after): bodies are copied into one buffer as they arrive, large ones are decoded
 * and ingested one at a time, and 2 s after the last one the server releases SQLite's page
 * cache and collects the requests' garbage.
 *
 *   npm run bench server-memory
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Mem {
  rss: number;
  heap: number;
  external: number;
}

if (process.argv[2] === "--server") {
  // Child: the server over a fresh store, answering memory probes.
  void (async () => {
    const { startServer } = await import("../src/server/start-server");
    const server = await startServer({ port: 0, dbPath: join(process.argv[3]!, "langfuse.db"), publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", env: {} });
    process.send!({ url: server.url });
    process.on("message", (m) => {
      if (m === "mem") {
        const u = process.memoryUsage();
        process.send!({ rss: u.rss >> 20, heap: u.heapUsed >> 20, external: u.external >> 20 } satisfies Mem);
      } else if (m === "exit") void server.close().then(() => process.exit(0));
    });
  })();
} else {
  void main();
}

function otlpBody(spans: number, seed: number): string {
  const traceId = seed.toString(16).padStart(32, "0");
  const now = BigInt(Date.now()) * 1_000_000n;
  const out = [];
  for (let i = 0; i < spans; i++) {
    out.push({
      traceId,
      spanId: (seed * 1_000_000 + i + 1).toString(16).padStart(16, "0"),
      name: `op-${i}`,
      kind: 1,
      startTimeUnixNano: String(now + BigInt(i) * 1000n),
      endTimeUnixNano: String(now + BigInt(i) * 1000n + 500_000n),
      attributes: [
        { key: "langfuse.observation.type", value: { stringValue: "generation" } },
        { key: "langfuse.observation.input", value: { stringValue: JSON.stringify({ i }) } },
        { key: "langfuse.observation.output", value: { stringValue: "x".repeat(2500) } },
      ],
      status: { code: 0 },
    });
  }
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: "langfuse-sdk" }, spans: out }] }] });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lfd-bench-mem-"));
  const child = fork(__filename, ["--server", dir], { execArgv: process.execArgv });
  const next = <T>() => new Promise<T>((resolve) => child.once("message", (m) => resolve(m as T)));
  const probe = async () => {
    child.send("mem");
    return next<Mem>();
  };
  try {
    const { url } = await next<{ url: string }>();
    const start = await probe();
    const bodies = [1, 2, 3, 4].map((seed) => otlpBody(11_000, seed));
    const auth = "Basic " + Buffer.from("pk-lf-bench:sk-lf-bench").toString("base64");
    const t0 = Date.now();
    const statuses = await Promise.all(
      bodies.map((body) => fetch(`${url}/api/public/otel/v1/traces`, { method: "POST", headers: { "content-type": "application/json", authorization: auth }, body }).then((r) => r.status)),
    );
    const seconds = (Date.now() - t0) / 1000;
    const after = await probe();
    const rows: [string, Mem][] = [["idle, before", start], ["right after", after]];
    for (const wait of [2, 5, 10]) {
      await new Promise((r) => setTimeout(r, (wait - (wait === 2 ? 0 : wait === 5 ? 2 : 5)) * 1000));
      rows.push([`+${wait} s`, await probe()]);
    }
    console.log(`4 parallel posts of ${(bodies[0]!.length / 1048576).toFixed(1)} MB: statuses ${statuses.join(",")} in ${seconds.toFixed(1)} s`);
    console.log("when             rss MB   heap MB   external MB");
    for (const [label, m] of rows) console.log(`${label.padEnd(16)} ${String(m.rss).padStart(6)} ${String(m.heap).padStart(9)} ${String(m.external).padStart(13)}`);
    const last = rows[rows.length - 1]![1];
    console.log(`retained after 10 s idle: ${last.rss - start.rss} MB over the idle start (ratio ${(last.rss / start.rss).toFixed(2)})`);
  } finally {
    child.send("exit");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

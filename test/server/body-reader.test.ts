import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OneAtATime, readBody } from "../../src/server/body-reader";
import { otlpJsonTrace } from "./otlp-json-payload";
import { startHarness } from "./server-harness";

/**
 * Large request bodies: read by copying chunks into one buffer as they arrive (not kept as a
 * list of socket chunks), and decoded and ingested one at a time. (Before: 4 parallel 31 MB
 * OTLP posts left the server at 546 MB RSS for good; bench/server-memory.bench.ts prints the
 * figures.)
 */

function post(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request(url, { method: "POST", headers: { "content-length": String(body.length), ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    r.on("error", reject);
    r.end(body);
  });
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test("readBody: exact bytes with or without a declared length; over the limit a 413 error", async () => {
  const { server, url } = await serve((req, res) => {
    const declared = req.headers["x-declared"] === "no" ? undefined : Number(req.headers["content-length"]);
    readBody(req, 1000, declared).then(
      (b) => res.end(`ok ${b.length} ${b.toString("utf8").slice(0, 5)}`),
      (e: Error & { statusCode?: number; status?: number }) => res.writeHead(e.statusCode ?? e.status ?? 500).end(e.message),
    );
  });
  try {
    expect(await post(url, Buffer.from("hello world"))).toEqual({ status: 200, text: "ok 11 hello" });
    expect(await post(url, Buffer.alloc(999, 0x61), { "x-declared": "no" })).toEqual({ status: 200, text: "ok 999 aaaaa" });
    expect((await post(url, Buffer.alloc(1001, 0x61))).status).toBe(413);
    expect((await post(url, Buffer.alloc(1001, 0x61), { "x-declared": "no" })).status).toBe(413);
  } finally {
    server.close();
  }
});

test("OneAtATime: the second holder waits until the first response is finished", async () => {
  const gate = new OneAtATime();
  const events: string[] = [];
  const release = new Map<string, () => void>();
  const { server, url } = await serve((req, res) => {
    const name = String(req.headers["x-name"]);
    void gate.acquire(res).then(() => {
      events.push(`start ${name}`);
      release.set(name, () => {
        events.push(`end ${name}`);
        res.end(name);
      });
      if (name === "b") release.get("b")!();
    });
  });
  try {
    const a = post(url, Buffer.from("x"), { "x-name": "a" });
    await new Promise((r) => setTimeout(r, 200));
    const b = post(url, Buffer.from("x"), { "x-name": "b" });
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual(["start a"]);
    release.get("a")!();
    await Promise.all([a, b]);
    expect(events).toEqual(["start a", "end a", "start b", "end b"]);
  } finally {
    server.close();
  }
});

test("the OTLP receiver still stores every span of parallel large posts, and refuses an oversize one with 413", async () => {
  const h = await startHarness({ otlpBodyLimit: 2 * 1024 * 1024 });
  try {
    const traces = Array.from({ length: 3 }, () => otlpJsonTrace(400, "big"));
    const padded = traces.map(({ body }) => body.replace(/"stringValue":"\{\\"i\\":(\d+)\}"/g, (_m, i: string) => `"stringValue":"${"p".repeat(3000)}${i}"`));
    expect(padded[0]!.length).toBeGreaterThan(1024 * 1024);
    const results = await Promise.all(padded.map((b) => h.call("POST", "/api/public/otel/v1/traces", { raw: b, headers: { "content-type": "application/json" } })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const t of traces) {
      const got = await h.call("GET", `/api/public/traces/${t.traceId}`);
      expect((got.json as { observations: unknown[] }).observations).toHaveLength(400);
    }
    const huge = await h.call("POST", "/api/public/otel/v1/traces", { raw: "x".repeat(2 * 1024 * 1024 + 1), headers: { "content-type": "application/json" } });
    expect(huge.status).toBe(413);
  } finally {
    await h.stop();
  }
});

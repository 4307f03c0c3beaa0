/**
 * The SDK export path under faults: one bad span among good ones, an endpoint that is away for
 * a while, one that never answers, one that answers 413 to everything. Real parts only: the
 * local server (startServer on 127.0.0.1, SQLite file), raw node:http servers, the real OTel SDK.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Langfuse, observe } from "../../src";
import { startServer, type RunningServer } from "../../src/server/start-server";
import { OtlpHttpExporter } from "../../src/tracing/otlp-http-exporter";
import { LangfuseSpanProcessor } from "../../src/tracing/span-processor";
import { TRACER_NAME } from "../../src/tracing/constants";

const KEYS = { publicKey: "pk-lf-rel", secretKey: "sk-lf-rel" };

function quietConsole(): () => void {
  const spies = [jest.spyOn(console, "info").mockImplementation(() => undefined), jest.spyOn(console, "warn").mockImplementation(() => undefined)];
  return () => spies.forEach((s) => s.mockRestore());
}

function countObservations(dbPath: string, name?: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    const row = (name === undefined
      ? db.prepare("SELECT count(*) AS n FROM observations").get()
      : db.prepare("SELECT count(*) AS n FROM observations WHERE name = ?").get(name)) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** A raw HTTP server on 127.0.0.1 whose handler the test decides. */
async function rawServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<{ url: string; close(): Promise<void>; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks)));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("one bad span is repaired or dropped alone", () => {
  let dir: string;
  let srv: RunningServer | undefined;
  let restore: () => void;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lfd-rel-"));
    restore = quietConsole();
  });
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
    restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(["protobuf", "json"] as const)("HTTP mode (%s): a non-string name and a garbage start time do not cost the other spans of the batch", async (exportEncoding) => {
    const dbPath = join(dir, "srv.db");
    srv = await startServer({ port: 0, dbPath, ...KEYS });
    const lf = new Langfuse({ ...KEYS, baseUrl: srv.url, flushAt: 500, flushInterval: 60, exportEncoding });
    try {
      const good = observe((i: number) => i, { name: "good" });
      // Dynamic options computed from user data: here the "name" is an object.
      const badName = observe((i: number) => i, () => ({ name: { not: "a string" } as unknown as string }));
      for (let i = 0; i < 498; i++) good(i);
      badName(1);
      lf.startObservation({ name: "garbage-start", startTime: new Date("garbage") }).end();
      const report = await lf.spanProcessor.flushWithReport(20_000);
      expect(report).toMatchObject({ delivered: 500, dropped: 0, failed: 0, pending: 0 });
      expect(report.errors.join(" ")).toContain("2 spans had an invalid name, time or status and were repaired");
    } finally {
      await lf.shutdown();
    }
    await srv.close();
    srv = undefined;
    expect(countObservations(dbPath, "good")).toBe(498);
    expect(countObservations(dbPath, '{"not":"a string"}')).toBe(1);
    expect(countObservations(dbPath, "garbage-start")).toBe(1);
  });

  it("embedded mode: the same bad spans are repaired before the store sees them; all 500 stored", async () => {
    const dbPath = join(dir, "embedded.db");
    const lf = new Langfuse({ localDbPath: dbPath, flushAt: 500, flushInterval: 60 });
    try {
      const good = observe((i: number) => i, { name: "good" });
      const badName = observe((i: number) => i, () => ({ name: { not: "a string" } as unknown as string }));
      for (let i = 0; i < 498; i++) good(i);
      badName(1);
      lf.startObservation({ name: "garbage-start", startTime: new Date("garbage") }).end();
      const report = await lf.spanProcessor.flushWithReport(20_000);
      expect(report).toMatchObject({ delivered: 500, dropped: 0, failed: 0, pending: 0 });
    } finally {
      await lf.shutdown();
    }
    expect(countObservations(dbPath)).toBe(500);
  });

  it("a span with neither a valid start nor end time is dropped alone and counted", async () => {
    const exported: ReadableSpan[] = [];
    const exporter = {
      export(spans: ReadableSpan[], cb: (r: ExportResult) => void) {
        exported.push(...spans);
        cb({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => undefined,
    };
    const processor = new LangfuseSpanProcessor({ ...KEYS, baseUrl: "http://127.0.0.1:1", exporter, flushAt: 100, flushInterval: 60 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer(TRACER_NAME);
    for (let i = 0; i < 9; i++) tracer.startSpan(`ok${i}`).end();
    const broken = tracer.startSpan("broken", { startTime: new Date("garbage") });
    broken.end(new Date("also garbage"));
    const report = await processor.flushWithReport(5_000);
    expect(report).toMatchObject({ delivered: 9, dropped: 1, failed: 0, pending: 0 });
    expect(report.errors.join(" ")).toContain("1 spans dropped: no valid start or end time");
    expect(exported.map((s) => s.name)).toEqual(["ok0", "ok1", "ok2", "ok3", "ok4", "ok5", "ok6", "ok7", "ok8"]);
    await provider.shutdown();
  });

  it("a span the serializer cannot encode is rejected alone by the exporter; its neighbours are sent", async () => {
    let received = 0;
    const raw = await rawServer((req, res, body) => {
      received += body.byteLength > 0 ? 1 : 0;
      res.writeHead(200).end();
    });
    const exporter = new OtlpHttpExporter({ url: `${raw.url}/v1/traces`, headers: {}, timeoutMillis: 5_000 });
    const provider = new BasicTracerProvider();
    const tracer = provider.getTracer(TRACER_NAME);
    const spans: ReadableSpan[] = [];
    for (let i = 0; i < 5; i++) {
      const s = tracer.startSpan(`s${i}`);
      s.end();
      spans.push(s as unknown as ReadableSpan);
    }
    // What no span of the OTel SDK does, but a custom ReadableSpan (or a proxy around one) can:
    // a field that throws when the serializer reads it.
    Object.defineProperty(spans[2], "attributes", {
      get() {
        throw new Error("unreadable attributes");
      },
    });
    try {
      const result = await new Promise<ExportResult>((r) => exporter.export(spans, r));
      expect(result.code).toBe(ExportResultCode.FAILED);
      const err = result.error as unknown as { rejected: ReadableSpan[]; retryable: ReadableSpan[] };
      expect(err.rejected.length).toBe(1);
      expect(err.rejected[0]).toBe(spans[2]);
      expect(err.retryable.length).toBe(0);
      expect(received).toBe(1);
    } finally {
      await exporter.shutdown();
      await raw.close();
    }
  });
});

describe("a permanent 413", () => {
  it("costs a logarithmic number of requests, not two per span; every span is counted failed", async () => {
    let requests = 0;
    const raw = await rawServer((req, res) => {
      requests++;
      res.writeHead(413, { "content-type": "application/json" }).end('{"message":"too large"}');
    });
    const exporter = new OtlpHttpExporter({ url: `${raw.url}/v1/traces`, headers: {}, timeoutMillis: 5_000 });
    const provider = new BasicTracerProvider();
    const tracer = provider.getTracer(TRACER_NAME);
    const spans: ReadableSpan[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = tracer.startSpan(`span-${i}`);
      s.setAttribute("langfuse.observation.input", `input ${i}`);
      s.end();
      spans.push(s as unknown as ReadableSpan);
    }
    try {
      const result = await new Promise<ExportResult>((r) => exporter.export(spans, r));
      expect(result.code).toBe(ExportResultCode.FAILED);
      const err = result.error as unknown as { rejected: ReadableSpan[]; retryable: ReadableSpan[]; message: string };
      expect(err.rejected).toHaveLength(2000);
      expect(err.retryable).toHaveLength(0);
      expect(err.message).toContain("413");
      // Bisection down one path to a single span (log2(2000) ≈ 11), then the budget stops it.
      expect(requests).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(2001)) + 2);
      // A later batch learns from the refused lone span: it does not probe span by span either.
      const before = requests;
      const again = await new Promise<ExportResult>((r) => exporter.export(spans.slice(0, 100), r));
      expect(again.code).toBe(ExportResultCode.FAILED);
      expect(requests - before).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(101)) + 2);
    } finally {
      await exporter.shutdown();
      await raw.close();
    }
  });
});

describe("flush() is bounded", () => {
  it("a black-hole endpoint (accepts, never answers): flush returns at its timeout and reports every span pending", async () => {
    const restore = quietConsole();
    const raw = await rawServer(() => undefined); // never answers
    const lf = new Langfuse({ ...KEYS, baseUrl: raw.url, flushAt: 512, flushInterval: 60, timeout: 30 });
    try {
      const traced = observe((i: number) => i, { name: "into-the-void" });
      for (let i = 0; i < 2000; i++) traced(i);
      const report = await lf.spanProcessor.flushWithReport(1_000);
      expect(report.delivered).toBe(0);
      expect(report.failed).toBe(0);
      expect(report.dropped).toBe(0);
      expect(report.pending).toBe(2000);
      expect(report.errors.join(" ")).toContain("2000 spans still pending after 1000 ms");
      const down = await lf.spanProcessor.shutdownWithReport(500);
      expect(down.pending).toBe(2000);
    } finally {
      await lf.shutdown();
      await raw.close();
      restore();
    }
  }, 10_000);
});

describe("an outage of the endpoint", () => {
  let dir: string;
  let restore: () => void;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lfd-outage-"));
    restore = quietConsole();
  });
  afterEach(() => {
    restore();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Spans flow to the local server, the server stops for `outageMs` while the app keeps
   * producing, then the server comes back on the same port and file; flush() after that must
   * deliver everything, and the counts must add up.
   */
  async function outage(outageMs: number, exportRetry: { baseDelayMs: number; maxDelayMs: number }): Promise<void> {
    const dbPath = join(dir, "outage.db");
    let srv = await startServer({ port: 0, dbPath, ...KEYS });
    const port = srv.port;
    const processor = new LangfuseSpanProcessor({ ...KEYS, baseUrl: srv.url, flushAt: 100, flushInterval: 0.2, timeout: 2, exportRetry });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer(TRACER_NAME);
    let produced = 0;
    const produce = (n: number): void => {
      for (let i = 0; i < n; i++, produced++) tracer.startSpan(`outage-${produced}`).end();
    };
    try {
      produce(500);
      const before = await processor.flushWithReport(10_000);
      expect(before.delivered).toBe(500);
      await srv.close();
      // The app keeps working through the outage: 10 bursts spread over it.
      for (let i = 0; i < 10; i++) {
        produce(200);
        await new Promise((r) => setTimeout(r, outageMs / 10));
      }
      srv = await startServer({ port, dbPath, ...KEYS });
      produce(100);
      const after = await processor.flushWithReport(30_000);
      expect({ delivered: after.delivered, dropped: after.dropped, failed: after.failed }).toEqual({ delivered: 2100, dropped: 0, failed: 0 });
      expect(after.pending).toBe(0);
      expect(before.delivered + after.delivered).toBe(produced);
    } finally {
      await provider.shutdown();
      await srv.close();
    }
    expect(countObservations(dbPath)).toBe(produced);
  }

  it("8 s with the local server stopped and restarted: nothing lost (short backoff)", async () => {
    await outage(8_000, { baseDelayMs: 200, maxDelayMs: 1_000 });
  }, 60_000);

  it("60 s with the local server stopped and restarted: nothing lost (default backoff)", async () => {
    await outage(60_000, { baseDelayMs: 500, maxDelayMs: 15_000 });
  }, 150_000);

  it("the bound drops the oldest kept spans first: with an exporter that fails at once, the newest 500 of 800 are delivered", async () => {
    const exported: string[] = [];
    let failing = true;
    const exporter = {
      export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
        if (failing) return done({ code: ExportResultCode.FAILED, error: new Error("collector down") });
        for (const s of spans) exported.push(s.name);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => undefined,
    };
    const processor = new LangfuseSpanProcessor({
      ...KEYS, exporter, flushAt: 100, flushInterval: 0.02, maxQueueSize: 500, exportRetry: { baseDelayMs: 20, maxDelayMs: 40 },
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer(TRACER_NAME);
    try {
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 100; j++) tracer.startSpan(`b${i}-${j}`).end();
        // Every batch is tried and kept before the next one ends (the exporter answers at once).
        for (let k = 0; k < 100 && (processor as unknown as { queue: unknown[] }).queue.length > 0; k++) await new Promise((r) => setTimeout(r, 10));
      }
      failing = false;
      const report = await processor.flushWithReport(10_000);
      expect({ delivered: report.delivered, dropped: report.dropped, failed: report.failed, pending: report.pending }).toEqual({ delivered: 500, dropped: 300, failed: 0, pending: 0 });
      const batches = new Set(exported.map((n) => n.split("-")[0]));
      expect([...batches].sort()).toEqual(["b3", "b4", "b5", "b6", "b7"]);
      expect(new Set(exported).size).toBe(500);
    } finally {
      await provider.shutdown();
    }
  }, 30_000);

  it("an outage longer than the queue holds: 500 delivered, the rest counted dropped, the counts add up", async () => {
    const dbPath = join(dir, "bound.db");
    let srv = await startServer({ port: 0, dbPath, ...KEYS });
    const port = srv.port;
    const processor = new LangfuseSpanProcessor({
      ...KEYS, baseUrl: srv.url, flushAt: 100, flushInterval: 0.1, timeout: 2, maxQueueSize: 500,
      exportRetry: { baseDelayMs: 100, maxDelayMs: 300 },
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer(TRACER_NAME);
    await srv.close();
    try {
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 100; j++) tracer.startSpan(`b${i}-${j}`).end();
        await new Promise((r) => setTimeout(r, 300)); // the batch is tried, fails, is kept
      }
      srv = await startServer({ port, dbPath, ...KEYS });
      const report = await processor.flushWithReport(20_000);
      expect(report.pending).toBe(0);
      expect(report.failed).toBe(0);
      expect(report.delivered + report.dropped).toBe(800);
      expect(report.delivered).toBe(500);
      await srv.close();
      expect(countObservations(dbPath)).toBe(500);
      // Which 500 survive depends on timing over real HTTP: a span that ends while no kept span
      // can be evicted (the backlog is then unsent spans, or kept spans being re-sent) is the one
      // dropped. The order itself is checked with an exporter that fails at once, below.
    } finally {
      await provider.shutdown();
      await srv.close();
    }
  }, 60_000);
});

import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { Langfuse, observe } from "../../src";
import { startServer } from "../../src/server";
import { LangfuseSpanProcessor } from "../../src/tracing/span-processor";
import { OtlpJsonHttpExporter } from "../../src/tracing/otlp-http-exporter";
import { TRACER_NAME } from "../../src/tracing/constants";

const ROOT = resolve(__dirname, "..", "..");

describe("retry backoff keeps the process alive", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lf-retry-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("await shutdown() against a 503-then-200 collector resolves with every span delivered", () => {
    const script = join(dir, "script.ts");
    // The collector lives in the child (unref'd, like an app's own server), so nothing but the
    // SDK's own retry keeps the process alive between the 503 and the retry.
    writeFileSync(
      script,
      `import * as http from "node:http";
import { Langfuse, observe } from ${JSON.stringify(join(ROOT, "src"))};
let requests = 0;
const srv = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    requests++;
    res.writeHead(requests === 1 ? 503 : 200, { Connection: "close" });
    res.end("{}");
  });
});
srv.listen(0, "127.0.0.1", async () => {
  const port = (srv.address() as any).port;
  const lf = new Langfuse({ publicKey: "pk-lf-a", secretKey: "sk-lf-a", baseUrl: "http://127.0.0.1:" + port, flushInterval: 3600 });
  const f = observe((x: number) => x + 1, { name: "retried" });
  for (let i = 0; i < 5; i++) f(i);
  srv.unref();
  const r = await lf.shutdown();
  process.stdout.write("RESULT " + JSON.stringify({ delivered: r.delivered, failed: r.failed, requests }) + "\\n");
});
`,
    );
    const run = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), script], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json") },
      timeout: 120_000,
    });
    expect(run.status).toBe(0);
    const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    expect(line).toBeDefined();
    expect(JSON.parse(line!.slice("RESULT ".length))).toEqual({ delivered: 5, failed: 0, requests: 2 });
  });
});

describe("export requests are split by size", () => {
  it("delivers 40 spans of ~1 MB each (40 MB, over the server's 32 MB OTLP limit) to the local server", async () => {
    const info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    const srv = await startServer({ port: 0, dbPath: ":memory:", publicKey: "pk-lf-big", secretKey: "sk-lf-big" });
    const lf = new Langfuse({ publicKey: "pk-lf-big", secretKey: "sk-lf-big", baseUrl: srv.url, flushInterval: 60 });
    try {
      const f = observe((s: string) => s.length, { name: "big" });
      for (let i = 0; i < 40; i++) f("x".repeat(999_000));
      const r = await lf.flush();
      expect(r.errors).toEqual([]);
      expect(r.failed).toBe(0);
      expect(r.delivered).toBe(40);
      const list = await lf.api.observations.list({ name: "big", limit: 100 });
      expect(list.data.length).toBe(40);
    } finally {
      await lf.shutdown();
      await srv.close();
      info.mockRestore();
    }
  });

  it("on 413 the exporter halves the request and resends until it fits; a lone oversize span is still tried alone", async () => {
    const LIMIT = 1_000_000;
    const bodies: number[] = [];
    let received = 0;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        bodies.push(body.byteLength);
        if (body.byteLength > LIMIT) {
          res.writeHead(413, { "content-type": "application/json" });
          res.end('{"message":"Request body is too large"}');
          return;
        }
        const json = JSON.parse(body.toString("utf8")) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
        for (const rs of json.resourceSpans) for (const ss of rs.scopeSpans) received += ss.spans.length;
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    // A request cap far above the receiver's limit: only the 413 answers make it split.
    const exporter = new OtlpJsonHttpExporter({ url, headers: {}, timeoutMillis: 10_000, maxRequestBytes: 64 * 1024 * 1024 });
    const provider = new BasicTracerProvider();
    const tracer = provider.getTracer(TRACER_NAME);
    const spans: ReadableSpan[] = [];
    for (let i = 0; i < 10; i++) {
      const s = tracer.startSpan(`s${i}`);
      s.setAttribute("langfuse.observation.input", "y".repeat(300_000));
      s.end();
      spans.push(s as unknown as ReadableSpan);
    }
    const oversize = tracer.startSpan("oversize");
    oversize.setAttribute("langfuse.observation.input", "z".repeat(LIMIT + 10));
    oversize.end();
    try {
      const ok = await new Promise<ExportResult>((r) => exporter.export(spans, r));
      expect(ok.code).toBe(ExportResultCode.SUCCESS);
      expect(received).toBe(10);
      expect(bodies[0]).toBeGreaterThan(LIMIT); // the first attempt really was one big request

      const before = bodies.length;
      const tooBig = await new Promise<ExportResult>((r) => exporter.export([oversize as unknown as ReadableSpan], r));
      expect(tooBig.code).toBe(ExportResultCode.FAILED);
      expect(tooBig.error?.message).toContain("HTTP 413");
      expect(bodies.length).toBe(before + 1); // sent once, alone, not retried
    } finally {
      await exporter.shutdown();
      await provider.shutdown();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("the traced call does not run the export", () => {
  it("the flushAt-th span's end() neither masks nor exports synchronously; flush() still waits for all of it", async () => {
    const exported: string[] = [];
    let masked = 0;
    const exporter: SpanExporter = {
      export(spans: ReadableSpan[], cb: (r: ExportResult) => void) {
        for (const s of spans) exported.push(s.name);
        cb({ code: ExportResultCode.SUCCESS });
      },
      async shutdown() {},
    };
    const processor = new LangfuseSpanProcessor({
      exporter,
      flushAt: 3,
      flushInterval: 3600,
      mask: ({ data }) => {
        masked++;
        return data;
      },
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer(TRACER_NAME);
    try {
      for (let i = 0; i < 3; i++) {
        const s = tracer.startSpan(`call-${i}`);
        s.setAttribute("langfuse.observation.input", `in-${i}`);
        s.end();
      }
      // Still inside the synchronous part of the "user's" code: nothing ran yet.
      expect(masked).toBe(0);
      expect(exported).toEqual([]);
      const report = await processor.flushWithReport();
      expect(report.delivered).toBe(3);
      expect(masked).toBe(3);
      expect(exported).toEqual(["call-0", "call-1", "call-2"]);
    } finally {
      await provider.shutdown();
    }
  });

  it("a drain already scheduled is awaited by flush() (the local store receives every span)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lf-drain-"));
    const info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    const lf = new Langfuse({ localDbPath: join(dir, "l.db"), flushAt: 10, flushInterval: 3600 });
    try {
      const f = observe((x: number) => x, { name: "drained" });
      for (let i = 0; i < 25; i++) f(i);
      const r = await lf.flush();
      expect(r.delivered).toBe(25);
      const list = await lf.api.observations.list({ name: "drained", limit: 100 });
      expect(list.data.length).toBe(25);
    } finally {
      await lf.shutdown();
      info.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createBackend } from "../../src/client/backend/create-backend";
import { HttpApi } from "../../src/api/http/http-api";
import type { ResolvedConfig } from "../../src/config/types";
import { LocalApi } from "../../src/local";

function config(over: Partial<ResolvedConfig>): ResolvedConfig {
  return {
    mode: "local",
    publicKey: undefined,
    secretKey: undefined,
    baseUrl: "https://cloud.langfuse.com",
    localDbPath: ":memory:",
    localDbSynchronous: "NORMAL",
    tracingEnabled: true,
    environment: undefined,
    release: undefined,
    sampleRate: 1,
    flushAt: 512,
    flushIntervalSeconds: 1,
    timeoutSeconds: 5,
    maxQueueSize: 10_000,
    ioCaptureEnabled: true,
    debug: false,
    promptCacheDefaultTtlSeconds: 60,
    maxFieldChars: 100_000,
    additionalHeaders: {},
    sdkName: "langfuse-decorators",
    sdkVersion: "0.1.0",
    ...over,
  };
}

describe("createBackend", () => {
  test("local mode: embedded store at the configured path, exporter writes into it, one describe line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lfd-backend-"));
    const dbPath = join(dir, ".langfuse", "langfuse.db");
    try {
      const backend = createBackend(config({ localDbPath: dbPath }));
      expect(backend.mode).toBe("local");
      expect(backend.api).toBeInstanceOf(LocalApi);
      expect(backend.describe()).toContain(dbPath);
      expect(backend.describe()).toContain(`serve --db ${dbPath}`);
      expect(backend.describe()).not.toContain("\n");
      const exporter = backend.createSpanExporter()!;
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const span = provider.getTracer("langfuse-sdk").startSpan("hello");
      span.end();
      await provider.forceFlush();
      expect((await backend.api.traces.get(span.spanContext().traceId)).name).toBe("hello");
      await backend.shutdown();
      await backend.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("local mode opens the store at the configured synchronous level (NORMAL default, FULL on request)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lfd-backend-"));
    try {
      for (const [level, pragma] of [["NORMAL", 1], ["FULL", 2]] as const) {
        const backend = createBackend(config({ localDbPath: join(dir, `${level}.db`), localDbSynchronous: level }));
        expect((backend.api as LocalApi).store.db.pragma("synchronous", { simple: true })).toBe(pragma);
        await backend.shutdown();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("local mode with :memory: says the data is not kept", async () => {
    const backend = createBackend(config({}));
    expect(backend.describe()).toMatch(/in-memory/);
    await backend.shutdown();
  });

  test("http mode: HttpApi against the base URL, an OTLP exporter to it, secret not described", async () => {
    const backend = createBackend(config({ mode: "http", publicKey: "pk-lf-1", secretKey: "sk-lf-secret", baseUrl: "http://127.0.0.1:9" }));
    expect(backend.mode).toBe("http");
    expect(backend.api).toBeInstanceOf(HttpApi);
    const exporter = backend.createSpanExporter();
    expect(exporter).toBeDefined();
    await exporter!.shutdown();
    expect(backend.describe()).toBe("Langfuse: sending to http://127.0.0.1:9");
    expect(backend.traceUrlBase).toBe("http://127.0.0.1:9");
    expect(backend.writesInProcess).toBe(false);
    await backend.shutdown();
  });
});

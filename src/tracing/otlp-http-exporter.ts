import * as http from "node:http";
import * as https from "node:https";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

export interface OtlpJsonHttpExporterOptions {
  url: string;
  headers: Record<string, string>;
  /** Per attempt. */
  timeoutMillis: number;
  /** Retries after the first attempt (network errors, 408, 429, 5xx). Default 3. */
  maxRetries?: number;
  /** First backoff; doubles per retry, with ±25 % jitter, capped at 30 s. Default 500 ms. */
  initialBackoffMillis?: number;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMillis: number | undefined,
  ) {
    super(message);
  }
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * OTLP/HTTP JSON span exporter: the OpenTelemetry JSON serializer (the same bytes
 * @opentelemetry/exporter-trace-otlp-http sends) over node:http(s), statically imported.
 * The stock exporter loads node:http with a dynamic import(), which fails inside VM sandboxes
 * such as Jest ("A dynamic import callback was invoked without --experimental-vm-modules")
 * and would silently lose every span in our users' test suites. It also retries network
 * errors and 500, which the stock transport does not.
 */
export class OtlpJsonHttpExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private stopped = false;

  constructor(private readonly options: OtlpJsonHttpExporterOptions) {
    const secure = new URL(options.url).protocol === "https:";
    this.transport = secure ? https : http;
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error("exporter is shut down") });
      return;
    }
    let body: Uint8Array;
    try {
      body = JsonTraceSerializer.serializeRequest(spans) as Uint8Array;
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
      return;
    }
    const p = this.sendWithRetries(body).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (err: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async sendWithRetries(body: Uint8Array): Promise<void> {
    const maxRetries = this.options.maxRetries ?? 3;
    let backoff = this.options.initialBackoffMillis ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.post(body);
        return;
      } catch (err) {
        const retryable = !(err instanceof HttpStatusError) || RETRYABLE_STATUS.has(err.status);
        if (!retryable || attempt >= maxRetries || this.stopped) throw err;
        const jitter = 0.75 + Math.random() * 0.5;
        const wait = Math.min(30_000, err instanceof HttpStatusError && err.retryAfterMillis !== undefined ? err.retryAfterMillis : backoff * jitter);
        await new Promise((r) => setTimeout(r, wait).unref?.());
        backoff *= 2;
      }
    }
  }

  private post(body: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = this.transport.request(
        this.options.url,
        {
          method: "POST",
          agent: this.agent,
          headers: { ...this.options.headers, "Content-Type": "application/json", "Content-Length": body.byteLength },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => {
            if (chunks.length < 16) chunks.push(c);
          });
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve();
            const text = Buffer.concat(chunks).toString("utf8").slice(0, 200);
            reject(new HttpStatusError(status, `HTTP ${status} from ${this.options.url}${text ? `: ${text}` : ""}`, parseRetryAfter(res.headers["retry-after"])));
          });
          res.on("error", reject);
        },
      );
      req.setTimeout(this.options.timeoutMillis, () => req.destroy(new Error(`request to ${this.options.url} timed out after ${this.options.timeoutMillis} ms`)));
      req.on("error", (err) => reject(new Error(`request to ${this.options.url} failed: ${err.message}`)));
      req.end(body);
    });
  }

  async forceFlush(): Promise<void> {
    // Bounded: each pass awaits the exports in flight at that moment.
    for (let i = 0; i < 100 && this.pending.size > 0; i++) await Promise.all([...this.pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    this.agent.destroy();
  }
}

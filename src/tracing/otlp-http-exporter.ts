import * as http from "node:http";
import * as https from "node:https";
import { inspect } from "node:util";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { JsonTraceSerializer as Serializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { inspectRedacted } from "../config/hide-secrets";
import { DEFAULT_MAX_REQUEST_BYTES, splitBySize } from "./span-size";

export interface OtlpJsonHttpExporterOptions {
  url: string;
  headers: Record<string, string>;
  /** Per attempt. */
  timeoutMillis: number;
  /** Retries after the first attempt (network errors, 408, 429, 5xx). Default 3. */
  maxRetries?: number;
  /** First backoff; doubles per retry, with ±25 % jitter, capped at 30 s. Default 500 ms. */
  initialBackoffMillis?: number;
  /**
   * Cap of one request body. Larger batches are split by size (a single larger span is sent
   * alone); a 413 answer splits the request in halves and resends. Default 3 MB.
   */
  maxRequestBytes?: number;
}

let serializer: typeof Serializer | undefined;

/**
 * Required on first export: @opentelemetry/otlp-transformer also loads the OTel logs, metrics
 * and resources packages, which an app using the embedded store (or only prompts) never needs
 * at import time.
 */
function jsonTraceSerializer(): typeof Serializer {
  return (serializer ??= (require("@opentelemetry/otlp-transformer") as { JsonTraceSerializer: typeof Serializer }).JsonTraceSerializer);
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

  /** `util.inspect` shows the Authorization header redacted. */
  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect): string {
    return inspectRedacted(this, depth, options, inspectFn);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error("exporter is shut down") });
      return;
    }
    const p = this.exportBySize(spans).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (err: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Sends `spans` in requests of at most maxRequestBytes (estimated first, then checked). */
  private async exportBySize(spans: ReadableSpan[]): Promise<void> {
    const maxBytes = this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    let firstError: unknown;
    for (const group of splitBySize(spans, maxBytes)) {
      try {
        await this.exportGroup(group, maxBytes, 0);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  /**
   * One request for `spans`; when the serialized body is over the cap (the estimate was low)
   * or the server answers 413, the group is halved and each half sent. Bounded: a group of
   * one span is sent as is, and halving stops after 32 levels.
   */
  private async exportGroup(spans: ReadableSpan[], maxBytes: number, depth: number): Promise<void> {
    const body = jsonTraceSerializer().serializeRequest(spans) as Uint8Array;
    const canSplit = spans.length > 1 && depth < 32;
    if (canSplit && body.byteLength > maxBytes) return this.exportHalves(spans, maxBytes, depth);
    try {
      await this.sendWithRetries(body);
    } catch (err) {
      if (canSplit && err instanceof HttpStatusError && err.status === 413) return this.exportHalves(spans, maxBytes, depth);
      throw err;
    }
  }

  private async exportHalves(spans: ReadableSpan[], maxBytes: number, depth: number): Promise<void> {
    const mid = Math.ceil(spans.length / 2);
    let firstError: unknown;
    for (const half of [spans.slice(0, mid), spans.slice(mid)]) {
      try {
        await this.exportGroup(half, maxBytes, depth + 1);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
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
        // Referenced on purpose: retries are bounded (maxRetries, 30 s cap), and an unref'd
        // timer would let the process exit mid-backoff, so flush()/shutdown() never settled
        // and the batch was lost.
        await new Promise((r) => setTimeout(r, wait));
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

import * as http from "node:http";
import * as https from "node:https";
import { inspect, promisify } from "node:util";
import * as zlib from "node:zlib";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { isRetryableStatus, parseRetryAfter, retryDelayMs, sleep } from "../api/http/retry-policy";
import { inspectRedacted } from "../config/hide-secrets";
import { DEFAULT_MAX_REQUEST_BYTES, splitBySize } from "./span-size";

/** OTLP/HTTP body encodings: binary protobuf (what the Langfuse server and Python SDK use) or JSON. */
export type OtlpEncoding = "protobuf" | "json";

/**
 * `auto`: gzip (level 1) bodies of at least 1 KB sent to a host that is not loopback; on
 * 127.0.0.1 the bytes cost nothing to move and compressing them only costs CPU.
 */
export type OtlpCompression = "auto" | "gzip" | "none";

export interface OtlpHttpExporterOptions {
  url: string;
  headers: Record<string, string>;
  /** Per attempt. */
  timeoutMillis: number;
  /** Default "protobuf". */
  encoding?: OtlpEncoding;
  /** Default "auto". */
  compression?: OtlpCompression;
  /**
   * Retries after the first attempt (network errors, 408, 429, 5xx; not a request that timed
   * out, which the server may still be processing). Default 3.
   */
  maxRetries?: number;
  /** First backoff; doubles per retry, with jitter, capped at 30 s. Default 500 ms. */
  initialBackoffMillis?: number;
  /**
   * Cap of one request body (before compression). Larger batches are split by size (a single
   * larger span is sent alone); a 413 answer splits the request in halves and resends.
   * Default 3 MB.
   */
  maxRequestBytes?: number;
}

/** Options of OtlpJsonHttpExporter (the same exporter with JSON as its default encoding). */
export type OtlpJsonHttpExporterOptions = OtlpHttpExporterOptions;

/**
 * The failure an export reports: which spans may succeed if sent again later (network,
 * 408, 429, 5xx) and which never will (rejected by the server, unserializable). Spans in
 * neither list were delivered. The span processor keeps `retryable` for a later attempt.
 */
export class SpanExportError extends Error {
  constructor(
    message: string,
    readonly retryable: ReadableSpan[],
    readonly rejected: ReadableSpan[],
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "SpanExportError";
  }
}

type Serializer = { serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined };
let serializers: { json: Serializer; protobuf: Serializer } | undefined;

/**
 * Required on first export: @opentelemetry/otlp-transformer also loads the OTel logs, metrics
 * and resources packages, which an app using the embedded store (or only prompts) never needs
 * at import time.
 */
function serializerFor(encoding: OtlpEncoding): Serializer {
  if (!serializers) {
    const t = require("@opentelemetry/otlp-transformer") as {
      JsonTraceSerializer: typeof JsonTraceSerializer;
      ProtobufTraceSerializer: typeof ProtobufTraceSerializer;
    };
    serializers = { json: t.JsonTraceSerializer, protobuf: t.ProtobufTraceSerializer };
  }
  return serializers[encoding];
}

const gzip = promisify(zlib.gzip);
const GZIP_MIN_BYTES = 1024;

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMillis: number | undefined,
  ) {
    super(message);
  }
}

class RequestTimeoutError extends Error {}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || hostname === "::1" || hostname.startsWith("127.");
}

/** What one export() call learns as it goes; turned into its ExportResult at the end. */
interface ExportState {
  retryable: ReadableSpan[];
  rejected: ReadableSpan[];
  firstError: string | undefined;
  retryAfterMs: number | undefined;
  /** The endpoint failed in a way that may pass (down, overloaded): the rest of the batch waits too. */
  unavailable: boolean;
  /** 413 answers this export may still spend on bisection (keeps a permanent 413 logarithmic). */
  tooLargeBudget: number;
}

/**
 * OTLP/HTTP span exporter over node:http(s): the OpenTelemetry serializers (the same bytes
 * @opentelemetry/exporter-trace-otlp-proto / -http send), protobuf by default.
 * The stock exporters load node:http with a dynamic import(), which fails inside VM sandboxes
 * such as Jest ("A dynamic import callback was invoked without --experimental-vm-modules")
 * and would silently lose every span in our users' test suites. Differences that matter:
 * - requests are split by size, and halved on 413; once the server answers 413 for a single
 *   span, the bisection has a budget of ~2·log2(n) more 413s per export, and spans at least as
 *   large as a rejected lone span are not sent again (a permanent 413 costs a few requests per
 *   batch, not two per span);
 * - a span the serializer cannot encode is rejected alone, its neighbours are sent;
 * - failures say which spans may be re-sent later (SpanExportError), so a queue above can keep
 *   them through an outage instead of losing the batch.
 */
export class OtlpHttpExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly encoding: OtlpEncoding;
  private readonly contentType: string;
  private readonly compress: boolean;
  private readonly compressAlways: boolean;
  private stopped = false;
  /** Smallest body the server answered 413 for while holding a single span. */
  private rejectedLoneBytes = Number.POSITIVE_INFINITY;

  constructor(
    private readonly options: OtlpHttpExporterOptions,
    defaultEncoding: OtlpEncoding = "protobuf",
  ) {
    const url = new URL(options.url);
    const secure = url.protocol === "https:";
    this.transport = secure ? https : http;
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.encoding = options.encoding ?? defaultEncoding;
    this.contentType = this.encoding === "json" ? "application/json" : "application/x-protobuf";
    const compression = options.compression ?? "auto";
    this.compress = compression === "gzip" || (compression === "auto" && !isLoopback(url.hostname));
    this.compressAlways = compression === "gzip";
  }

  /** `util.inspect` shows the Authorization header redacted. */
  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect): string {
    return inspectRedacted(this, depth, options, inspectFn);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new SpanExportError("exporter is shut down", [], spans) });
      return;
    }
    const p = this.exportAll(spans).then(resultCallback, (err: unknown) =>
      // Not expected (exportAll catches per group); still never lose the callback.
      resultCallback({ code: ExportResultCode.FAILED, error: new SpanExportError(String(err), spans, []) }),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async exportAll(spans: ReadableSpan[]): Promise<ExportResult> {
    const maxBytes = this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    const state: ExportState = {
      retryable: [],
      rejected: [],
      firstError: undefined,
      retryAfterMs: undefined,
      unavailable: false,
      tooLargeBudget: 2 * Math.ceil(Math.log2(spans.length + 1)) + 2,
    };
    let groups: ReadableSpan[][];
    try {
      groups = splitBySize(spans, maxBytes);
    } catch {
      // A span whose fields cannot be read: one group, the serializer step isolates it.
      groups = [spans];
    }
    for (const group of groups) await this.exportGroup(group, maxBytes, state);
    if (state.retryable.length === 0 && state.rejected.length === 0) return { code: ExportResultCode.SUCCESS };
    const failed = state.retryable.length + state.rejected.length;
    const message = `${failed} of ${spans.length} spans not delivered: ${state.firstError ?? "unknown error"}`;
    return { code: ExportResultCode.FAILED, error: new SpanExportError(message, state.retryable, state.rejected, state.retryAfterMs) };
  }

  private fail(state: ExportState, spans: ReadableSpan[], retryable: boolean, message: string, retryAfterMs?: number): void {
    (retryable ? state.retryable : state.rejected).push(...spans);
    state.firstError ??= message;
    if (retryAfterMs !== undefined) state.retryAfterMs = Math.max(state.retryAfterMs ?? 0, retryAfterMs);
  }

  /**
   * Serializes `spans`; a span the serializer throws on (a value no hand-built span should
   * carry) is rejected alone and the others are serialized without it.
   */
  private serialize(spans: ReadableSpan[], state: ExportState): { body: Uint8Array; spans: ReadableSpan[] } | undefined {
    const serializer = serializerFor(this.encoding);
    try {
      const body = serializer.serializeRequest(spans);
      if (body) return { body, spans };
    } catch {
      // fall through to one span at a time
    }
    const good: ReadableSpan[] = [];
    for (const span of spans) {
      try {
        if (serializer.serializeRequest([span])) {
          good.push(span);
          continue;
        }
      } catch (err) {
        this.fail(state, [span], false, `span "${String(span.name).slice(0, 80)}" could not be serialized: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      this.fail(state, [span], false, `span "${String(span.name).slice(0, 80)}" could not be serialized`);
    }
    if (good.length === 0) return undefined;
    const body = serializer.serializeRequest(good);
    return body ? { body, spans: good } : undefined;
  }

  /**
   * One request for `spans`; when the serialized body is over the cap (the estimate was low)
   * or the server answers 413, the group is halved and each half sent.
   */
  private async exportGroup(group: ReadableSpan[], maxBytes: number, state: ExportState, depth = 0): Promise<void> {
    if (state.unavailable || this.stopped) {
      this.fail(state, group, true, this.stopped ? "exporter is shut down" : "endpoint unavailable");
      return;
    }
    const serialized = this.serialize(group, state);
    if (!serialized) return;
    const { body, spans } = serialized;
    const canSplit = spans.length > 1 && depth < 40;
    if (canSplit && (body.byteLength > maxBytes || body.byteLength >= this.rejectedLoneBytes)) return this.exportHalves(spans, maxBytes, state, depth);
    if (!canSplit && body.byteLength >= this.rejectedLoneBytes) {
      this.fail(state, spans, false, `HTTP 413: a span of ${body.byteLength} bytes is over the server's limit (a smaller one was refused)`);
      return;
    }
    if (!canSplit && state.tooLargeBudget <= 0) {
      this.fail(state, spans, false, "HTTP 413: the server refused requests of every size tried");
      return;
    }
    try {
      await this.sendWithRetries(body);
    } catch (err) {
      if (err instanceof HttpStatusError && err.status === 413) {
        state.tooLargeBudget--;
        if (canSplit && state.tooLargeBudget > 0) return this.exportHalves(spans, maxBytes, state, depth);
        if (spans.length === 1) this.rejectedLoneBytes = Math.min(this.rejectedLoneBytes, body.byteLength);
        this.fail(state, spans, false, err.message);
        return;
      }
      const status = err instanceof HttpStatusError ? err.status : 0;
      const retryable = isRetryableStatus(status);
      if (retryable) state.unavailable = true;
      this.fail(state, spans, retryable, err instanceof Error ? err.message : String(err), err instanceof HttpStatusError ? err.retryAfterMillis : undefined);
    }
  }

  private async exportHalves(spans: ReadableSpan[], maxBytes: number, state: ExportState, depth: number): Promise<void> {
    const mid = Math.ceil(spans.length / 2);
    await this.exportGroup(spans.slice(0, mid), maxBytes, state, depth + 1);
    await this.exportGroup(spans.slice(mid), maxBytes, state, depth + 1);
  }

  private async sendWithRetries(raw: Uint8Array): Promise<void> {
    const maxRetries = this.options.maxRetries ?? 3;
    const policy = { maxRetries, baseDelayMs: this.options.initialBackoffMillis ?? 500, maxDelayMs: 30_000 };
    const gzipped = this.compress && (this.compressAlways || raw.byteLength >= GZIP_MIN_BYTES);
    const body = gzipped ? await gzip(raw, { level: 1 }) : raw;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.post(body, gzipped);
        return;
      } catch (err) {
        const status = err instanceof HttpStatusError ? err.status : 0;
        // A request that timed out may still be processed by a slow server: sending it again at
        // once doubles its load (and the spans arrive twice). It is left to the caller, whose
        // backoff is longer (the span processor keeps the batch).
        if (!isRetryableStatus(status) || attempt >= maxRetries || this.stopped || err instanceof RequestTimeoutError) throw err;
        await sleep(retryDelayMs(policy, attempt, err instanceof HttpStatusError ? err.retryAfterMillis : undefined));
      }
    }
  }

  private post(body: Uint8Array, gzipped: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.options.headers, "Content-Type": this.contentType, "Content-Length": body.byteLength };
      if (gzipped) headers["Content-Encoding"] = "gzip";
      const req = this.transport.request(this.options.url, { method: "POST", agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => {
          if (chunks.length < 16) chunks.push(c);
        });
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve();
          const ct = String(res.headers["content-type"] ?? "");
          const text = ct.includes("protobuf") ? "" : Buffer.concat(chunks).toString("utf8").slice(0, 200);
          reject(new HttpStatusError(status, `HTTP ${status} from ${this.options.url}${text ? `: ${text}` : ""}`, parseRetryAfter(res.headers["retry-after"])));
        });
        res.on("error", reject);
      });
      req.setTimeout(this.options.timeoutMillis, () => req.destroy(new RequestTimeoutError(`request to ${this.options.url} timed out after ${this.options.timeoutMillis} ms`)));
      req.on("error", (err) => reject(err instanceof RequestTimeoutError ? err : new Error(`request to ${this.options.url} failed: ${err.message}`)));
      req.end(body);
    });
  }

  async forceFlush(): Promise<void> {
    // Bounded: each pass awaits the exports in flight at that moment.
    for (let i = 0; i < 100 && this.pending.size > 0; i++) await Promise.all([...this.pending]);
  }

  /**
   * Stops sending: requests in flight are aborted (their spans are reported as retryable, so
   * the queue above counts them as still pending) and later exports fail at once. Callers
   * that want delivery flush first.
   */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.agent.destroy();
    await this.forceFlush();
  }
}

/** The same exporter with OTLP JSON as its default encoding (kept for existing users). */
export class OtlpJsonHttpExporter extends OtlpHttpExporter {
  constructor(options: OtlpHttpExporterOptions) {
    super(options, "json");
  }
}

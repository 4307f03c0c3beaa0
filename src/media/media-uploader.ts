import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { LangfuseApi } from "../api/langfuse-api";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from "../api/http/retry-policy";
import { errorMessage } from "../errors";
import type { Flushable, FlushReport } from "../flushable";
import { logger } from "../logger";
import { MEDIA_REFERENCE_PATTERN, parseMediaReference } from "./media-reference";
import { mediaSettings } from "./media-settings";
import { pendingMedia, type KnownMedia, type PendingMedia } from "./pending-media";

/**
 * What uploads need from a backend: the media endpoints, and for the embedded store (whose
 * upload URLs use the `langfuse-local:` scheme) a direct write of the bytes.
 */
export interface MediaApi {
  readonly media: LangfuseApi["media"];
  putMediaBytes?(mediaId: string, bytes: Uint8Array, contentType?: string): void;
  getMediaBytes?(mediaId: string): { contentType: string; bytes: Buffer };
}

type Field = "input" | "output" | "metadata";

interface UploadJob {
  mediaId: string;
  traceId: string;
  observationId: string;
  field: Field;
  /** Bytes held in the pending registry; absent when the id was uploaded before (link only). */
  pending?: PendingMedia;
  known?: KnownMedia;
}

const FIELD_PREFIXES: ReadonlyArray<[string, Field]> = [
  ["langfuse.observation.input", "input"],
  ["langfuse.observation.output", "output"],
  ["langfuse.observation.metadata", "metadata"],
  ["langfuse.trace.input", "input"],
  ["langfuse.trace.output", "output"],
  ["langfuse.trace.metadata", "metadata"],
];
const LOCAL_SCHEME = "langfuse-local:";
const MAX_QUEUED_JOBS = 10_000;

function fieldOf(key: string): Field | undefined {
  for (const [prefix, field] of FIELD_PREFIXES) if (key.startsWith(prefix)) return field;
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref?.());

/**
 * Uploads the media referenced by a client's ended spans, in the background: `claim(span)`
 * (called by the span processor, synchronous and cheap) queues one job per reference; at most
 * `maxConcurrency` uploads run at once. Each upload is POST /api/public/media (content hash as
 * the id; no upload URL means the server has it already), PUT of the bytes to the upload URL,
 * then PATCH with the upload status, as the official SDKs do. Failures are counted and
 * reported by `flush()`, never thrown.
 */
export class MediaUploader implements Flushable {
  readonly name = "media";
  private readonly queue: UploadJob[] = [];
  private active = 0;
  private pumpScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private delivered = 0;
  private dropped = 0;
  private failed = 0;
  private errors: string[] = [];
  private readonly retry: RetryPolicy;
  /** Uploads of one id in flight: a second job for the same bytes waits for the first. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(readonly api: MediaApi) {
    this.retry = { ...DEFAULT_RETRY_POLICY, maxRetries: mediaSettings.maxRetries, baseDelayMs: mediaSettings.retryBaseDelayMs };
  }

  /** Queues uploads for the media references in a span's input, output and metadata. Never throws. */
  claim(span: ReadableSpan): void {
    // With nothing pending and nothing uploaded before, no span can reference media of ours.
    if (pendingMedia.size === 0 && !pendingMedia.hasKnown) return;
    try {
      const attrs = span.attributes;
      const { traceId, spanId } = span.spanContext();
      let seen: Set<string> | undefined;
      for (const key in attrs) {
        const value = attrs[key];
        if (typeof value !== "string" || !value.includes("@@@langfuseMedia:")) continue;
        const field = fieldOf(key);
        if (!field) continue;
        for (const ref of value.match(MEDIA_REFERENCE_PATTERN) ?? []) {
          const parsed = parseMediaReference(ref);
          if (!parsed) continue;
          const dedupeKey = `${parsed.mediaId}|${field}`;
          if ((seen ??= new Set()).has(dedupeKey)) continue;
          seen.add(dedupeKey);
          this.enqueue({ mediaId: parsed.mediaId, traceId, observationId: spanId, field });
        }
      }
    } catch (err) {
      logger.warnOnce("media-claim-failed", `media references of a span could not be read: ${errorMessage(err)}`);
    }
  }

  private enqueue(job: UploadJob): void {
    if (this.closed) return;
    const pending = pendingMedia.acquire(job.mediaId);
    const known = pending ? undefined : pendingMedia.knownMedia(job.mediaId);
    // A reference that is neither pending nor known was not made by this process (a value
    // that already held a reference): nothing to upload.
    if (!pending && !known) return;
    if (this.queue.length >= MAX_QUEUED_JOBS) {
      if (pending) pendingMedia.release(job.mediaId);
      this.dropped++;
      logger.warnOnce("media-jobs-full", `media upload queue is full (${MAX_QUEUED_JOBS} jobs); media references are stored without their upload`);
      return;
    }
    this.queue.push({ ...job, pending, known });
    // Started after the span's end() returns (its first step is an embedded-store write or the
    // request set-up), but in a microtask rather than a later macrotask: code that awaits
    // between traced calls then keeps uploads moving, and the pending bytes drain.
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      queueMicrotask(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    while (this.active < mediaSettings.maxConcurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.active++;
      void this.run(job).finally(() => {
        this.active--;
        if (job.pending) pendingMedia.release(job.mediaId);
        this.pump();
        if (this.active === 0 && this.queue.length === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private async run(job: UploadJob): Promise<void> {
    const previous = this.inFlight.get(job.mediaId);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.inFlight.set(job.mediaId, mine);
    try {
      if (previous) await previous;
      await this.upload(job);
      this.delivered++;
    } catch (err) {
      this.failed++;
      const msg = `media ${job.mediaId} upload failed: ${errorMessage(err)}`;
      if (this.errors.length < 20) this.errors.push(msg);
      logger.warnOnce("media-upload-failed", msg);
    } finally {
      if (this.inFlight.get(job.mediaId) === mine) this.inFlight.delete(job.mediaId);
      done();
    }
  }

  private async upload(job: UploadJob): Promise<void> {
    const info = job.pending
      ? { sha256Hash: job.pending.sha256Hash, contentType: job.pending.contentType, contentLength: job.pending.bytes.length }
      : job.known!;
    const { uploadUrl, mediaId } = await this.api.media.create({
      traceId: job.traceId,
      observationId: job.observationId,
      field: job.field,
      contentType: info.contentType,
      contentLength: info.contentLength,
      sha256Hash: info.sha256Hash,
    });
    if (!uploadUrl) return; // the server has these bytes already
    if (mediaId !== job.mediaId) throw new Error(`the server gave media id ${mediaId} for content hashed as ${job.mediaId}`);
    if (!job.pending) throw new Error("the server asks for bytes that are no longer held (uploaded earlier in this process)");
    const started = Date.now();
    const { status, error } = await this.putBytes(uploadUrl, job.pending);
    if (!uploadUrl.startsWith(LOCAL_SCHEME)) {
      await this.api.media.patch(mediaId, { uploadedAt: new Date().toISOString(), uploadHttpStatus: status, uploadHttpError: error ?? null, uploadTimeMs: Date.now() - started });
    }
    if (status < 200 || status >= 300) throw new Error(`upload answered HTTP ${status}${error ? `: ${error.slice(0, 200)}` : ""}`);
  }

  /** PUTs the bytes to a (signed) upload URL, retrying network errors, 408, 429 and 5xx. */
  private async putBytes(url: string, media: PendingMedia): Promise<{ status: number; error?: string }> {
    if (url.startsWith(LOCAL_SCHEME)) {
      if (typeof this.api.putMediaBytes !== "function") throw new Error("the backend handed out an embedded-store upload URL but cannot store bytes");
      this.api.putMediaBytes(media.id, media.bytes, media.contentType);
      return { status: 200 };
    }
    for (let attempt = 0; ; attempt++) {
      let retryAfter: number | undefined;
      try {
        const res = await fetch(url, {
          method: "PUT",
          body: media.bytes as unknown as Uint8Array<ArrayBuffer>,
          headers: { "content-type": media.contentType, "x-amz-checksum-sha256": media.sha256Hash, "x-ms-blob-type": "BlockBlob" },
        });
        const text = res.ok ? undefined : await res.text().catch(() => "");
        if (res.ok || !isRetryableStatus(res.status) || attempt >= this.retry.maxRetries) return { status: res.status, error: text };
        retryAfter = parseRetryAfter(res.headers.get("retry-after"));
      } catch (err) {
        if (attempt >= this.retry.maxRetries) throw err;
      }
      await sleep(retryDelayMs(this.retry, attempt, retryAfter));
    }
  }

  /** Waits until every queued upload is done; reports what happened since the last report. */
  async flush(): Promise<FlushReport> {
    if (this.active > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const inline = pendingMedia.takeUnreportedInline();
    if (inline > 0) this.errors.push(`${inline} media kept inline: the upload queue was full (${mediaSettings.maxPendingBytes} bytes pending)`);
    const report: FlushReport = { name: this.name, delivered: this.delivered, dropped: this.dropped + inline, failed: this.failed, errors: this.errors };
    this.delivered = 0;
    this.dropped = 0;
    this.failed = 0;
    this.errors = [];
    return report;
  }

  async shutdown(): Promise<FlushReport> {
    const report = await this.flush();
    this.closed = true;
    return report;
  }
}

import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { errorMessage } from "../errors";
import type { Flushable, FlushReport } from "../flushable";
import { logger } from "../logger";
import { MEDIA_REFERENCE_PATTERN, parseMediaReference } from "./media-reference";
import { mediaSettings } from "./media-settings";
import type { MediaStore } from "./media-store";
import { pendingMedia, type KnownMedia, type PendingMedia } from "./pending-media";

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
const MAX_QUEUED_JOBS = 10_000;

function fieldOf(key: string): Field | undefined {
  for (const [prefix, field] of FIELD_PREFIXES) if (key.startsWith(prefix)) return field;
  return undefined;
}

/**
 * Uploads the media referenced by a client's ended spans, in the background: `claim(span)`
 * (called by the span processor, synchronous and cheap) queues one job per reference; at most
 * `maxConcurrency` uploads run at once. Each upload is POST /api/public/media (content hash as
 * the id; no upload URL means the server has it already), then the bytes go to the backend's
 * media store (a PUT to the presigned URL and a PATCH with its status for a Langfuse server; a
 * write into the embedded store). Failures are counted and reported by `flush()`, never thrown.
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
  /** Uploads of one id in flight: a second job for the same bytes waits for the first. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(readonly store: MediaStore) {}

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
    const { uploadUrl, mediaId } = await this.store.media.create({
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
    const { bytes, contentType, sha256Hash } = job.pending;
    await this.store.upload({ mediaId, uploadUrl, bytes, contentType, sha256Hash });
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

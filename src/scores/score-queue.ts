import { randomUUID } from "node:crypto";
import type { LangfuseApi } from "../api/langfuse-api";
import type { IngestionEvent } from "../api/types";
import { LangfuseApiError } from "../api/errors";
import type { Flushable, FlushReport } from "../flushable";
import { logger } from "../logger";
import { errorMessage } from "../errors";

/** Where the scores module reports what went wrong. Never receives secrets. */
export interface ScoreLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** The SDK's shared logger (prefix, debug switch); tests pass their own to capture messages. */
export const consoleScoreLogger: ScoreLogger = {
  warn: (m) => logger.warn(m),
  error: (m) => logger.error(m),
};

export interface ScoreQueueOptions {
  api: Pick<LangfuseApi, "ingestion">;
  /** Send as soon as this many scores wait. */
  flushAt: number;
  /** Otherwise send this long after the first waiting score (timer is unref'd). */
  flushIntervalMs: number;
  /** Scores beyond this many waiting are dropped and counted. */
  maxQueueSize: number;
  /** Extra attempts for a batch after a retryable failure (network, 408, 429, 5xx). Default 3. */
  maxRetries?: number;
  /** First backoff delay; doubles per attempt, with jitter. Default 250 ms. */
  retryBaseMs?: number;
  /** Events per ingestion call. Default 100 (as the official SDKs send over HTTP). */
  batchSize?: number;
  /**
   * Largest serialized size (UTF-8 bytes of the events' JSON) of one ingestion call. Default
   * 2.5 MB, as the Python SDK caps score batches: the server takes at most 4.5 MB per body.
   */
  maxBatchBytes?: number;
  logger?: ScoreLogger;
}

/** Default events per ingestion request (the official SDKs use 100). */
const DEFAULT_BATCH = 100;
/** Default byte cap of one ingestion call's events (the Python SDK's score batch cap). */
export const DEFAULT_MAX_BATCH_BYTES = 2.5 * 1024 * 1024;
/** Batches in flight at once during one drain. */
const PARALLEL_BATCHES = 4;

/**
 * Bounded in-memory queue of `score-create` events, delivered in batches through
 * `POST /api/public/ingestion`. `flush()` resolves only once every score enqueued before the call
 * (and any enqueued while it runs) was delivered or definitively failed: the official JS client
 * returns an in-flight flush promise instead, losing scores added meanwhile.
 */
export class ScoreQueue implements Flushable {
  readonly name = "scores";
  private readonly queue: IngestionEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** A drain scheduled by enqueue (never run inside the caller's createScore). */
  private immediate: NodeJS.Immediate | undefined;
  private draining: Promise<void> | undefined;
  /** Set only during sendNow's synchronous part: what the batches sent then must also wait for. */
  private commitGate: Promise<void> | undefined;
  private closed = false;
  private readonly logger: ScoreLogger;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private delivered = 0;
  private dropped = 0;
  /** A queue-full/shut-down drop was logged since the last report. */
  private dropWarned = false;
  private failed = 0;
  private errors: string[] = [];

  constructor(private readonly options: ScoreQueueOptions) {
    this.logger = options.logger ?? consoleScoreLogger;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
  }

  /** Number of scores waiting to be sent. */
  get size(): number {
    return this.queue.length;
  }

  /** Queues one validated score body. Returns false when it was dropped (queue full or shut down). */
  enqueue(body: IngestionEvent["body"], timestamp: Date = new Date()): boolean {
    if (this.closed) {
      this.countDrop("the score queue is shut down; score dropped");
      return false;
    }
    if (this.queue.length >= this.options.maxQueueSize) {
      this.countDrop(`score queue full (${this.options.maxQueueSize}); score dropped`);
      return false;
    }
    this.queue.push({ id: randomUUID(), type: "score-create", timestamp: timestamp.toISOString(), body });
    if (this.queue.length >= this.options.flushAt) {
      // Sending serializes the batch (and the embedded store writes it): never inside the
      // caller's createScore. flush() drains whatever is still queued, so nothing is missed.
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        void this.drain();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.options.flushIntervalMs);
      this.timer.unref();
    }
    return true;
  }

  /**
   * Starts sending what is queued on the next event-loop turn (after the callbacks running now),
   * without waiting and without taking a report: flush() still reports it. Used by the
   * experiment runner to write scores in the idle gap after each wave of items instead of in
   * one large batch that holds the event loop.
   */
  sendSoon(): void {
    if (this.queue.length === 0 || this.closed) return;
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      void this.drain();
    });
  }

  /**
   * Starts sending what is queued now, synchronously up to the API call (the embedded store
   * writes inside it, so a caller holding a store transaction gets the scores in its commit),
   * without waiting and without taking a report. No-op while a send is already running.
   */
  sendNow(committed?: Promise<void>): void {
    if (this.queue.length === 0 || this.closed || this.draining) return;
    // `committed` settles when the caller's transaction commits or rolls back: the batches sent
    // now count as delivered only once it resolved; a rejection counts as a network failure
    // (status 0), so the batch is retried in a transaction of its own.
    this.commitGate = committed;
    try {
      void this.drain();
    } finally {
      this.commitGate = undefined;
    }
  }

  async flush(): Promise<FlushReport> {
    // Bounded: each round either empties the queue or waits for a drain that makes progress.
    for (let round = 0; round < 10_000 && (this.queue.length > 0 || this.draining); round++) {
      await this.drain();
    }
    return this.takeReport();
  }

  async shutdown(): Promise<FlushReport> {
    const report = await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    return report;
  }

  /**
   * Counts a score that never reached the queue because it was invalid: reported as dropped in
   * the next flush's report, with its message in `errors`. The caller logs (once per kind).
   */
  recordRejected(message: string): void {
    this.dropped++;
    this.pushError(message);
  }

  private countDrop(message: string): void {
    if (!this.dropWarned) this.logger.warn(message);
    this.dropWarned = true;
    this.dropped++;
    this.pushError(message);
  }

  private pushError(message: string): void {
    if (this.errors.length < 20 && !this.errors.includes(message)) this.errors.push(message);
  }

  private takeReport(): FlushReport {
    const report: FlushReport = {
      name: this.name,
      delivered: this.delivered,
      dropped: this.dropped,
      failed: this.failed,
      errors: this.errors,
    };
    this.delivered = 0;
    this.dropped = 0;
    this.dropWarned = false;
    this.failed = 0;
    this.errors = [];
    return report;
  }

  private drain(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if (!this.draining) {
      this.draining = (async () => {
        try {
          for (let guard = 0; guard < 1_000_000 && this.queue.length > 0; guard++) {
            const batches: IngestionEvent[][] = [];
            for (let i = 0; i < PARALLEL_BATCHES && this.queue.length > 0; i++) batches.push(this.takeBatch());
            await Promise.all(batches.map((b) => this.sendBatch(b)));
          }
        } finally {
          this.draining = undefined;
        }
      })();
    }
    return this.draining;
  }

  /**
   * Takes the next batch off the queue: at most `batchSize` events and at most `maxBatchBytes`
   * of serialized events (plus the JSON array's commas). An event larger than the cap on its
   * own goes alone, so it is never held back (the server decides; a 413 counts as failed).
   */
  private takeBatch(): IngestionEvent[] {
    // No byte cap (the embedded store has no request body): no event needs serializing here.
    if (this.maxBatchBytes === Number.POSITIVE_INFINITY) return this.queue.splice(0, Math.min(this.batchSize, this.queue.length));
    let bytes = 2;
    let count = 0;
    for (; count < this.batchSize && count < this.queue.length; count++) {
      const size = eventBytes(this.queue[count]) + (count > 0 ? 1 : 0);
      if (count > 0 && bytes + size > this.maxBatchBytes) break;
      bytes += size;
    }
    return this.queue.splice(0, Math.max(1, count));
  }

  private async sendBatch(batch: IngestionEvent[]): Promise<void> {
    let pending = batch;
    let gate = this.commitGate;
    for (let attempt = 0; attempt <= this.maxRetries && pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoff(this.retryBaseMs, attempt));
      const last = attempt === this.maxRetries;
      try {
        const result = await this.options.api.ingestion.batch(pending);
        if (gate) {
          const g = gate;
          gate = undefined;
          await g;
        }
        const byId = new Map(pending.map((e) => [e.id, e]));
        const retry: IngestionEvent[] = [];
        for (const err of result.errors ?? []) {
          const event = byId.get(err.id);
          byId.delete(err.id);
          if (event && isRetryableStatus(err.status) && !last) {
            retry.push(event);
          } else {
            this.failed++;
            const msg = `score ${event ? `"${event.body.name}" ` : ""}rejected by the server (${err.status}${err.message ? `: ${err.message}` : ""})`;
            if (this.failed === 1) this.logger.error(msg);
            this.pushError(msg);
          }
        }
        // Everything not reported as an error (and not retried) counts as delivered.
        this.delivered += byId.size;
        pending = retry;
      } catch (error) {
        const status = error instanceof LangfuseApiError ? error.status : 0;
        if (isRetryableStatus(status) && !last) continue;
        this.failed += pending.length;
        const msg = `sending ${pending.length} score(s) failed: ${describe(error)}`;
        this.logger.error(msg);
        this.pushError(msg);
        return;
      }
    }
  }
}

/** Network errors (status 0), 408, 429 and 5xx may succeed later; everything else will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

function backoff(baseMs: number, attempt: number): number {
  const exp = baseMs * 2 ** (attempt - 1);
  return Math.min(10_000, exp / 2 + Math.random() * exp);
}

/** Serialized size of one event in UTF-8 bytes; an unserializable event counts as small (the send reports it). */
function eventBytes(event: IngestionEvent): number {
  try {
    return Buffer.byteLength(JSON.stringify(event) ?? "", "utf8");
  } catch {
    return 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  if (error instanceof LangfuseApiError) return `${error.status} ${error.message}`;
  return errorMessage(error);
}

/**
 * Anything that queues work for delivery (spans, scores, media uploads, dataset links)
 * registers with the client so that `flush()`/`shutdown()` settle only when all of it was
 * delivered or definitively failed.
 */
export interface FlushReport {
  /** What this queue holds: "spans", "scores", "media", ... */
  name: string;
  delivered: number;
  /** Dropped before sending (queue bound, sampling is NOT a drop). */
  dropped: number;
  /** Sent but definitively failed (after retries). */
  failed: number;
  /** Short human messages, no secrets. */
  errors: string[];
}

export interface Flushable {
  readonly name: string;
  flush(): Promise<FlushReport>;
  shutdown(): Promise<FlushReport>;
}

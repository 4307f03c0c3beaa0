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
  /** Still queued or in flight when the flush stopped waiting (its timeout passed). */
  pending?: number;
}

export interface Flushable {
  readonly name: string;
  /**
   * Called before the spans are flushed (then `flush()`/`shutdown()` run): ends work that would
   * otherwise stay open forever (a stream nobody consumes), so its spans go out with this flush
   * rather than being dropped by the shutdown that follows. Must not throw.
   */
  settle?(reason: "flush" | "shutdown"): void;
  flush(): Promise<FlushReport>;
  shutdown(): Promise<FlushReport>;
}

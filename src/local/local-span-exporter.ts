import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { fromReadableSpan } from "./ingest/from-readable-span";
import { ingestSpans } from "./ingest/ingest-spans";
import type { LocalStore } from "./store";

/**
 * Spans written per step (one transaction each). Ingesting a whole 512-span batch in one
 * synchronous call held the event loop ~20 ms, delaying every timer and I/O callback of the
 * application (an experiment run's 10 ms tasks all finished late); 64 spans take ~2 ms.
 */
const SPANS_PER_STEP = 64;

/** Per store: writes to make inside each span export's transaction (see writeWithSpans). */
const companions = new WeakMap<LocalStore, Set<(committed: Promise<void>) => void>>();

/**
 * Registers `write` to run inside the transaction of every span export into `store`, so its
 * rows share that commit (each commit rewrites the touched index pages and fsyncs the WAL, so
 * one commit instead of two per batch roughly halves that cost). `write` must be synchronous
 * SQLite work on the same store; a throw is caught and ignored here (the spans still commit).
 * `committed` resolves once the shared transaction committed and rejects if it rolled back:
 * only then may the writer count its rows as stored. Returns a function that unregisters it.
 */
export function writeWithSpans(store: LocalStore, write: (committed: Promise<void>) => void): () => void {
  let set = companions.get(store);
  if (!set) companions.set(store, (set = new Set()));
  set.add(write);
  return () => set.delete(write);
}

/**
 * An OTel SpanExporter that writes spans through the ingestion mapping straight into the
 * embedded store: when `export` calls back, the spans are committed (durably, as the store's
 * `synchronous` level promises) and readable through LocalApi. A batch of up to 64 spans is
 * written at once and calls back synchronously; a larger one is written 64 spans per event
 * loop turn (each step its own transaction) so the application keeps running in between, and
 * calls back after the last step. Never throws; failures are reported through the callback.
 */
export class LocalSpanExporter implements SpanExporter {
  private stopped = false;
  /** Exports still writing steps; forceFlush and shutdown wait for them. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly store: LocalStore) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped || this.store.closed) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error("The local span exporter is shut down") });
      return;
    }
    if (spans.length <= SPANS_PER_STEP) {
      resultCallback(this.write(spans, 0, spans.length));
      return;
    }
    // Spans are read when their step runs: ReadableSpans are immutable once ended.
    const done = new Promise<void>((resolve) => {
      let offset = 0;
      const step = (): void => {
        const end = Math.min(spans.length, offset + SPANS_PER_STEP);
        const result = this.store.closed
          ? { code: ExportResultCode.FAILED, error: new Error(`The embedded store was closed with ${spans.length - offset} of ${spans.length} spans not written`) }
          : this.write(spans, offset, end);
        offset = end;
        if (result.code !== ExportResultCode.SUCCESS || offset >= spans.length) {
          resolve();
          resultCallback(result);
          return;
        }
        setImmediate(step);
      };
      step();
    });
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }

  private write(spans: ReadableSpan[], from: number, to: number): ExportResult {
    try {
      const part = from === 0 && to === spans.length ? spans : spans.slice(from, to);
      const extra = companions.get(this.store);
      if (!extra?.size) {
        ingestSpans(this.store, part.map(fromReadableSpan));
      } else {
        // ingestSpans joins this transaction; the companions' writes commit with the spans.
        let settle!: (error?: unknown) => void;
        const committed = new Promise<void>((resolve, reject) => {
          settle = (error) => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error(String(error))));
        });
        committed.catch(() => undefined); // the companions observe it; never unhandled
        try {
          this.store.transaction(() => {
            ingestSpans(this.store, part.map(fromReadableSpan));
            for (const write of extra) {
              try {
                write(committed);
              } catch {
                /* documented: a companion's failure never fails the spans */
              }
            }
          });
        } catch (err) {
          settle(err ?? new Error("the span transaction rolled back"));
          throw err;
        }
        settle();
      }
      return { code: ExportResultCode.SUCCESS };
    } catch (err) {
      return { code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /** Waits for exports still being written (nothing else is buffered). */
  async forceFlush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  /** Stops accepting spans once the exports in progress are written. The store belongs to the backend and is closed there. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.forceFlush();
  }
}

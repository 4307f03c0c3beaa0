import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { fromReadableSpan } from "./ingest/from-readable-span";
import { ingestSpans } from "./ingest/ingest-spans";
import type { LocalStore } from "./store";

/**
 * A batch of up to this many spans is written at once, inside export() (~2 ms). A larger one is
 * written in steps on later event-loop turns, each step one transaction.
 */
const SPANS_PER_STEP = 64;
/**
 * Writing time per step. Ingesting a whole 512-span batch in one synchronous call held the
 * event loop ~20 ms, delaying every timer and I/O callback of the application (an experiment
 * run's 10 ms tasks all finished late). Steps of a fixed 64 spans avoided that but paid one
 * commit (and, under synchronous=FULL, one fsync) per 64 spans: ~20k spans/s. A step now keeps
 * adding 64-span chunks to its transaction until this budget is used, then commits: a loop stall
 * is about the budget plus one chunk and one commit (measured: mostly 5-12 ms), at a few commits
 * per 512-span batch. A commit grows with the index pages it rewrites (random OTel ids put each
 * span on its own page of the id index), and the rare commit that restarts or checkpoints the
 * WAL still takes tens of ms (bench: longest stall 40-60 ms with NORMAL, as before this change).
 */
const STEP_BUDGET_MS = 4;

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

/** Outcome of one write: the export result and, on success, the offset written up to. */
type WriteOutcome = { result: ExportResult; end: number };

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

/**
 * An OTel SpanExporter that writes spans through the ingestion mapping straight into the
 * embedded store: when `export` calls back, the spans are committed (durably, as the store's
 * `synchronous` level promises) and readable through LocalApi. A batch of up to 64 spans is
 * written at once and calls back synchronously; a larger one is written in steps on later
 * event-loop turns (each step one transaction of about STEP_BUDGET_MS of work) so the
 * application keeps running in between, and calls back after the last step. Never throws;
 * failures are reported through the callback.
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
      resultCallback(this.write(spans, 0).result);
      return;
    }
    // Spans are read when their step runs: ReadableSpans are immutable once ended. The first
    // step runs on a later turn too, so export() itself returns at once.
    const done = new Promise<void>((resolve) => {
      let offset = 0;
      const step = (): void => {
        let result: ExportResult;
        if (this.store.closed) {
          result = { code: ExportResultCode.FAILED, error: new Error(`The embedded store was closed with ${spans.length - offset} of ${spans.length} spans not written`) };
        } else {
          const outcome = this.write(spans, offset, performance.now() + STEP_BUDGET_MS);
          result = outcome.result;
          offset = outcome.end;
        }
        if (result.code !== ExportResultCode.SUCCESS || offset >= spans.length) {
          resolve();
          resultCallback(result);
          return;
        }
        setImmediate(step);
      };
      setImmediate(step);
    });
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }

  /**
   * Writes spans from `from` on in one transaction, with the companions: 64-span chunks, at
   * least one, until `deadline` (a performance.now() time) passes; with no deadline, all of
   * them. A failure rolls the whole step back.
   */
  private write(spans: ReadableSpan[], from: number, deadline = Number.POSITIVE_INFINITY): WriteOutcome {
    let end = from;
    const ingest = (): void => {
      do {
        const next = Math.min(spans.length, end + SPANS_PER_STEP);
        // Joins the enclosing transaction (store.transaction nests): one commit per step.
        ingestSpans(this.store, (end === 0 && next === spans.length ? spans : spans.slice(end, next)).map(fromReadableSpan));
        end = next;
      } while (end < spans.length && performance.now() < deadline);
    };
    try {
      const extra = companions.get(this.store);
      if (!extra?.size) {
        this.store.transaction(ingest);
      } else {
        // ingestSpans joins this transaction; the companions' writes commit with the spans.
        let settle!: (error?: unknown) => void;
        const committed = new Promise<void>((resolve, reject) => {
          settle = (error) => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error(String(error))));
        });
        committed.catch(() => undefined); // the companions observe it; never unhandled
        try {
          this.store.transaction(() => {
            ingest();
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
      return { result: SUCCESS, end };
    } catch (err) {
      return { result: { code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) }, end: from };
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

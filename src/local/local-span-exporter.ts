import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { errorMessage } from "../errors";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { fromReadableSpan } from "./ingest/from-readable-span";
import { customModelsFor } from "./api/models";
import { mapSpans } from "./ingest/ingest-spans";
import type { MappedSpan } from "./ingest/mapping/records";
import type { IngestSpan } from "./ingest/span";
import type { LocalStore } from "./store";
import type { UnitOutcome } from "./store-writer-program";

/** Most spans handed to the writer as one unit (a unit also ends where a turn ends). */
const SPANS_PER_UNIT = 128;
/** Spans mapped between two looks at the clock (~0.1 ms of mapping). */
const SPANS_PER_STEP = 32;
/**
 * Mapping time per event-loop turn, shared by all the exports in progress (the span processor
 * runs several at once). Mapping runs on the application's thread (it reads the ReadableSpans,
 * which cannot cross to the writer thread as they are); steps of SPANS_PER_STEP spans are
 * mapped until this budget is used, then what was mapped goes to the writer thread and the
 * export waits for the next turn. A turn so never holds the loop for much more than this plus
 * one step (plus the first unit of an export starting in it, ~0.5 ms), whatever the batch
 * size and however many exports overlap, leaving room under the 5 ms stall goal of the ingest
 * bench for a young-generation GC landing in the same turn.
 */
const MAP_BUDGET_MS = 1;

/** Per store: writes to make inside each span export's transaction (see writeWithSpans). */
const companions = new WeakMap<LocalStore, Set<(committed: Promise<void>) => void>>();

/**
 * Registers `write` to run at the start of every span export into `store`, so that what it
 * writes through `store.writer` joins the export's transaction and shares its commit: one
 * commit instead of two per batch. (Queued scores, sent through LocalApi's `ingestion.batch`,
 * are validated against their score configs and committed on the main connection instead.) `write` runs
 * on the application's thread and must only start writes (not wait for them); a throw is
 * caught and ignored here (the spans still commit). `committed` resolves once the shared
 * transaction committed and rejects if it failed: only then may the writer count its rows as
 * stored. Returns a function that unregisters it.
 */
export function writeWithSpans(store: LocalStore, write: (committed: Promise<void>) => void): () => void {
  let set = companions.get(store);
  if (!set) companions.set(store, (set = new Set()));
  set.add(write);
  return () => set.delete(write);
}

/**
 * An export result that also says how many spans of the batch were rejected alone (a span the
 * mapping or SQLite could not take); the others were stored. `code` is SUCCESS when at least
 * one span was stored.
 */
export interface LocalExportResult extends ExportResult {
  rejectedSpans?: number;
}

/**
 * An OTel SpanExporter that writes spans through the ingestion mapping into the embedded store:
 * when `export` calls back, the spans are committed (durably, as the store's `synchronous`
 * level promises) and readable through LocalApi. Mapping runs here in short steps; SQLite
 * writes run on the store's writer thread (file stores), so neither a commit, a WAL restart nor
 * another process's write lock blocks the application's event loop. A span that cannot be
 * mapped or stored is rejected alone and counted (`rejectedSpans`); the rest of its batch is
 * stored. Never throws; failures are reported through the callback.
 */
export class LocalSpanExporter implements SpanExporter {
  /**
   * Exports this exporter wants in flight at once (LangfuseSpanProcessor reads it unless
   * `exportConcurrency` is set). The writer commits everything queued behind a commit in one
   * transaction, and with random span ids a commit's cost is mostly the index pages it
   * rewrites, which grows far slower than its span count: measured on 300k stored spans, 18 µs
   * of writer time per span at one batch of 512 per commit, 12 µs at 4, 10 µs at 16.
   */
  readonly exportConcurrency = 16;
  private stopped = false;
  /** Exports still writing; forceFlush and shutdown wait for them. */
  private readonly pending = new Set<Promise<void>>();
  /** When the current turn's mapping began (see MAP_BUDGET_MS). */
  private turnStart = 0;
  /** Exports between their first and last mapping step. */
  private mapping = 0;
  /** Resolves at the next turn's start; every export waiting for a turn shares it. */
  private nextTurn: Promise<void> | undefined;

  constructor(private readonly store: LocalStore) {
    // Start the writer thread now, with the app, rather than inside the first export (its
    // start costs the calling thread a few ms).
    store.writer.start();
  }

  export(spans: ReadableSpan[], resultCallback: (result: LocalExportResult) => void): void {
    if (this.stopped || this.store.closed) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error("The local span exporter is shut down") });
      return;
    }
    const done = this.write(spans).then(resultCallback, (err: unknown) =>
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
    );
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }

  private async write(spans: ReadableSpan[]): Promise<LocalExportResult> {
    const writer = this.store.writer;
    const release = writer.hold();
    const units: Promise<UnitOutcome>[] = [];
    let rejected = 0;
    const errors: string[] = [];
    // Settles when every unit of the export committed, or when one failed.
    let settle!: (error?: unknown) => void;
    const committed = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error(String(error))));
    });
    committed.catch(() => undefined); // the companions observe it; never unhandled
    let outcomes: UnitOutcome[];
    // Alone, an export starts a fresh budget and maps its first unit at once; next to others
    // it shares their budget from its first step (several exports starting in one turn, as
    // the span processor starts them, would otherwise each map a unit in that turn).
    const alone = this.mapping++ === 0;
    if (alone) this.turnStart = performance.now();
    try {
      try {
        const extra = companions.get(this.store);
        if (extra?.size) {
          for (const write of extra) {
            try {
              write(committed);
            } catch {
              /* documented: a companion's failure never fails the spans */
            }
          }
        }
        let models = customModelsFor(this.store);
        let unitRows: MappedSpan[] = [];
        const send = () => {
          const unit = writer.write(unitRows);
          unit.catch(() => undefined); // awaited below; a failure must not be unhandled meanwhile
          units.push(unit);
          unitRows = [];
        };
        for (let from = 0; from < spans.length; from += SPANS_PER_STEP) {
          // The first unit of an export started alone is mapped within export() itself: a batch
          // that fits in it is in the writer's hands when export() returns (closing the store
          // then still commits it).
          if ((from >= SPANS_PER_UNIT || !alone) && performance.now() - this.turnStart >= MAP_BUDGET_MS) {
            if (unitRows.length > 0) send();
            // Exports resume in the order they started waiting: the oldest uses a turn's
            // budget first, the others wait for a later turn.
            do await this.waitForTurn();
            while (performance.now() - this.turnStart >= MAP_BUDGET_MS);
            if (this.store.closed) throw new Error(`The embedded store was closed with ${spans.length - from} of ${spans.length} spans not written`);
            // Custom model prices may have changed meanwhile (one cheap query per turn).
            models = customModelsFor(this.store);
          }
          const step: IngestSpan[] = [];
          for (let i = from; i < Math.min(spans.length, from + SPANS_PER_STEP); i++) {
            try {
              step.push(fromReadableSpan(spans[i]!));
            } catch (err) {
              rejected++;
              if (errors.length < 5) errors.push(`span rejected: ${errorMessage(err)}`);
            }
          }
          const batch = mapSpans(this.store, step, 0, step.length, models);
          rejected += batch.rejected;
          for (const e of batch.errors) if (errors.length < 5) errors.push(e);
          for (const row of batch.mapped) unitRows.push(row);
          if (unitRows.length >= SPANS_PER_UNIT) send();
        }
        if (unitRows.length > 0 || (units.length === 0 && spans.length > 0)) send();
      } finally {
        this.mapping--;
        release();
      }
      outcomes = await Promise.all(units);
    } catch (err) {
      settle(err ?? new Error("the span transaction failed"));
      throw err;
    }
    settle();
    let written = 0;
    for (const o of outcomes) {
      written += o.written;
      rejected += o.rejected;
      for (const e of o.errors) if (errors.length < 5) errors.push(e);
    }
    if (rejected === 0) return { code: ExportResultCode.SUCCESS };
    const error = new Error(`${rejected} of ${spans.length} spans rejected: ${errors.join("; ")}`);
    return { code: written > 0 ? ExportResultCode.SUCCESS : ExportResultCode.FAILED, error, rejectedSpans: rejected };
  }

  private waitForTurn(): Promise<void> {
    return (this.nextTurn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.nextTurn = undefined;
        this.turnStart = performance.now();
        resolve();
      }),
    ));
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

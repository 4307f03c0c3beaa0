/**
 * Maps spans and writes them into the store. Observations are upserted by span id, and every
 * trace touched by a batch is merged once (spans of a trace may come in several batches, in any
 * order, children before their root); the SQL and the merge rules are in store-writer-program.ts
 * (shared with the writer thread).
 *
 * One bad span never costs its neighbours: a span the mapping cannot handle (a time out of
 * range, say) is rejected alone, and so is a row SQLite refuses; both are counted.
 */
import { errorMessage } from "../../errors";
import type { LocalStore } from "../store";
import { createRowWriter, writeUnits, type RowWriter } from "../store-writer-program";
import { customModelsFor } from "../api/models";
import { mapSpan } from "./mapping/map-span";
import { withCustomModels } from "./prices";
import type { MappedSpan } from "./mapping/records";
import type { IngestSpan } from "./span";

export interface IngestResult {
  /** Observations written. */
  observations: number;
  traces: number;
  /** Spans rejected alone (mapping or SQLite refused them); the others were written. */
  rejected: number;
  /** The first few reasons for rejections. */
  errors: string[];
}

/** Most reasons kept per result. */
const MAX_ERRORS = 5;

export interface MappedBatch {
  mapped: MappedSpan[];
  rejected: number;
  errors: string[];
}

const describe = (span: IngestSpan, err: unknown) =>
  `span ${typeof span?.spanId === "string" ? span.spanId : "?"} rejected: ${errorMessage(err)}`;

/**
 * Maps spans one by one; a span whose mapping throws is left out and counted. Costs use the
 * store's custom model prices (the models API) ahead of the default table, as Langfuse does
 * (`models`: customModelsFor(store), which a caller mapping many small steps reads once).
 */
export function mapSpans(store: LocalStore, spans: readonly IngestSpan[], from = 0, to = spans.length, models = customModelsFor(store)): MappedBatch {
  const mapped: MappedSpan[] = [];
  let rejected = 0;
  const errors: string[] = [];
  withCustomModels(models, () => {
    for (let i = from; i < to; i++) {
      try {
        mapped.push(mapSpan(spans[i]!));
      } catch (err) {
        rejected++;
        if (errors.length < MAX_ERRORS) errors.push(describe(spans[i]!, err));
      }
    }
  });
  return { mapped, rejected, errors };
}

const writers = new WeakMap<object, RowWriter>();

/**
 * Maps and stores `spans` in one transaction on the calling thread (synchronously), joining an
 * enclosing transaction if one is open.
 */
export function ingestSpans(store: LocalStore, spans: readonly IngestSpan[]): IngestResult {
  if (spans.length === 0) return { observations: 0, traces: 0, rejected: 0, errors: [] };
  const batch = mapSpans(store, spans);
  let writer = writers.get(store.db);
  if (!writer) writers.set(store.db, (writer = createRowWriter(store.db)));
  const w = writer;
  const outcome = writeUnits(store.db, (fn) => store.transaction(fn), w, [batch.mapped])[0]!;
  return {
    observations: outcome.written,
    traces: outcome.traces,
    rejected: batch.rejected + outcome.rejected,
    errors: [...batch.errors, ...outcome.errors].slice(0, MAX_ERRORS),
  };
}

/** Spans per transaction in writeSpans: bounds how long one request holds the write lock. */
export const SPANS_PER_COMMIT = 1_000;

/**
 * Maps and stores `spans` through the store's writer (off the event loop for file stores), in
 * transactions of at most `perCommit` spans, one after the other: a huge batch never holds the
 * write lock for long, and while the next chunk is mapped (here, on a later event-loop turn)
 * the lock is free for other writers, another process included. Resolves once every chunk
 * committed; rejects if a chunk's transaction failed (earlier chunks stay written: each is
 * whole, and writing them again is harmless).
 */
export async function writeSpans(store: LocalStore, spans: readonly IngestSpan[], perCommit = SPANS_PER_COMMIT): Promise<IngestResult> {
  const total: IngestResult = { observations: 0, traces: 0, rejected: 0, errors: [] };
  for (let from = 0; from < spans.length; from += perCommit) {
    if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const batch = mapSpans(store, spans, from, Math.min(spans.length, from + perCommit));
    total.rejected += batch.rejected;
    total.errors.push(...batch.errors);
    const o = await store.writer.write(batch.mapped);
    total.observations += o.written;
    total.traces += o.traces;
    total.rejected += o.rejected;
    total.errors.push(...o.errors);
  }
  total.errors = total.errors.slice(0, MAX_ERRORS);
  return total;
}

import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { fromReadableSpan } from "./ingest/from-readable-span";
import { ingestSpans } from "./ingest/ingest-spans";
import type { LocalStore } from "./store";

/**
 * An OTel SpanExporter that writes spans through the ingestion mapping straight into the
 * embedded store, synchronously: when `export` calls back, the spans are committed and
 * readable through LocalApi. Never throws; failures are reported through the callback.
 */
export class LocalSpanExporter implements SpanExporter {
  private stopped = false;

  constructor(private readonly store: LocalStore) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped || this.store.closed) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error("The local span exporter is shut down") });
      return;
    }
    try {
      ingestSpans(this.store, spans.map(fromReadableSpan));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  async forceFlush(): Promise<void> {
    // Nothing is buffered: every export committed before calling back.
  }

  /** Stops accepting spans. The store belongs to the backend and is closed there. */
  async shutdown(): Promise<void> {
    this.stopped = true;
  }
}

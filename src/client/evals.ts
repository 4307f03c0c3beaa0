import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import type { ResolvedConfig } from "../config/types";
import { DatasetManager } from "../datasets/dataset-manager";
import type { EvalsHost } from "../experiments/host";
import type { Flushable } from "../flushable";
import { ScoreManager } from "../scores/score-manager";
import type { LangfuseClient } from "../tracing/client-handle";
import type { LangfuseSpan, StartAsCurrentObservationOptions } from "../tracing/observations";
import { isTraceSampled } from "../tracing/sampling";
import type { Backend } from "./backend/backend";

/** The evals side of one client: its score queue, dataset manager and experiment host. */
export interface ClientEvals {
  scores: ScoreManager;
  datasets: DatasetManager;
  host: EvalsHost;
}

/** What the evals side needs from its client (the `Langfuse` facade passes itself). */
export interface EvalsClient {
  readonly config: ResolvedConfig;
  readonly backend: Backend;
  registerFlushable(flushable: Flushable): void;
  startAsCurrentObservation<R>(options: StartAsCurrentObservationOptions<"span">, fn: (span: LangfuseSpan) => R): R;
  flush(): Promise<unknown>;
  readonly spanProcessor: { forceFlush(): Promise<void> };
}

/**
 * Builds scores, datasets and the experiment host of one client: scores follow the client's
 * environment, sampling rate and flush settings (smaller batches and a shorter interval than
 * spans, as both official SDKs do, so scores show up promptly; sized by the backend); item
 * traces are root observations of the client's tracer.
 */
export function createClientEvals(client: EvalsClient & LangfuseClient): ClientEvals {
  const { config, backend } = client;
  const scores = new ScoreManager({
    api: backend.api,
    tracingEnabled: config.tracingEnabled,
    ...(config.environment ? { environment: config.environment } : {}),
    isTraceSampled: (traceId) => isTraceSampled(traceId, config.sampleRate),
    ...backend.scoreQueueOptions(config.flushAt),
    flushIntervalMs: Math.min(config.flushIntervalSeconds, 1) * 1000,
    maxQueueSize: config.maxQueueSize,
    // The HTTP API already retries each request with backoff; one more round covers 207 partial failures.
    maxRetries: 1,
  });
  client.registerFlushable(scores);
  backend.connectScores(scores);
  let spansInFlight: Promise<unknown> | undefined;
  const host: EvalsHost = {
    api: backend.api,
    scores,
    client,
    runInRootSpan(options, fn) {
      // Starting from the empty root context makes the observation the parentless root of a
      // new trace, even when called inside another observed function.
      return Promise.resolve(
        context.with(ROOT_CONTEXT, () =>
          client.startAsCurrentObservation({ name: options.name }, (span) => {
            if (options.attributes) span.otelSpan.setAttributes(options.attributes);
            return fn(span);
          }),
        ),
      );
    },
    flush: () => client.flush(),
    ...(backend.datasetRunUrl ? { datasetRunUrl: backend.datasetRunUrl } : {}),
    // Into the embedded store, writing the spans and scores of each wave of finished items in
    // the idle gap right after it keeps the event loop free while tasks run and leaves the
    // final flush a few dozen rows instead of hundreds (one ~20 ms block at the end of a run).
    // Spans are started through the processor's forceFlush (the only way to start its export
    // early): that takes the processor's report, as the runner's own final flush always did;
    // nothing reads either, and scores' counts are untouched (sendSoon takes no report).
    ...(backend.writesInProcess && config.tracingEnabled
      ? {
          sendSoon: () => {
            // Spans first: each span export starts the queued scores' send at its start
            // (connectScores), so the scores' own send, scheduled after it, usually finds
            // nothing left; when it does find scores, they go in their own commit (nothing is
            // lost or written twice), as when no export runs.
            spansInFlight ??= client.spanProcessor.forceFlush().then(
              () => (spansInFlight = undefined),
              () => (spansInFlight = undefined),
            );
            scores.queue.sendSoon();
          },
        }
      : {}),
  };
  return { scores, datasets: new DatasetManager(host), host };
}

import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import type { Langfuse } from "../client/langfuse";
import type { EvalsHost } from "../datasets/types";
import { DatasetManager } from "../datasets/dataset-manager";
import { ScoreManager } from "../scores/score-manager";
import { isTraceSampled } from "../tracing/sampling";

/** The evals side of one client: its score queue, dataset manager and experiment host. */
export interface ClientEvals {
  scores: ScoreManager;
  datasets: DatasetManager;
  host: EvalsHost;
}

/**
 * Wires scores, datasets and experiments to a `Langfuse` client: scores follow the client's
 * environment, sampling rate and flush settings (smaller batches and a shorter interval than
 * spans, as both official SDKs do, so scores show up promptly); item traces are root
 * observations of the client's tracer.
 */
export function createClientEvals(client: Langfuse): ClientEvals {
  const config = client.config;
  const scores = new ScoreManager({
    api: client.api,
    tracingEnabled: config.tracingEnabled,
    ...(config.environment ? { environment: config.environment } : {}),
    isTraceSampled: (traceId) => isTraceSampled(traceId, config.sampleRate),
    // Over HTTP small batches keep latency low; into the embedded store each batch is one
    // SQLite commit (per-commit page writes and an fsync), so scores go in few, large commits
    // (the experiment runner starts them after each wave of items through host.sendSoon).
    flushAt: Math.min(config.flushAt, config.mode === "local" ? 1000 : 15),
    // No HTTP body limit into the embedded store: no byte cap, so no event is serialized just
    // to measure it.
    ...(config.mode === "local" ? { batchSize: 1000, maxBatchBytes: Number.POSITIVE_INFINITY } : {}),
    flushIntervalMs: Math.min(config.flushIntervalSeconds, 1) * 1000,
    maxQueueSize: config.maxQueueSize,
    // The HTTP API already retries each request with backoff; one more round covers 207 partial failures.
    maxRetries: 1,
  });
  client.registerFlushable(scores);
  // Into the embedded store, queued scores ride along in each span export's commit.
  if (client.config.mode === "local" && client.backend.mode === "local") {
    // Loaded only in local mode (the backend has already loaded the embedded store then).
    const { LocalApi } = require("../local/local-api") as typeof import("../local/local-api");
    const { writeWithSpans } = require("../local/local-span-exporter") as typeof import("../local/local-span-exporter");
    if (client.api instanceof LocalApi) writeWithSpans(client.api.store, (committed) => scores.queue.sendNow(committed));
  }
  let spansInFlight: Promise<unknown> | undefined;
  const host: EvalsHost = {
    api: client.api,
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
    // Into the embedded store, writing the spans and scores of each wave of finished items in
    // the idle gap right after it keeps the event loop free while tasks run and leaves the
    // final flush a few dozen rows instead of hundreds (one ~20 ms block at the end of a run).
    // Spans are started through the processor's forceFlush (the only way to start its export
    // early): that takes the processor's report, as the runner's own final flush always did;
    // nothing reads either, and scores' counts are untouched (sendSoon takes no report).
    ...(config.mode === "local" && config.tracingEnabled
      ? {
          sendSoon: () => {
            // Spans first. An export of up to 64 spans is written at once and takes the queued
            // scores into its transaction (writeWithSpans below), so the scores' own send,
            // scheduled after it, finds nothing left. A larger export is written in steps from a
            // later turn: the scores' send may then commit them in their own transaction first
            // (one extra commit; nothing is lost or written twice), as when no export runs.
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

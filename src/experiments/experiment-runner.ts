import { SpanStatusCode } from "@opentelemetry/api";
import * as crypto from "node:crypto";
import { createHash, randomBytes } from "node:crypto";
import type { Json } from "../api/types";
import { LangfuseValidationError, type ValidationIssue, errorMessage } from "../errors";
import { Attr } from "../tracing/constants";
import { logger } from "../logger";
import { propagateAttributes, type PropagatedExperimentAttributes } from "../tracing/propagation";
import { serializeValue } from "../tracing/serialize";
import type { EvalsHost, RunObservation } from "../datasets/types";
import { Evaluation, normalizeEvaluations } from "./evaluation";
import { ExperimentResult } from "./experiment-result";
import { ProgressBar } from "./progress-bar";
import type { EvaluatorError, ExperimentItem, ExperimentItemResult, ExperimentOptions, TaskArgs } from "./types";
import { runPool } from "./worker-pool";

/** As the seed documents for `max_concurrency`. */
export const DEFAULT_MAX_CONCURRENCY = 3;
/** Fewest finished items whose spans and scores the runner asks the host to write early. */
const SEND_EVERY_MIN = 50;
/** No serialization cap for ids and attributes computed here. */
const NO_CAP = Number.MAX_SAFE_INTEGER;
const INVALID_TRACE_ID = "0".repeat(32);

interface RunContext {
  name: string;
  runName: string;
  description?: string;
  metadata?: Record<string, Json>;
  experimentMetadataJson?: string;
  traceMetadata: Record<string, string>;
  localExperimentId: string;
  datasetVersion?: string;
}

/**
 * Runs an experiment: the task over every item (at most `maxConcurrency` at once), each in its
 * own trace, then the item evaluators and the run evaluators. A failing task or evaluator is
 * recorded on that item's result and does not stop the run; results keep input order.
 * Dataset items are linked as run items of `runName`; run-level scores go on that dataset run.
 */
export async function runExperimentWithHost<I extends ExperimentItem, O>(
  host: EvalsHost,
  options: ExperimentOptions<I, O> & { datasetVersion?: string; datasetRunUrl?: (datasetRunId: string) => string | undefined },
): Promise<ExperimentResult<I, O>> {
  validateOptions(options);
  const started = Date.now();
  const data = options.data;
  const maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  const ctx: RunContext = {
    name: options.name,
    runName: options.runName ?? `${options.name} - ${new Date().toISOString()}`,
    traceMetadata: {},
    // One id per run for local data (v3 drew one per item, fixed in v4).
    localExperimentId: randomBytes(8).toString("hex"),
  };
  if (options.description !== undefined) ctx.description = options.description;
  if (options.datasetVersion !== undefined) ctx.datasetVersion = options.datasetVersion;
  if (options.metadata !== undefined) {
    ctx.metadata = options.metadata;
    ctx.experimentMetadataJson = serializeValue(options.metadata, NO_CAP);
    for (const [k, v] of Object.entries(options.metadata)) {
      const s = serializeValue(v, 200);
      if (s !== undefined) ctx.traceMetadata[k] = s;
    }
  }

  const results: ExperimentItemResult<I, O>[] = new Array(data.length);
  const bar = ProgressBar.enabledFor(options.progress) && data.length > 0 ? new ProgressBar(options.name, data.length) : undefined;
  // Items finish in waves of about maxConcurrency; once a wave's worth (at least
  // SEND_EVERY_MIN items) has finished, the host starts writing their spans and scores, which
  // runs right after the callbacks of that wave, while the next wave's tasks wait on I/O.
  const sendEvery = Math.max(maxConcurrency, SEND_EVERY_MIN);
  let finishedSinceSend = 0;
  await runPool(data.length, maxConcurrency, async (index) => {
    const result = await runItem(host, ctx, options, data[index], index);
    results[index] = result;
    bar?.tick(result.error !== undefined);
    if (host.sendSoon && ++finishedSinceSend >= sendEvery) {
      finishedSinceSend = 0;
      host.sendSoon();
    }
  });
  bar?.finish();

  const datasetRunId = results.find((r) => r.datasetRunId)?.datasetRunId;
  const succeeded = results.filter((r) => r.error === undefined);
  const runEvaluations: Evaluation[] = [];
  const runEvaluatorErrors: EvaluatorError[] = [];
  const runOutcomes = await Promise.all(
    (options.runEvaluators ?? []).map(async (evaluator, i) => {
      const evaluatorName = nameOf(evaluator, `runEvaluator#${i + 1}`);
      try {
        const raw = await evaluator({ itemResults: succeeded, langfuse: host.client });
        return { evaluations: normalizeEvaluations(raw) };
      } catch (error) {
        logger.error(`Run evaluator ${evaluatorName} failed: ${message(error)}`);
        return { error: { evaluator: evaluatorName, message: message(error) } };
      }
    }),
  );
  for (const o of runOutcomes) {
    if (o.error) runEvaluatorErrors.push(o.error);
    else runEvaluations.push(...o.evaluations);
  }
  // Run-level scores need a dataset run to hang on; local experiments keep them in the result only.
  if (datasetRunId) {
    for (const e of runEvaluations) host.scores.create({ ...scoreFields(e), datasetRunId });
  }

  await host.flush();
  return new ExperimentResult<I, O>({
    name: ctx.name,
    runName: ctx.runName,
    ...(ctx.description !== undefined ? { description: ctx.description } : {}),
    experimentId: datasetRunId ?? ctx.localExperimentId,
    itemResults: results,
    runEvaluations,
    runEvaluatorErrors,
    ...(datasetRunId ? { datasetRunId } : {}),
    ...(datasetRunId && options.datasetRunUrl?.(datasetRunId) ? { datasetRunUrl: options.datasetRunUrl(datasetRunId) } : {}),
    durationMs: Date.now() - started,
  });
}

async function runItem<I extends ExperimentItem, O>(
  host: EvalsHost,
  ctx: RunContext,
  options: ExperimentOptions<I, O>,
  item: I,
  index: number,
): Promise<ExperimentItemResult<I, O>> {
  const result: ExperimentItemResult<I, O> = {
    index,
    item,
    input: item?.input as I["input"],
    expectedOutput: item?.expectedOutput as I["expectedOutput"],
    output: undefined,
    evaluations: [],
    evaluatorErrors: [],
  };

  const rootAttributes: Record<string, string> = { [Attr.ENVIRONMENT]: "sdk-experiment" };
  if (ctx.description !== undefined) rootAttributes[Attr.EXPERIMENT_DESCRIPTION] = ctx.description;
  const expected = item?.expectedOutput === null ? undefined : serializeValue(item?.expectedOutput, NO_CAP);
  if (expected !== undefined) rootAttributes[Attr.EXPERIMENT_ITEM_EXPECTED_OUTPUT] = expected;

  let span: RunObservation | undefined;
  try {
    await host.runInRootSpan({ name: "experiment-item-run", attributes: rootAttributes }, async (root) => {
      span = root;
      // With tracing off the root is a no-op span (all-zero ids): nothing to link or score.
      const traced = root.traceId !== INVALID_TRACE_ID;
      if (traced) {
        result.traceId = root.traceId;
        result.observationId = root.id;
      }
      const dataset = datasetIdsOf(item);

      if (dataset && traced) {
        try {
          const runItem = await host.api.datasetRunItems.create({
            runName: ctx.runName,
            ...(ctx.description !== undefined ? { runDescription: ctx.description } : {}),
            ...(ctx.metadata !== undefined ? { metadata: ctx.metadata } : {}),
            datasetItemId: dataset.itemId,
            traceId: root.traceId,
            observationId: root.id,
            ...(ctx.datasetVersion ? { datasetVersion: ctx.datasetVersion } : {}),
          });
          result.datasetRunId = runItem.datasetRunId;
        } catch (error) {
          // The item still runs; only its link to the dataset run is missing.
          logger.error(`Linking dataset item ${dataset.itemId} to run "${ctx.runName}" failed: ${message(error)}`);
        }
      }

      const experiment: PropagatedExperimentAttributes = {
        id: result.datasetRunId ?? ctx.localExperimentId,
        name: ctx.runName,
        itemId: dataset?.itemId ?? localItemId(item?.input),
        itemRootObservationId: root.id,
      };
      if (ctx.experimentMetadataJson !== undefined) experiment.metadata = ctx.experimentMetadataJson;
      if (dataset) experiment.datasetId = dataset.datasetId;
      const itemMetadataJson = item?.metadata === undefined || item?.metadata === null ? undefined : serializeValue(item.metadata, NO_CAP);
      if (itemMetadataJson !== undefined) experiment.itemMetadata = itemMetadataJson;

      const observationMetadata: Record<string, unknown> = {
        ...ctx.metadata,
        experiment_name: ctx.name,
        experiment_run_name: ctx.runName,
        ...(dataset ? { dataset_id: dataset.datasetId, dataset_item_id: dataset.itemId } : {}),
        ...(isPlainObject(item?.metadata) ? item.metadata : {}),
      };

      try {
        if (item === null || typeof item !== "object" || item.input === undefined || item.input === null) {
          throw new LangfuseValidationError("Experiment item is missing input");
        }
        const args: TaskArgs<I> = {
          item,
          input: item.input as I["input"],
          expectedOutput: item.expectedOutput as I["expectedOutput"],
          metadata: item.metadata as I["metadata"],
          langfuse: host.client,
        };
        const traceMetadata = Object.keys(ctx.traceMetadata).length ? { metadata: ctx.traceMetadata } : {};
        const output = await propagateAttributes({ ...traceMetadata, experiment }, () => options.task(args));
        result.output = output;
        root.update({ input: item.input, output, metadata: observationMetadata });
      } catch (error) {
        result.error = message(error);
        root.update({ input: item?.input, output: `Error: ${result.error}`, metadata: observationMetadata, level: "ERROR", statusMessage: result.error });
        root.otelSpan.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
      }
    });
  } catch (error) {
    // The tracing layer itself failed: still report the item, never lose it.
    result.error ??= message(error);
  }

  if (result.error !== undefined || !span) {
    if (result.error === undefined) result.error = "the item's trace could not be started";
    return result;
  }

  const evaluators = options.evaluators ?? [];
  const outcomes = await Promise.all(
    evaluators.map(async (evaluator, i) => {
      const evaluatorName = nameOf(evaluator, `evaluator#${i + 1}`);
      try {
        // `await` on a plain value keeps sync evaluators' results (the JS SDK drops them).
        const raw = await evaluator({
          input: result.input,
          output: result.output as O,
          expectedOutput: result.expectedOutput,
          metadata: item.metadata as I["metadata"],
          item,
          langfuse: host.client,
        });
        return { evaluations: normalizeEvaluations(raw) };
      } catch (error) {
        logger.error(`Evaluator ${evaluatorName} failed on item ${index + 1}: ${message(error)}`);
        return { error: { evaluator: evaluatorName, message: message(error) } };
      }
    }),
  );
  for (const o of outcomes) {
    if (o.error) result.evaluatorErrors.push(o.error);
    else result.evaluations.push(...o.evaluations);
  }
  if (result.traceId) {
    for (const e of result.evaluations) host.scores.create({ ...scoreFields(e), traceId: result.traceId, observationId: span.id });
  }
  return result;
}

function scoreFields(e: Evaluation) {
  return {
    name: e.name,
    value: e.value,
    ...(e.dataType ? { dataType: e.dataType } : {}),
    ...(e.comment !== undefined ? { comment: e.comment } : {}),
    ...(e.metadata !== undefined ? { metadata: e.metadata } : {}),
    ...(e.configId !== undefined ? { configId: e.configId } : {}),
  };
}

function datasetIdsOf(item: unknown): { itemId: string; datasetId: string } | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const { id, datasetId } = item as { id?: unknown; datasetId?: unknown };
  return typeof id === "string" && typeof datasetId === "string" ? { itemId: id, datasetId } : undefined;
}

/** `crypto.hash` (Node >= 20.12): the same digest without a Hash object per item. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

/** Local items have no id: derive a stable one from the input, as both official SDKs do. */
export function localItemId(input: unknown): string {
  const text = serializeValue(input, NO_CAP) ?? "";
  return (oneShotHash ? oneShotHash("sha256", text, "hex") : createHash("sha256").update(text).digest("hex")).slice(0, 16);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function nameOf(fn: unknown, fallback: string): string {
  const named = fn as { evaluatorName?: unknown; name?: unknown };
  if (typeof named?.evaluatorName === "string" && named.evaluatorName) return named.evaluatorName;
  return typeof named?.name === "string" && named.name ? named.name : fallback;
}

function message(error: unknown): string {
  return errorMessage(error);
}

function validateOptions<I extends ExperimentItem, O>(options: ExperimentOptions<I, O>): void {
  const issues: ValidationIssue[] = [];
  if (!options || typeof options !== "object") throw new LangfuseValidationError("Invalid experiment options", [{ path: "options", message: "must be an object" }]);
  if (typeof options.name !== "string" || options.name.trim() === "") issues.push({ path: "name", message: "must be a non-empty string" });
  if (options.runName !== undefined && (typeof options.runName !== "string" || options.runName.trim() === "")) {
    issues.push({ path: "runName", message: "must be a non-empty string" });
  }
  if (!Array.isArray(options.data)) issues.push({ path: "data", message: "must be an array of items" });
  if (typeof options.task !== "function") issues.push({ path: "task", message: "must be a function" });
  for (const key of ["evaluators", "runEvaluators"] as const) {
    const list = options[key];
    if (list !== undefined && (!Array.isArray(list) || list.some((f) => typeof f !== "function"))) {
      issues.push({ path: key, message: "must be an array of functions" });
    }
  }
  const mc = options.maxConcurrency;
  if (mc !== undefined && (!Number.isInteger(mc) || mc < 1)) issues.push({ path: "maxConcurrency", message: "must be an integer >= 1" });
  if (issues.length) throw new LangfuseValidationError("Invalid experiment options", issues);
}

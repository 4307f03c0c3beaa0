import { SpanStatusCode } from "@opentelemetry/api";
import * as crypto from "node:crypto";
import { createHash, randomBytes } from "node:crypto";
import type { Json } from "../api/types";
import { LangfuseValidationError, type ValidationIssue, errorMessage } from "../errors";
import { Attr } from "../tracing/constants";
import { logger } from "../logger";
import { propagateAttributes, type PropagatedExperimentAttributes } from "../tracing/propagation";
import { serializeValue } from "../tracing/serialize";
import type { EvalsHost, RunObservation } from "./host";
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
  const { evaluations: runEvaluations, errors: runEvaluatorErrors } = await runEvaluators(
    options.runEvaluators ?? [],
    () => ({ itemResults: succeeded, langfuse: host.client }),
    (i) => `runEvaluator#${i + 1}`,
    (name, why) => `Run evaluator ${name} failed: ${why}`,
  );
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

/** One item: its traced task run, then its evaluators, whose evaluations become the trace's scores. */
async function runItem<I extends ExperimentItem, O>(
  host: EvalsHost,
  ctx: RunContext,
  options: ExperimentOptions<I, O>,
  item: I,
  index: number,
): Promise<ExperimentItemResult<I, O>> {
  const result = emptyResult<I, O>(item, index);
  const root = await traceItem(host, ctx, options, item, result);
  if (result.error !== undefined || !root) {
    if (result.error === undefined) result.error = "the item's trace could not be started";
    return result;
  }
  const { evaluations, errors } = await runEvaluators(
    options.evaluators ?? [],
    () => ({
      input: result.input,
      output: result.output as O,
      expectedOutput: result.expectedOutput,
      metadata: item.metadata as I["metadata"],
      item,
      langfuse: host.client,
    }),
    (i) => `evaluator#${i + 1}`,
    (name, why) => `Evaluator ${name} failed on item ${index + 1}: ${why}`,
  );
  result.evaluatorErrors.push(...errors);
  result.evaluations.push(...evaluations);
  if (result.traceId) {
    for (const e of result.evaluations) host.scores.create({ ...scoreFields(e), traceId: result.traceId, observationId: root.id });
  }
  return result;
}

function emptyResult<I extends ExperimentItem, O>(item: I, index: number): ExperimentItemResult<I, O> {
  return {
    index,
    item,
    input: item?.input as I["input"],
    expectedOutput: item?.expectedOutput as I["expectedOutput"],
    output: undefined,
    evaluations: [],
    evaluatorErrors: [],
  };
}

/**
 * Runs the task in the item's root span (linked to the dataset run for dataset items) and
 * records the output or the error on `result`. Returns the root span, undefined if the tracing
 * layer could not start one.
 */
async function traceItem<I extends ExperimentItem, O>(
  host: EvalsHost,
  ctx: RunContext,
  options: ExperimentOptions<I, O>,
  item: I,
  result: ExperimentItemResult<I, O>,
): Promise<RunObservation | undefined> {
  let span: RunObservation | undefined;
  try {
    await host.runInRootSpan({ name: "experiment-item-run", attributes: rootAttributes(ctx, item) }, async (root) => {
      span = root;
      // With tracing off the root is a no-op span (all-zero ids): nothing to link or score.
      const traced = root.traceId !== INVALID_TRACE_ID;
      if (traced) {
        result.traceId = root.traceId;
        result.observationId = root.id;
      }
      const dataset = datasetIdsOf(item);
      if (dataset && traced) {
        const datasetRunId = await linkToDatasetRun(host, ctx, dataset.itemId, root);
        if (datasetRunId !== undefined) result.datasetRunId = datasetRunId;
      }
      const experiment = experimentAttributes(ctx, item, dataset, root.id, result.datasetRunId);
      await runTask(host, ctx, options, item, { root, experiment, metadata: rootMetadata(ctx, item, dataset) }, result);
    });
  } catch (error) {
    // The tracing layer itself failed: still report the item, never lose it.
    result.error ??= errorMessage(error);
  }
  return span;
}

function rootAttributes(ctx: RunContext, item: ExperimentItem): Record<string, string> {
  const attributes: Record<string, string> = { [Attr.ENVIRONMENT]: "sdk-experiment" };
  if (ctx.description !== undefined) attributes[Attr.EXPERIMENT_DESCRIPTION] = ctx.description;
  const expected = item?.expectedOutput === null ? undefined : serializeValue(item?.expectedOutput, NO_CAP);
  if (expected !== undefined) attributes[Attr.EXPERIMENT_ITEM_EXPECTED_OUTPUT] = expected;
  return attributes;
}

/** The dataset run id of the new run item; undefined (logged) if linking failed. */
async function linkToDatasetRun(host: EvalsHost, ctx: RunContext, datasetItemId: string, root: RunObservation): Promise<string | undefined> {
  try {
    const runItem = await host.api.datasetRunItems.create({
      runName: ctx.runName,
      ...(ctx.description !== undefined ? { runDescription: ctx.description } : {}),
      ...(ctx.metadata !== undefined ? { metadata: ctx.metadata } : {}),
      datasetItemId,
      traceId: root.traceId,
      observationId: root.id,
      ...(ctx.datasetVersion ? { datasetVersion: ctx.datasetVersion } : {}),
    });
    return runItem.datasetRunId;
  } catch (error) {
    // The item still runs; only its link to the dataset run is missing.
    logger.error(`Linking dataset item ${datasetItemId} to run "${ctx.runName}" failed: ${errorMessage(error)}`);
    return undefined;
  }
}

/** The experiment attributes propagated to every span of the item's task. */
function experimentAttributes(
  ctx: RunContext,
  item: ExperimentItem,
  dataset: DatasetIds | undefined,
  rootId: string,
  datasetRunId: string | undefined,
): PropagatedExperimentAttributes {
  const experiment: PropagatedExperimentAttributes = {
    id: datasetRunId ?? ctx.localExperimentId,
    name: ctx.runName,
    itemId: dataset?.itemId ?? localItemId(item?.input),
    itemRootObservationId: rootId,
  };
  if (ctx.experimentMetadataJson !== undefined) experiment.metadata = ctx.experimentMetadataJson;
  if (dataset) experiment.datasetId = dataset.datasetId;
  const itemMetadataJson = item?.metadata === undefined || item?.metadata === null ? undefined : serializeValue(item.metadata, NO_CAP);
  if (itemMetadataJson !== undefined) experiment.itemMetadata = itemMetadataJson;
  return experiment;
}

/** The root observation's metadata: run metadata, experiment and dataset names, the item's metadata. */
function rootMetadata(ctx: RunContext, item: ExperimentItem, dataset: DatasetIds | undefined): Record<string, unknown> {
  return {
    ...ctx.metadata,
    experiment_name: ctx.name,
    experiment_run_name: ctx.runName,
    ...(dataset ? { dataset_id: dataset.datasetId, dataset_item_id: dataset.itemId } : {}),
    ...(isPlainObject(item?.metadata) ? item.metadata : {}),
  };
}

/** Where the task runs: its root span, what it propagates, the root's metadata. */
interface TaskScope {
  root: RunObservation;
  experiment: PropagatedExperimentAttributes;
  metadata: Record<string, unknown>;
}

/** Runs the task with the experiment attributes propagated; output or error go on `result` and the root span. */
async function runTask<I extends ExperimentItem, O>(
  host: EvalsHost,
  ctx: RunContext,
  options: ExperimentOptions<I, O>,
  item: I,
  { root, experiment, metadata }: TaskScope,
  result: ExperimentItemResult<I, O>,
): Promise<void> {
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
    root.update({ input: item.input, output, metadata });
  } catch (error) {
    result.error = errorMessage(error);
    root.update({ input: item?.input, output: `Error: ${result.error}`, metadata, level: "ERROR", statusMessage: result.error });
    root.otelSpan.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
  }
}

/**
 * Runs evaluators concurrently on fresh `args()` each; a failing one is logged and recorded as
 * an error, the others' evaluations are kept in evaluator order.
 */
async function runEvaluators<A>(
  evaluators: readonly ((args: A) => unknown)[],
  args: () => A,
  fallbackName: (index: number) => string,
  failure: (evaluatorName: string, why: string) => string,
): Promise<{ evaluations: Evaluation[]; errors: EvaluatorError[] }> {
  const outcomes = await Promise.all(
    evaluators.map(async (evaluator, i) => {
      const evaluatorName = nameOf(evaluator, fallbackName(i));
      try {
        // `await` on a plain value keeps sync evaluators' results (the JS SDK drops them).
        const raw = await evaluator(args());
        return { evaluations: normalizeEvaluations(raw) };
      } catch (error) {
        logger.error(failure(evaluatorName, errorMessage(error)));
        return { error: { evaluator: evaluatorName, message: errorMessage(error) } };
      }
    }),
  );
  const evaluations: Evaluation[] = [];
  const errors: EvaluatorError[] = [];
  for (const o of outcomes) {
    if (o.error) errors.push(o.error);
    else evaluations.push(...o.evaluations);
  }
  return { evaluations, errors };
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

interface DatasetIds {
  itemId: string;
  datasetId: string;
}

function datasetIdsOf(item: unknown): DatasetIds | undefined {
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

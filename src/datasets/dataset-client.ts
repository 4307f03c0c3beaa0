import type * as T from "../api/types";
import { LangfuseValidationError } from "../errors";
import { Attr } from "../tracing/constants";
import type { EvalsHost, RunObservation } from "../experiments/host";
import { runExperimentWithHost } from "../experiments/experiment-runner";
import type { ExperimentResult } from "../experiments/experiment-result";
import type { DatasetExperimentOptions } from "../experiments/types";

export interface ItemRunOptions {
  /** Runs with the same name form one dataset run; include a timestamp to keep them apart. */
  runName: string;
  runDescription?: string;
  runMetadata?: T.Json;
}

/**
 * One dataset item as returned by `getDataset`/`createDatasetItem`, with `run()` to record a
 * manual evaluation of it as a dataset run item.
 */
export class DatasetItemClient implements T.DatasetItem {
  readonly id: string;
  readonly status: T.DatasetStatus;
  readonly input: T.Json;
  readonly expectedOutput: T.Json;
  readonly metadata: T.Json;
  readonly sourceTraceId: string | null;
  readonly sourceObservationId: string | null;
  readonly datasetId: string;
  readonly datasetName: string;
  readonly createdAt: string;
  readonly updatedAt: string;

  constructor(
    private readonly host: EvalsHost,
    item: T.DatasetItem,
    /** The dataset version (ISO) the item was read at, if a snapshot was requested. */
    readonly datasetVersion?: string,
  ) {
    this.id = item.id;
    this.status = item.status;
    this.input = item.input;
    this.expectedOutput = item.expectedOutput;
    this.metadata = item.metadata;
    this.sourceTraceId = item.sourceTraceId;
    this.sourceObservationId = item.sourceObservationId;
    this.datasetId = item.datasetId;
    this.datasetName = item.datasetName;
    this.createdAt = item.createdAt;
    this.updatedAt = item.updatedAt;
  }

  /**
   * Runs `fn` inside a new trace whose root span ("Dataset run: <runName>") is linked to this
   * item as a run item of `runName` (trace and observation id) before `fn` starts. Score the
   * result through the span (`span.score`, `span.scoreTrace`). Resolves to `fn`'s result; a
   * failure to create the run item rejects with the API error.
   */
  async run<R>(options: ItemRunOptions, fn: (span: RunObservation) => R | Promise<R>): Promise<R> {
    if (!options || typeof options.runName !== "string" || options.runName.trim() === "") {
      throw new LangfuseValidationError("Invalid dataset run", [{ path: "runName", message: "must be a non-empty string" }]);
    }
    if (typeof fn !== "function") throw new LangfuseValidationError("Invalid dataset run", [{ path: "fn", message: "must be a function" }]);
    const { runName } = options;
    const name = `Dataset run: ${runName}`;
    return this.host.runInRootSpan(
      {
        name,
        attributes: {
          [Attr.TRACE_NAME]: name,
          [`${Attr.TRACE_METADATA}.dataset_item_id`]: this.id,
          [`${Attr.TRACE_METADATA}.run_name`]: runName,
          [`${Attr.TRACE_METADATA}.dataset_id`]: this.datasetId,
        },
      },
      async (span) => {
        const body: T.CreateDatasetRunItemRequest = {
          runName,
          datasetItemId: this.id,
          traceId: span.traceId,
          observationId: span.id,
        };
        if (options.runDescription !== undefined) body.runDescription = options.runDescription;
        if (options.runMetadata !== undefined) body.metadata = options.runMetadata;
        if (this.datasetVersion) body.datasetVersion = this.datasetVersion;
        await this.host.api.datasetRunItems.create(body);
        return fn(span);
      },
    );
  }

  /**
   * Links an observation (or a whole trace: `{ traceId }`) recorded elsewhere to this item as a
   * run item of `runName`, as the v3 SDK's `item.link(observation, runName)` does. Resolves to
   * the created run item; rejects with the API error (a typed validation error for bad input).
   */
  async link(
    observation: { traceId: string; id?: string },
    runName: string,
    options: { description?: string; metadata?: T.Json } = {},
  ): Promise<T.DatasetRunItem> {
    const issues = [];
    if (!observation || typeof observation.traceId !== "string" || observation.traceId === "") issues.push({ path: "observation.traceId", message: "must be a non-empty string" });
    if (observation?.id !== undefined && (typeof observation.id !== "string" || observation.id === "")) issues.push({ path: "observation.id", message: "must be a non-empty string" });
    if (typeof runName !== "string" || runName.trim() === "") issues.push({ path: "runName", message: "must be a non-empty string" });
    if (issues.length) throw new LangfuseValidationError("Invalid dataset item link", issues);
    const body: T.CreateDatasetRunItemRequest = { runName, datasetItemId: this.id, traceId: observation.traceId };
    if (observation.id) body.observationId = observation.id;
    if (options.description !== undefined) body.runDescription = options.description;
    if (options.metadata !== undefined) body.metadata = options.metadata;
    if (this.datasetVersion) body.datasetVersion = this.datasetVersion;
    return this.host.api.datasetRunItems.create(body);
  }

  toJSON(): T.DatasetItem {
    return {
      id: this.id,
      status: this.status,
      input: this.input,
      expectedOutput: this.expectedOutput,
      metadata: this.metadata,
      sourceTraceId: this.sourceTraceId,
      sourceObservationId: this.sourceObservationId,
      datasetId: this.datasetId,
      datasetName: this.datasetName,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}

/** A fetched dataset: its fields, its ACTIVE items (at `version` if given) and `runExperiment`. */
export class DatasetClient implements T.Dataset {
  readonly id: string;
  readonly projectId?: string;
  readonly name: string;
  readonly description: string | null;
  readonly metadata: T.Json;
  readonly inputSchema: T.Json | null;
  readonly expectedOutputSchema: T.Json | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly items: DatasetItemClient[];

  constructor(
    private readonly host: EvalsHost,
    dataset: T.Dataset,
    items: T.DatasetItem[],
    /** ISO timestamp of the snapshot, when one was requested. */
    readonly version?: string,
  ) {
    this.id = dataset.id;
    if (dataset.projectId !== undefined) this.projectId = dataset.projectId;
    this.name = dataset.name;
    this.description = dataset.description;
    this.metadata = dataset.metadata;
    this.inputSchema = dataset.inputSchema;
    this.expectedOutputSchema = dataset.expectedOutputSchema;
    this.createdAt = dataset.createdAt;
    this.updatedAt = dataset.updatedAt;
    this.items = items.map((i) => new DatasetItemClient(host, i, version));
  }

  /** Runs an experiment over this dataset's items, recorded as a dataset run. */
  runExperiment<O = unknown>(options: DatasetExperimentOptions<DatasetItemClient, O>): Promise<ExperimentResult<DatasetItemClient, O>> {
    const { host, projectId, id: datasetId } = this;
    const datasetRunUrl =
      host.datasetRunUrl && projectId ? (runId: string) => host.datasetRunUrl!({ projectId, datasetId, runId }) : undefined;
    return runExperimentWithHost(this.host, {
      ...options,
      data: this.items,
      ...(this.version !== undefined ? { datasetVersion: this.version } : {}),
      ...(datasetRunUrl ? { datasetRunUrl } : {}),
    });
  }
}

import type * as T from "../api/types";
import { LangfuseValidationError, type ValidationIssue } from "../errors";
import { compileSchema, InvalidSchemaError, validateAgainstSchema } from "./schema-validator";
import { DatasetClient, DatasetItemClient } from "./dataset-client";
import type { EvalsHost } from "../experiments/host";

export interface CreateDatasetInput {
  name: string;
  description?: string | null;
  metadata?: T.Json;
  /** JSON Schema every item's `input` must satisfy. */
  inputSchema?: T.Json | null;
  /** JSON Schema every item's `expectedOutput` must satisfy. */
  expectedOutputSchema?: T.Json | null;
}

export interface CreateDatasetItemInput {
  datasetName: string;
  /** Upsert key (global across datasets). Fields left undefined keep their stored values. */
  id?: string;
  input?: T.Json;
  expectedOutput?: T.Json;
  metadata?: T.Json;
  sourceTraceId?: string | null;
  sourceObservationId?: string | null;
  status?: T.DatasetStatus;
}

export interface GetDatasetOptions {
  /** The dataset as it was at this instant (items' content and status at that time). */
  version?: Date;
  /** Items per page while fetching (1..100). Default 50. */
  pageSize?: number;
}

/** Hard stop for paging: 100 items × 100 000 pages is far beyond any real dataset. */
const MAX_PAGES = 100_000;

/**
 * Dataset management: thin, validated calls over `LangfuseApi`. Management calls throw typed
 * errors (`LangfuseValidationError` for bad input, `LangfuseApiError` from the API).
 */
export class DatasetManager {
  constructor(private readonly host: EvalsHost) {}

  async createDataset(input: CreateDatasetInput): Promise<T.Dataset> {
    const issues: ValidationIssue[] = [];
    if (!input || typeof input.name !== "string" || !isValidName(input.name)) {
      issues.push({ path: "name", message: "must be a non-empty string without leading/trailing or double slashes" });
    }
    for (const field of ["inputSchema", "expectedOutputSchema"] as const) {
      const schema = input?.[field];
      if (schema === undefined || schema === null) continue;
      try {
        compileSchema(schema);
      } catch (error) {
        issues.push({ path: field, message: `is not a valid JSON Schema (${error instanceof InvalidSchemaError ? error.message : String(error)})` });
      }
    }
    if (issues.length) throw new LangfuseValidationError("Invalid dataset", issues);
    const body: T.CreateDatasetRequest = { name: input.name };
    if (input.description !== undefined) body.description = input.description;
    if (input.metadata !== undefined) body.metadata = input.metadata;
    if (input.inputSchema !== undefined) body.inputSchema = input.inputSchema;
    if (input.expectedOutputSchema !== undefined) body.expectedOutputSchema = input.expectedOutputSchema;
    return this.host.api.datasets.create(body);
  }

  /** All datasets of the project (every page). */
  async getDatasets(options: { pageSize?: number } = {}): Promise<T.Dataset[]> {
    const limit = pageSize(options.pageSize);
    const out: T.Dataset[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.host.api.datasets.list({ page, limit });
      out.push(...res.data);
      if (res.meta.totalPages <= page || res.data.length === 0) break;
    }
    return out;
  }

  /** The dataset with all its ACTIVE items (every page), optionally as it was at `version`. */
  async getDataset(name: string, options: GetDatasetOptions = {}): Promise<DatasetClient> {
    if (typeof name !== "string" || name === "") throw new LangfuseValidationError("Invalid dataset name", [{ path: "name", message: "must be a non-empty string" }]);
    if (options.version !== undefined && !(options.version instanceof Date && !Number.isNaN(options.version.getTime()))) {
      throw new LangfuseValidationError("Invalid dataset version", [{ path: "version", message: "must be a valid Date" }]);
    }
    const limit = pageSize(options.pageSize);
    const version = options.version?.toISOString();
    const dataset = await this.host.api.datasets.get(name);
    const items: T.DatasetItem[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.host.api.datasetItems.list({ datasetName: name, page, limit, ...(version ? { version } : {}) });
      items.push(...res.data);
      if (res.meta.totalPages <= page || res.data.length === 0) break;
    }
    return new DatasetClient(this.host, dataset, items, version);
  }

  /**
   * Creates or (with `id`) updates an item. `input` / `expectedOutput` are validated against
   * the dataset's JSON Schemas first; a mismatch throws `LangfuseValidationError` naming each
   * failing path (`input.question: must be string`).
   */
  async createDatasetItem(input: CreateDatasetItemInput): Promise<DatasetItemClient> {
    const issues: ValidationIssue[] = [];
    if (!input || typeof input.datasetName !== "string" || input.datasetName === "") issues.push({ path: "datasetName", message: "must be a non-empty string" });
    if (input?.id !== undefined && (typeof input.id !== "string" || input.id.length < 1 || input.id.length > 255)) {
      issues.push({ path: "id", message: "must be a string of 1..255 characters" });
    }
    if (input?.status !== undefined && input.status !== "ACTIVE" && input.status !== "ARCHIVED") {
      issues.push({ path: "status", message: "must be ACTIVE or ARCHIVED" });
    }
    if (issues.length) throw new LangfuseValidationError("Invalid dataset item", issues);

    if (input.input !== undefined || input.expectedOutput !== undefined) {
      const dataset = await this.host.api.datasets.get(input.datasetName);
      if (input.input !== undefined && dataset.inputSchema) issues.push(...validateAgainstSchema("input", dataset.inputSchema, input.input));
      if (input.expectedOutput !== undefined && dataset.expectedOutputSchema) {
        issues.push(...validateAgainstSchema("expectedOutput", dataset.expectedOutputSchema, input.expectedOutput));
      }
      if (issues.length) throw new LangfuseValidationError(`Dataset item does not match the schemas of dataset "${input.datasetName}"`, issues);
    }

    const body: T.UpsertDatasetItemRequest = { datasetName: input.datasetName };
    for (const key of ["id", "input", "expectedOutput", "metadata", "sourceTraceId", "sourceObservationId", "status"] as const) {
      if (input[key] !== undefined) (body as unknown as Record<string, unknown>)[key] = input[key];
    }
    const item = await this.host.api.datasetItems.upsert(body);
    return new DatasetItemClient(this.host, item);
  }
}

function pageSize(n: number | undefined): number {
  if (n === undefined) return 50;
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new LangfuseValidationError("Invalid page size", [{ path: "pageSize", message: "must be an integer between 1 and 100" }]);
  }
  return n;
}

/** The server's folder rules for names: no leading/trailing slash, no empty segment. */
function isValidName(name: string): boolean {
  return name.trim() !== "" && !name.startsWith("/") && !name.endsWith("/") && !name.includes("//");
}

/**
 * JSON schemas for query strings and bodies, checked by fastify before a handler runs. They
 * catch wrong types with a 400 naming the field; the semantic rules (label moves, score subjects,
 * dataset JSON schemas, ...) stay in LocalApi so embedded and served modes answer alike.
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
const nullableStr: Schema = { type: ["string", "null"] };
/** Any ISO-8601 / RFC 3339 timestamp `Date.parse` accepts (zod `coerce.date()` on the server). */
const timestamp: Schema = { type: "string", format: "timestamp" };
const stringArray: Schema = { type: "array", items: { type: "string" }, maxItems: 1000 };
const page: Schema = { type: "integer", minimum: 1, maximum: 1_000_000_000 };
const limit: Schema = { type: "integer", minimum: 1, maximum: 100 };

export const SCORE_DATA_TYPES = ["NUMERIC", "CATEGORICAL", "BOOLEAN", "CORRECTION", "TEXT"];
export const OBSERVATION_TYPES = ["SPAN", "GENERATION", "EVENT", "AGENT", "TOOL", "CHAIN", "RETRIEVER", "EVALUATOR", "EMBEDDING", "GUARDRAIL"];
const LEVELS = ["DEBUG", "DEFAULT", "WARNING", "ERROR"];

function query(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: "object", properties, required };
}

export const pageQuery = query({ page, limit });

export const promptListQuery = query({ page, limit, name: str, label: str, tag: str, fromUpdatedAt: timestamp, toUpdatedAt: timestamp });
export const promptGetQuery = query({
  version: { type: "integer", minimum: 1, maximum: 2_147_483_647 },
  label: str,
  resolve: { type: "string", enum: ["true", "false"] },
});
export const promptVersionParams = query({ name: str, version: { type: "integer", minimum: 1, maximum: 2_147_483_647 } }, ["name", "version"]);

export const datasetItemListQuery = query({ page, limit, datasetName: str, sourceTraceId: str, sourceObservationId: str, version: timestamp });
export const runItemListQuery = query({ page, limit, datasetId: str, runName: str }, ["datasetId", "runName"]);

export const scoreListQuery = query({
  page,
  limit,
  name: str,
  traceId: str,
  observationId: str,
  sessionId: str,
  datasetRunId: str,
  dataType: { type: "string", enum: SCORE_DATA_TYPES },
  source: { type: "string", enum: ["API", "ANNOTATION", "EVAL"] },
  configId: str,
  queueId: str,
  userId: str,
  scoreIds: str,
  value: { type: "number" },
  operator: { type: "string", enum: ["<", ">", "<=", ">=", "!=", "="] },
  environment: stringArray,
  fromTimestamp: timestamp,
  toTimestamp: timestamp,
});

export const traceListQuery = query({
  page,
  limit,
  userId: str,
  name: str,
  sessionId: str,
  version: str,
  release: str,
  tags: { ...stringArray, maxItems: 100 },
  environment: stringArray,
  fromTimestamp: timestamp,
  toTimestamp: timestamp,
  orderBy: { type: "string", pattern: "^[A-Za-z]+\\.(asc|desc)$" },
});

export const observationListQuery = query({
  page,
  limit,
  traceId: str,
  type: { type: "string", enum: OBSERVATION_TYPES },
  name: str,
  parentObservationId: str,
  level: { type: "string", enum: LEVELS },
  environment: stringArray,
  fromStartTime: timestamp,
  toStartTime: timestamp,
  userId: str,
  version: str,
});

export const sessionListQuery = query({ page, limit, environment: stringArray, fromTimestamp: timestamp, toTimestamp: timestamp });

// ------------------------------------------------------------------ bodies (no type coercion)

const chatMessage: Schema = { type: "object" };

export const createPromptBody: Schema = {
  type: "object",
  required: ["name", "prompt"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 255 },
    type: { type: "string", enum: ["text", "chat"] },
    prompt: { anyOf: [{ type: "string" }, { type: "array", items: chatMessage, maxItems: 10_000 }] },
    labels: { type: "array", items: { type: "string", minLength: 1, maxLength: 36, pattern: "^[a-z0-9_\\-.]+$" }, maxItems: 1000 },
    tags: { type: ["array", "null"], items: str, maxItems: 1000 },
    commitMessage: { type: ["string", "null"], maxLength: 500 },
  },
};

export const updatePromptLabelsBody: Schema = {
  type: "object",
  required: ["newLabels"],
  properties: { newLabels: { type: "array", items: { type: "string", minLength: 1, maxLength: 36 }, maxItems: 1000 } },
};

const jsonSchemaOrNull: Schema = { type: ["object", "null"] };

export const createDatasetBody: Schema = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 1000 },
    description: nullableStr,
    inputSchema: jsonSchemaOrNull,
    expectedOutputSchema: jsonSchemaOrNull,
  },
};

export const upsertDatasetItemBody: Schema = {
  type: "object",
  required: ["datasetName"],
  properties: {
    datasetName: { type: "string", minLength: 1, maxLength: 1000 },
    id: { type: "string", minLength: 1, maxLength: 255 },
    sourceTraceId: nullableStr,
    sourceObservationId: nullableStr,
    status: { enum: ["ACTIVE", "ARCHIVED", null] },
  },
};

/** `.strict()` on the real server: unknown keys are a 400. */
export const createRunItemBody: Schema = {
  type: "object",
  required: ["runName", "datasetItemId"],
  additionalProperties: false,
  properties: {
    runName: { type: "string", minLength: 1, maxLength: 1000 },
    runDescription: nullableStr,
    metadata: {},
    datasetItemId: { type: "string", minLength: 1 },
    observationId: nullableStr,
    traceId: nullableStr,
    datasetVersion: { anyOf: [timestamp, { type: "null" }] },
    createdAt: { anyOf: [timestamp, { type: "null" }] },
  },
};

export const createScoreBody: Schema = {
  type: "object",
  required: ["name", "value"],
  properties: {
    id: nullableStr,
    name: { type: "string", minLength: 1, maxLength: 1000 },
    value: { type: ["number", "string"] },
    dataType: { type: "string", enum: SCORE_DATA_TYPES },
    traceId: nullableStr,
    observationId: nullableStr,
    sessionId: nullableStr,
    datasetRunId: nullableStr,
    comment: nullableStr,
    environment: nullableStr,
    configId: nullableStr,
    queueId: nullableStr,
    source: { type: "string", enum: ["API", "ANNOTATION"] },
  },
};

export const createMediaBody: Schema = {
  type: "object",
  required: ["field", "contentType", "contentLength", "sha256Hash"],
  properties: {
    traceId: str,
    observationId: nullableStr,
    datasetId: str,
    datasetItemId: str,
    field: { type: "string", enum: ["input", "output", "metadata", "expectedOutput"] },
    contentType: { type: "string", minLength: 1, maxLength: 255 },
    contentLength: { type: "integer", minimum: 1 },
    sha256Hash: { type: "string", pattern: "^[A-Za-z0-9+/=]{44}$" },
  },
};

export const patchMediaBody: Schema = {
  type: "object",
  required: ["uploadedAt", "uploadHttpStatus"],
  properties: {
    uploadedAt: timestamp,
    uploadHttpStatus: { type: "integer", minimum: 1 },
    uploadHttpError: nullableStr,
    uploadTimeMs: { type: ["number", "null"] },
  },
};

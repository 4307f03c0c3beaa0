import type { CreateScoreRequest, ScoreDataType } from "../api/types";
import type { CreateScoreInput } from "../tracing/score-port";
import type { ValidationIssue } from "../errors";

export type ScoreValidationResult =
  | { ok: true; body: CreateScoreRequest & { id?: string } }
  | { ok: false; issues: ValidationIssue[] };

const DATA_TYPES: readonly ScoreDataType[] = ["NUMERIC", "CATEGORICAL", "BOOLEAN", "CORRECTION", "TEXT"];
/** The server's TEXT_SCORE_MAX_LENGTH. */
const TEXT_MAX = 500;

/**
 * The server's request-time score validation (reference/langfuse-server-api.md §4.1), done before
 * anything is queued, so an invalid score is reported at the call site instead of vanishing in
 * a 207 response or the server's asynchronous worker.
 */
export function validateScore(input: CreateScoreInput): ScoreValidationResult {
  const issues: ValidationIssue[] = [];
  if (input === null || typeof input !== "object") {
    return { ok: false, issues: [{ path: "score", message: "must be an object" }] };
  }
  if (typeof input.name !== "string" || input.name.trim() === "") {
    issues.push({ path: "name", message: "must be a non-empty string" });
  }

  let dataType = input.dataType;
  let value: unknown = input.value;
  if (dataType !== undefined && !DATA_TYPES.includes(dataType)) {
    issues.push({ path: "dataType", message: `must be one of ${DATA_TYPES.join(", ")}` });
    dataType = undefined;
  }
  if (typeof value === "boolean") {
    // A boolean can only mean a BOOLEAN score; any other explicit type is a contradiction.
    if (dataType === undefined || dataType === "BOOLEAN") {
      dataType = "BOOLEAN";
      value = value ? 1 : 0;
    } else {
      issues.push({ path: "value", message: `a boolean value needs dataType BOOLEAN, not ${dataType}` });
    }
  }

  const isNumber = typeof value === "number" && Number.isFinite(value);
  const isString = typeof value === "string";
  // A boolean with a contradicting type was reported above; one message is enough.
  switch (typeof value === "boolean" ? "SKIP" : dataType) {
    case "SKIP":
      break;
    case "NUMERIC":
      if (!isNumber) issues.push({ path: "value", message: "must be a finite number for data type NUMERIC" });
      break;
    case "BOOLEAN":
      if (!(value === 0 || value === 1)) issues.push({ path: "value", message: "must be a number equal to either 0 or 1 (or a boolean) for data type BOOLEAN" });
      break;
    case "CATEGORICAL":
      if (!isString) issues.push({ path: "value", message: "must be a string for data type CATEGORICAL" });
      break;
    case "CORRECTION":
      if (!isString) issues.push({ path: "value", message: "must be a string for data type CORRECTION" });
      if (input.configId) issues.push({ path: "configId", message: "is not allowed for data type CORRECTION" });
      if (input.sessionId || input.datasetRunId) issues.push({ path: "traceId", message: "CORRECTION scores can only target a trace or observation" });
      break;
    case "TEXT":
      if (!isString || (value as string).length < 1 || (value as string).length > TEXT_MAX) {
        issues.push({ path: "value", message: `must be a string of 1..${TEXT_MAX} characters for data type TEXT` });
      }
      break;
    default:
      if (!isNumber && !isString) issues.push({ path: "value", message: "must be a finite number or a string" });
  }

  const targets = (isSet(input.traceId) ? 1 : 0) + (isSet(input.sessionId) ? 1 : 0) + (isSet(input.datasetRunId) ? 1 : 0);
  if (input.observationId && !input.traceId) {
    issues.push({ path: "observationId", message: "requires traceId" });
  } else if (targets !== 1) {
    issues.push({
      path: "traceId",
      message: "provide exactly one of: traceId (with optional observationId), sessionId or datasetRunId",
    });
  }
  for (const key of ["traceId", "observationId", "sessionId", "datasetRunId", "id", "configId", "environment"] as const) {
    const v = input[key];
    if (v !== undefined && v !== null && typeof v !== "string") issues.push({ path: key, message: "must be a string" });
  }
  if (input.comment !== undefined && input.comment !== null && typeof input.comment !== "string") {
    issues.push({ path: "comment", message: "must be a string" });
  }
  if (input.timestamp !== undefined && !(input.timestamp instanceof Date && !Number.isNaN(input.timestamp.getTime()))) {
    issues.push({ path: "timestamp", message: "must be a valid Date" });
  }

  if (issues.length) return { ok: false, issues };

  // Only defined fields go on the wire (the server treats absent and null differently for some).
  const body: CreateScoreRequest & { id?: string } = { name: input.name, value: value as number | string };
  if (dataType) body.dataType = dataType;
  if (input.id) body.id = input.id;
  if (input.traceId) body.traceId = input.traceId;
  if (input.observationId) body.observationId = input.observationId;
  if (input.sessionId) body.sessionId = input.sessionId;
  if (input.datasetRunId) body.datasetRunId = input.datasetRunId;
  if (input.comment !== undefined && input.comment !== null) body.comment = input.comment;
  if (input.configId) body.configId = input.configId;
  if (input.metadata !== undefined && input.metadata !== null) body.metadata = input.metadata;
  if (input.environment) body.environment = input.environment;
  return { ok: true, body };
}

function isSet(target: unknown): boolean {
  return target !== undefined && target !== null && target !== "";
}

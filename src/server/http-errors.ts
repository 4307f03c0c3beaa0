import { LangfuseApiError } from "../api/errors";
import { LangfuseError, LangfuseValidationError } from "../errors";

/**
 * How a route family shapes its error bodies. The real server is not uniform (reference §1.2,
 * §1.3, §6): most routes answer `{message, error}`, auth failures on project routes answer only
 * `{message}`, and the OTLP receiver answers `{error}`. Clients parse these, so we copy them.
 */
export type ErrorStyle = "default" | "otel";

/** An HTTP answer decided by the server itself (bad input, auth, unknown route). */
export class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    super(typeof body.message === "string" ? body.message : typeof body.error === "string" ? body.error : `HTTP ${status}`);
    this.name = "HttpError";
    this.status = status;
    this.body = body;
  }
}

export function badRequest(message: string, error: unknown = "InvalidRequestError"): HttpError {
  return new HttpError(400, { message, error });
}

/** One validation issue in the zod-like shape the real server returns under `error`. */
export interface RequestIssue {
  code: string;
  message: string;
  path: (string | number)[];
}

export function invalidRequestData(issues: RequestIssue[]): HttpError {
  return new HttpError(400, { message: "Invalid request data", error: issues });
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/**
 * Maps anything a handler or fastify itself throws to `{status, body}`. Bad input is always a
 * 4xx with a message a person can act on; only genuine bugs become 500, and their text never
 * carries request data (no secrets can leak through it).
 */
export function toErrorReply(err: unknown, style: ErrorStyle): { status: number; body: Record<string, unknown> } {
  if (err instanceof HttpError) return { status: err.status, body: err.body };
  if (err instanceof LangfuseApiError) {
    const body = isRecord(err.body) ? err.body : { message: err.message, error: err.code };
    return { status: err.status >= 400 && err.status < 600 ? err.status : 500, body: style === "otel" ? { error: err.message } : body };
  }
  if (err instanceof LangfuseValidationError) {
    const issues: RequestIssue[] = err.issues.map((i) => ({ code: "custom", message: i.message, path: i.path.split(".") }));
    return style === "otel"
      ? { status: 400, body: { error: err.message } }
      : { status: 400, body: { message: "Invalid request data", error: issues.length ? issues : err.message } };
  }
  if (err instanceof LangfuseError && err.code === "NOT_FOUND") return { status: 404, body: { message: err.message, error: "LangfuseNotFoundError" } };
  if (err instanceof LangfuseError && err.code === "CONFLICT") return { status: 409, body: { message: err.message, error: "LangfuseConflictError" } };

  const fe = (typeof err === "object" && err !== null ? err : {}) as FastifyLikeError;
  if (fe.validation) {
    const where = fe.validationContext ?? "body";
    const issues: RequestIssue[] = fe.validation.map((v) => {
      const path = [where, ...pathOf(v.instancePath, v.params)];
      return { code: v.keyword ?? "invalid", message: `${path.join(".")} ${v.message ?? "is invalid"}`, path };
    });
    return style === "otel" ? { status: 400, body: { error: issues.map((i) => i.message).join("; ") } } : { status: 400, body: { message: "Invalid request data", error: issues } };
  }
  const known = fastifyCodeReply(fe);
  if (known) return style === "otel" ? { status: known.status, body: { error: known.body.message } } : known;
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    const message = fe.message || "Bad request";
    return style === "otel" ? { status: fe.statusCode, body: { error: message } } : { status: fe.statusCode, body: { message, error: "InvalidRequestError" } };
  }
  const detail = err instanceof Error ? err.message : "An unknown error occurred";
  return style === "otel" ? { status: 500, body: { error: "Internal Server Error" } } : { status: 500, body: { message: "Internal Server Error", error: detail } };
}

function fastifyCodeReply(fe: FastifyLikeError): { status: number; body: { message: string; error: string } } | undefined {
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_ERR_DECOMPRESSED_TOO_LARGE":
      return { status: 413, body: { message: fe.message || "Request body is too large", error: "PayloadTooLargeError" } };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, body: { message: `Invalid JSON body: ${fe.message ?? "cannot parse"}`, error: "InvalidRequestError" } };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_CTP_INVALID_TYPE":
    case "FST_ERR_BAD_URL":
    case "FST_ERR_ASYNC_CONSTRAINT":
      return { status: fe.statusCode ?? 400, body: { message: fe.message || "Bad request", error: "InvalidRequestError" } };
    case "Z_DATA_ERROR":
    case "Z_BUF_ERROR":
    case "ERR_DECOMPRESS":
      return { status: 400, body: { message: "Failed to decompress request body", error: "InvalidRequestError" } };
    default:
      return undefined;
  }
}

function pathOf(instancePath: string | undefined, params: Record<string, unknown> | undefined): string[] {
  const parts = (instancePath ?? "").split("/").filter(Boolean);
  const extra = params?.missingProperty ?? params?.additionalProperty;
  if (typeof extra === "string") parts.push(extra);
  return parts;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

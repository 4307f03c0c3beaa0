import { LangfuseError, type LangfuseErrorCode } from "../errors";

/**
 * A call to the Langfuse API failed. `status` is the HTTP status (the one the real server would
 * give, also in local mode); `body` is the parsed error body (`{ message, error }`).
 * Never contains credentials.
 */
export class LangfuseApiError extends LangfuseError {
  readonly status: number;
  readonly body: unknown;
  readonly requestId: string | undefined;

  constructor(status: number, message: string, body?: unknown, options?: { requestId?: string; cause?: unknown }) {
    super(codeForStatus(status), message, { cause: options?.cause });
    this.status = status;
    this.body = body;
    this.requestId = options?.requestId;
  }
}

function codeForStatus(status: number): LangfuseErrorCode {
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 400 || status === 422) return "VALIDATION";
  if (status === 408) return "TIMEOUT";
  if (status === 0) return "NETWORK";
  return "API";
}

/**
 * One error hierarchy for the whole SDK. Every error carries a stable `code` so callers can
 * branch without string matching (the tRPC pattern). Secrets never go into messages.
 */
export type LangfuseErrorCode =
  | "VALIDATION"
  | "API"
  | "NOT_FOUND"
  | "CONFLICT"
  | "TIMEOUT"
  | "NETWORK"
  | "CONFIG"
  | "INTERNAL";

export class LangfuseError extends Error {
  readonly code: LangfuseErrorCode;

  constructor(code: LangfuseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One failing field of a validated input. `path` is dotted (`options.flushAt`, `input.age`). */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Bad input given to the SDK (options, prompt names, scores, dataset items, ...). */
export class LangfuseValidationError extends LangfuseError {
  readonly issues: ValidationIssue[];

  constructor(message: string, issues: ValidationIssue[] = []) {
    super("VALIDATION", issues.length ? `${message}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}` : message);
    this.issues = issues;
  }
}

/** A thrown value's message for logs and reports (a throwing `toString` gives "Unknown error"). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name || "Error";
  try {
    return String(err);
  } catch {
    return "Unknown error";
  }
}

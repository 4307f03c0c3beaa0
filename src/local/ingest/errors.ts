import { LangfuseValidationError, type ValidationIssue } from "../../errors";

/** An OTLP export that cannot be ingested; the whole batch is rejected (the server answers 400). */
export class OtlpValidationError extends LangfuseValidationError {
  constructor(message: string, issues: ValidationIssue[] = []) {
    super(message, issues);
  }
}

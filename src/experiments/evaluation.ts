import { IsIn, IsNotEmpty, IsOptional, IsString, ValidateBy, validateSync, type ValidationError } from "../config/class-validator";
import type { Json, ScoreDataType } from "../api/types";
import { LangfuseValidationError, type ValidationIssue } from "../errors";

export type EvaluationValue = number | string | boolean;

/** The plain-object form an evaluator may return instead of `new Evaluation(...)`. */
export interface EvaluationInit {
  name: string;
  value: EvaluationValue;
  comment?: string;
  dataType?: ScoreDataType;
  metadata?: Json;
  configId?: string;
}

const DATA_TYPES: ScoreDataType[] = ["NUMERIC", "CATEGORICAL", "BOOLEAN", "CORRECTION", "TEXT"];

/**
 * One score produced by an evaluator: becomes a Langfuse score on the item's trace (item
 * evaluators) or on the dataset run (run evaluators). Validated with class-validator when
 * built through `Evaluation.from`, which the runner applies to every evaluator result, so a
 * malformed result is reported as that evaluator's error instead of a silently bad score.
 */
export class Evaluation implements EvaluationInit {
  @IsString()
  @IsNotEmpty()
  name!: string;

  @ValidateBy({
    name: "isEvaluationValue",
    validator: {
      validate: (v: unknown) => (typeof v === "number" && Number.isFinite(v)) || typeof v === "string" || typeof v === "boolean",
      defaultMessage: () => "value must be a finite number, a string or a boolean",
    },
  })
  value!: EvaluationValue;

  @IsOptional()
  @IsString()
  comment?: string;

  @IsOptional()
  @IsIn(DATA_TYPES)
  dataType?: ScoreDataType;

  @IsOptional()
  metadata?: Json;

  @IsOptional()
  @IsString()
  configId?: string;

  constructor(init: EvaluationInit) {
    // Copy only known fields; unknown keys on a plain object are not scores' business.
    if (init && typeof init === "object") {
      this.name = init.name;
      this.value = init.value;
      if (init.comment !== undefined && init.comment !== null) this.comment = init.comment;
      if (init.dataType !== undefined && init.dataType !== null) this.dataType = init.dataType;
      if (init.metadata !== undefined && init.metadata !== null) this.metadata = init.metadata;
      if (init.configId !== undefined && init.configId !== null) this.configId = init.configId;
    }
  }

  /** Builds and validates an Evaluation from an instance or a plain object; throws LangfuseValidationError. */
  static from(value: unknown): Evaluation {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new LangfuseValidationError("Invalid evaluation", [{ path: "evaluation", message: "must be an object with name and value" }]);
    }
    const evaluation = value instanceof Evaluation ? value : new Evaluation(value as EvaluationInit);
    // The common case (a well-formed result of this exact class) skips class-validator's
    // metadata walk, which cost ~10 µs per evaluation; anything the plain check does not accept
    // (and any subclass, which may declare more rules) goes through validateSync unchanged.
    if (evaluation.constructor === Evaluation && passesDeclaredRules(evaluation)) return evaluation;
    const errors = validateSync(evaluation, { forbidUnknownValues: false });
    if (errors.length) throw new LangfuseValidationError("Invalid evaluation", toIssues(errors));
    return evaluation;
  }

  /** True when the value can be averaged (numbers and booleans). */
  get isNumeric(): boolean {
    return typeof this.value === "number" || typeof this.value === "boolean";
  }

  /** The value as a number for aggregation (booleans as 0/1), or undefined for categorical values. */
  get numericValue(): number | undefined {
    if (typeof this.value === "number") return this.value;
    if (typeof this.value === "boolean") return this.value ? 1 : 0;
    return undefined;
  }
}

/**
 * The decorators above as plain checks (IsOptional skips null and undefined; IsNotEmpty rejects
 * ""). Only ever used to accept: a false answer falls back to validateSync for the messages.
 */
function passesDeclaredRules(e: Evaluation): boolean {
  const v = e.value as unknown;
  return (
    typeof e.name === "string" &&
    e.name !== "" &&
    ((typeof v === "number" && Number.isFinite(v)) || typeof v === "string" || typeof v === "boolean") &&
    (e.comment === undefined || e.comment === null || typeof e.comment === "string") &&
    (e.dataType === undefined || e.dataType === null || DATA_TYPES.includes(e.dataType)) &&
    (e.configId === undefined || e.configId === null || typeof e.configId === "string")
  );
}

function toIssues(errors: ValidationError[]): ValidationIssue[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((message) => ({ path: e.property, message })));
}

/**
 * Normalizes what an evaluator returned: one evaluation or a list (each validated); `null` or
 * `undefined` mean "no score". Anything else throws, and the runner records it as an error.
 */
export function normalizeEvaluations(result: unknown): Evaluation[] {
  if (result === undefined || result === null) return [];
  if (Array.isArray(result)) return result.map((r) => Evaluation.from(r));
  return [Evaluation.from(result)];
}

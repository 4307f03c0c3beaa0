/**
 * The parts of class-validator this SDK uses, loaded from their own modules.
 *
 * class-validator's index loads every decorator it has, and its phone-number decorator loads
 * libphonenumber-js with its full metadata (a large JSON document): ~80 ms and several MB of
 * heap at import, for validators we never use. Worse, that import shifted V8's heuristics in
 * the application's process: in the tracing bench, raw OpenTelemetry spans in a process that
 * had merely required class-validator ran ~20 % slower in about half the runs, because V8
 * then pretenured span objects (allocated them straight into old space). Loading only these
 * modules takes ~15 ms and showed no such runs.
 *
 * The package has no `exports` map, so its `cjs/` modules are importable (package.json's
 * `^0.15` range admits only 0.15.x, whose layout these paths follow; the package test imports
 * the built SDK, so a moved file fails CI); the types come from its public entry (type-only,
 * erased at runtime). The decorators register in the same global
 * metadata storage as the public entry's, and validateSync is the public one's body.
 */
import type * as CV from "class-validator";

// Literal paths (not built from a prefix) so that bundlers can follow them.
type Module<K extends keyof typeof CV> = Record<K, (typeof CV)[K]>;

export const IsBoolean = (require("class-validator/cjs/decorator/typechecker/IsBoolean") as Module<"IsBoolean">).IsBoolean;
export const IsIn = (require("class-validator/cjs/decorator/common/IsIn") as Module<"IsIn">).IsIn;
export const IsInt = (require("class-validator/cjs/decorator/typechecker/IsInt") as Module<"IsInt">).IsInt;
export const IsNotEmpty = (require("class-validator/cjs/decorator/common/IsNotEmpty") as Module<"IsNotEmpty">).IsNotEmpty;
export const IsNumber = (require("class-validator/cjs/decorator/typechecker/IsNumber") as Module<"IsNumber">).IsNumber;
export const IsObject = (require("class-validator/cjs/decorator/typechecker/IsObject") as Module<"IsObject">).IsObject;
export const IsOptional = (require("class-validator/cjs/decorator/common/IsOptional") as Module<"IsOptional">).IsOptional;
export const IsString = (require("class-validator/cjs/decorator/typechecker/IsString") as Module<"IsString">).IsString;
export const IsUrl = (require("class-validator/cjs/decorator/string/IsUrl") as Module<"IsUrl">).IsUrl;
export const Matches = (require("class-validator/cjs/decorator/string/Matches") as Module<"Matches">).Matches;
export const Max = (require("class-validator/cjs/decorator/number/Max") as Module<"Max">).Max;
export const MaxLength = (require("class-validator/cjs/decorator/string/MaxLength") as Module<"MaxLength">).MaxLength;
export const Min = (require("class-validator/cjs/decorator/number/Min") as Module<"Min">).Min;
export const MinLength = (require("class-validator/cjs/decorator/string/MinLength") as Module<"MinLength">).MinLength;
export const ValidateBy = (require("class-validator/cjs/decorator/common/ValidateBy") as Module<"ValidateBy">).ValidateBy;

const { Validator } = require("class-validator/cjs/validation/Validator") as { Validator: new () => CV.Validator };
const { getFromContainer } = require("class-validator/cjs/container") as { getFromContainer: typeof CV.getFromContainer };

/** class-validator's validateSync(object, options) (its index does exactly this). */
export function validateSync(object: object, options?: CV.ValidatorOptions): CV.ValidationError[] {
  return getFromContainer(Validator).validateSync(object, options);
}

export type { ValidationError } from "class-validator";

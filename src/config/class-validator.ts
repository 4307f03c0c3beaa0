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
 * The package has no `exports` map, so its `cjs/` modules are importable; the types come from
 * its public entry (type-only, erased at runtime). The decorators register in the same global
 * metadata storage as the public entry's, and validateSync is the public one's body.
 */
import type * as CV from "class-validator";

/* eslint-disable @typescript-eslint/no-require-imports */
const base = "class-validator/cjs/";
const load = <K extends keyof typeof CV>(path: string, name: K): (typeof CV)[K] =>
  (require(`${base}${path}`) as Record<K, (typeof CV)[K]>)[name];

export const IsBoolean = load("decorator/typechecker/IsBoolean", "IsBoolean");
export const IsIn = load("decorator/common/IsIn", "IsIn");
export const IsInt = load("decorator/typechecker/IsInt", "IsInt");
export const IsNotEmpty = load("decorator/common/IsNotEmpty", "IsNotEmpty");
export const IsNumber = load("decorator/typechecker/IsNumber", "IsNumber");
export const IsObject = load("decorator/typechecker/IsObject", "IsObject");
export const IsOptional = load("decorator/common/IsOptional", "IsOptional");
export const IsString = load("decorator/typechecker/IsString", "IsString");
export const IsUrl = load("decorator/string/IsUrl", "IsUrl");
export const Matches = load("decorator/string/Matches", "Matches");
export const Max = load("decorator/number/Max", "Max");
export const MaxLength = load("decorator/string/MaxLength", "MaxLength");
export const Min = load("decorator/number/Min", "Min");
export const MinLength = load("decorator/string/MinLength", "MinLength");
export const ValidateBy = load("decorator/common/ValidateBy", "ValidateBy");

const { Validator } = require(`${base}validation/Validator`) as { Validator: new () => CV.Validator };
const { getFromContainer } = require(`${base}container`) as { getFromContainer: typeof CV.getFromContainer };

/** class-validator's validateSync(object, options) (its index does exactly this). */
export function validateSync(object: object, options?: CV.ValidatorOptions): CV.ValidationError[] {
  return getFromContainer(Validator).validateSync(object, options);
}

export type { ValidationError } from "class-validator";

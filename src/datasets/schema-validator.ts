import type Ajv from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import type Ajv2020 from "ajv/dist/2020";
import type { ValidationIssue } from "../errors";
import { errorMessage } from "../errors";

/**
 * JSON Schema validation of dataset items, client-side, so a bad item fails at the call site
 * with the path of the offending value (`input.question: must be string`) instead of a 400 with
 * a server-formatted message. Compiled validators are cached by schema text: datasets rarely
 * change their schema, items are created by the thousand.
 */
const cache = new Map<string, ValidateFunction>();
const CACHE_MAX = 200;

let draft7: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

function compilerFor(schema: object): Ajv {
  const declared = (schema as { $schema?: unknown }).$schema;
  // Formats are not checked (no ajv-formats): the Langfuse server does not check them either.
  const opts = { allErrors: true, strict: false, validateFormats: false, logger: false as const };
  // ajv is required on first use: most apps never validate a dataset item, and loading it at
  // import made the SDK's import slower and its startup heap larger for everyone.
  if (typeof declared === "string" && declared.includes("2020-12")) {
    return (draft2020 ??= new (require("ajv/dist/2020") as { default: typeof Ajv2020 }).default(opts));
  }
  return (draft7 ??= new (require("ajv") as { default: typeof Ajv }).default(opts));
}

/** Thrown by `compileSchema` for a schema that is not valid JSON Schema. */
export class InvalidSchemaError extends Error {}

export function compileSchema(schema: unknown): ValidateFunction {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    throw new InvalidSchemaError("must be a JSON Schema object");
  }
  const key = JSON.stringify(schema);
  let fn = cache.get(key);
  if (!fn) {
    try {
      fn = compilerFor(schema).compile(schema);
    } catch (error) {
      throw new InvalidSchemaError(errorMessage(error));
    }
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, fn);
  }
  return fn;
}

/** Validates `value` and returns the failing paths, prefixed with `field` (`input`, `expectedOutput`). */
export function validateAgainstSchema(field: string, schema: unknown, value: unknown): ValidationIssue[] {
  const fn = compileSchema(schema);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => ({ path: toPath(field, e), message: describeError(e) }));
}

function toPath(field: string, e: ErrorObject): string {
  // instancePath is a JSON Pointer (`/items/0/name`); show it the way users write it.
  const parts = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (e.keyword === "required" && typeof e.params.missingProperty === "string") parts.push(e.params.missingProperty);
  let path = field;
  for (const p of parts) path += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  return path;
}

function describeError(e: ErrorObject): string {
  if (e.keyword === "required") return "is required";
  if (e.keyword === "additionalProperties" && typeof e.params.additionalProperty === "string") {
    return `must not have property "${e.params.additionalProperty}"`;
  }
  if (e.keyword === "enum" && Array.isArray(e.params.allowedValues)) {
    return `must be one of ${e.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(", ")}`;
  }
  return e.message ?? e.keyword;
}

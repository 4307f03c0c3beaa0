/**
 * JSON Schema checks for dataset items (ajv). Compiled validators are cached by schema text
 * (bounded) because one dataset's schema validates many items.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

const ajv = new Ajv({ allErrors: true, strict: false });
const cache = new Map<string, ValidateFunction>();
const CACHE_LIMIT = 200;

/** undefined when `schema` is a usable JSON Schema object; a message otherwise. */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return "Must be a valid JSON Schema";
  try {
    compile(JSON.stringify(schema));
    return undefined;
  } catch (err) {
    return `Must be a valid JSON Schema: ${(err as Error).message}`;
  }
}

function compile(text: string): ValidateFunction {
  let fn = cache.get(text);
  if (!fn) {
    fn = ajv.compile(JSON.parse(text) as object);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(text, fn);
  }
  return fn;
}

function describe(field: string, e: ErrorObject): string {
  const path = e.instancePath ? `${field}${e.instancePath.replace(/\//g, ".")}` : field;
  return `${path} ${e.message ?? "is invalid"}`;
}

/** Problems of `value` (named `field`) under the schema stored as JSON text; [] when valid. */
export function validateAgainst(schemaText: string, value: unknown, field: string): string[] {
  const fn = compile(schemaText);
  if (fn(value === undefined ? null : value)) return [];
  return (fn.errors ?? []).map((e) => describe(field, e));
}

import type { FastifyRequest } from "fastify";
import { invalidRequestData } from "../http-errors";

/** Longest decoded name we accept in a path (prompt names are ≤255 on the real server). */
export const MAX_PATH_NAME = 1000;

// C0 controls and DEL: never part of a legitimate name, and `%00` must not reach SQLite text.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * A path parameter, already percent-decoded by the router (`a%2Fb%2Fc` → `a/b/c`), checked for
 * emptiness, length and control characters so hostile paths get a 400 instead of reaching the
 * store.
 */
export function nameParam(request: FastifyRequest, key: string, max = MAX_PATH_NAME): string {
  const params = request.params as Record<string, unknown>;
  const value = params[key];
  if (typeof value !== "string" || value.length === 0) throw invalidRequestData([{ code: "too_small", message: `${key} must not be empty`, path: [key] }]);
  if (value.length > max) throw invalidRequestData([{ code: "too_big", message: `${key} must be at most ${max} characters`, path: [key] }]);
  if (CONTROL_CHARS.test(value)) throw invalidRequestData([{ code: "invalid_string", message: `${key} must not contain control characters`, path: [key] }]);
  return value;
}

/**
 * Dataset and run names: the real server decodes them once more after routing
 * (`queryStringZod`), so clients that encode twice (`a%252Fb`) still find `a/b`. We do the same,
 * but keep the once-decoded text when a second decode is not valid percent-encoding.
 */
export function datasetNameParam(request: FastifyRequest, key: string): string {
  const once = nameParam(request, key);
  if (!once.includes("%")) return once;
  try {
    const twice = decodeURIComponent(once);
    if (twice.length === 0 || CONTROL_CHARS.test(twice)) return once;
    return twice;
  } catch {
    return once;
  }
}

/** The validated query object (fastify has checked it against the route's schema). */
export function queryOf<T>(request: FastifyRequest, keys: readonly (keyof T & string)[]): T {
  const q = (request.query ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (q[k] !== undefined) out[k] = q[k];
  return out as T;
}

export function bodyOf<T>(request: FastifyRequest): T {
  return request.body as T;
}

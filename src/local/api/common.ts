/**
 * Shared pieces of LocalApi: the real server's error envelope, pagination, JSON columns, time.
 */
import { LangfuseApiError } from "../../api/errors";
import type { PageMeta, PageQuery } from "../../api/types";
import { parseBoundedJson } from "../../bounded-json";

export interface Issue {
  path: (string | number)[];
  message: string;
}

/** `{message, error: <class name>}`, as `withMiddlewares` answers a BaseError. */
export function apiError(status: number, errorClass: string, message: string): LangfuseApiError {
  return new LangfuseApiError(status, message, { message, error: errorClass });
}
export const notFound = (message: string) => apiError(404, "LangfuseNotFoundError", message);
export const badRequest = (message: string) => apiError(400, "InvalidRequestError", message);
export const conflict = (message: string) => apiError(409, "LangfuseConflictError", message);

/** A zod validation failure: 400 `{message: "Invalid request data", error: [issues]}`. */
export function invalidData(issues: Issue[]): LangfuseApiError {
  const detail = issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
  return new LangfuseApiError(400, `Invalid request data: ${detail}`, {
    message: "Invalid request data",
    error: issues.map((i) => ({ code: "custom", path: i.path, message: i.message })),
  });
}
export const invalidField = (path: string | (string | number)[], message: string) =>
  invalidData([{ path: Array.isArray(path) ? path : path.split("."), message }]);

export interface Page {
  page: number;
  limit: number;
  offset: number;
}

function coerceInt(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : NaN;
}

/** `page` ≥ 1 (default 1), `limit` 1..max (default `defaultLimit`), as `paginationLimitZod`. */
export function parsePage(query: PageQuery | undefined, defaultLimit = 50, maxLimit = 100): Page {
  const page = coerceInt(query?.page) ?? 1;
  const limit = coerceInt(query?.limit) ?? defaultLimit;
  const issues: Issue[] = [];
  if (Number.isNaN(page) || page < 1) issues.push({ path: ["page"], message: "Number must be an integer greater than or equal to 1" });
  if (Number.isNaN(limit) || limit < 1 || limit > maxLimit)
    issues.push({ path: ["limit"], message: `Number must be an integer between 1 and ${maxLimit}` });
  if (issues.length) throw invalidData(issues);
  return { page, limit, offset: (page - 1) * limit };
}

export function pageMeta(page: Page, totalItems: number): PageMeta {
  return { page: page.page, limit: page.limit, totalItems, totalPages: Math.ceil(totalItems / page.limit) };
}

export const nowIso = () => new Date().toISOString();

/** JSON column writer: undefined → NULL. */
export function toJsonColumn(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/**
 * JSON column reader. Columns are written from depth-checked values, so this always parses;
 * should a row hold something else, the raw text is returned rather than failing the read.
 */
export function fromJsonColumn(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  const parsed = parseBoundedJson(text);
  return parsed ? parsed.value : text;
}

/**
 * Read-side parsing of stored IO strings: JSON when it parses, the raw string otherwise. Text
 * nested deeper than MAX_JSON_DEPTH (an `@Observe` argument `[[[...]]]` stored raw) stays a
 * string: parsed, it could not be serialized again and would fail every read of its page.
 */
export function parseIo(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  const parsed = parseBoundedJson(text);
  return parsed ? parsed.value : text;
}

/** Parses an ISO timestamp (or anything `Date` accepts) given in a query; 400 naming `field` otherwise. */
export function parseDate(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const d = value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw invalidField(field, "Invalid date");
  return d;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Folder-aware name rules shared by prompts and datasets (PromptNameSchema / DatasetNameSchema). */
export function nameIssues(name: unknown, field = "name"): Issue[] {
  if (typeof name !== "string") return [{ path: [field], message: "Expected string" }];
  const t = name.trim();
  const issues: string[] = [];
  if (t.length === 0) issues.push("Name cannot be empty");
  if (t.length > 255) issues.push("Name must be at most 255 characters");
  if (/<[^>]*>/.test(t)) issues.push("HTML is not allowed in names");
  if (t.startsWith("/")) issues.push("Name cannot start with a slash");
  if (t.endsWith("/")) issues.push("Name cannot end with a slash");
  if (t.includes("//")) issues.push("Name cannot contain consecutive slashes");
  return issues.map((message) => ({ path: [field], message }));
}

/** PublicEnvironmentName: lowercase, strip `langfuse[-_]` prefixes, ≤40 chars, `[a-z0-9-_]`, else "default". */
export function normalizeEnvironment(value: unknown): string {
  if (typeof value !== "string") return "default";
  let env = value.toLowerCase();
  for (let i = 0; i < 10 && /^langfuse[-_]?/.test(env); i++) env = env.replace(/^langfuse[-_]?/, "");
  env = env.slice(0, 40);
  return env.length > 0 && /^[a-z0-9-_]+$/.test(env) ? env : "default";
}

export function inClause(n: number): string {
  return new Array(n).fill("?").join(",");
}

/**
 * The WHERE clause of a list endpoint: equality filters (empty strings ignored, as the server
 * does), an `environment IN (...)` filter and a `[from, to)` time range (400 naming the field on a
 * bad date). One builder so every list reads its query the same way.
 */
export class SqlFilter {
  readonly args: unknown[] = [];
  private readonly clauses: string[] = [];

  /** `column = ?` for each query key that is set. */
  equals<Q extends object>(query: Q, pairs: readonly (readonly [keyof Q, string])[]): this {
    for (const [key, column] of pairs) {
      const value = query[key];
      if (value !== undefined && value !== "") this.add(`${column} = ?`, value);
    }
    return this;
  }

  environments(value: string | string[] | undefined): this {
    const envs = asArray(value);
    if (envs.length) this.add(`environment IN (${inClause(envs.length)})`, ...envs);
    return this;
  }

  /** `column >= from AND column < to`, each bound only when given. */
  timeRange(column: string, from: { value: unknown; field: string }, to: { value: unknown; field: string }): this {
    const start = parseDate(from.value, from.field);
    const end = parseDate(to.value, to.field);
    if (start) this.add(`${column} >= ?`, start.toISOString());
    if (end) this.add(`${column} < ?`, end.toISOString());
    return this;
  }

  add(clause: string, ...args: unknown[]): this {
    this.clauses.push(clause);
    this.args.push(...args);
    return this;
  }

  /** `WHERE a AND b`, or "" without conditions. */
  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(" AND ")}` : "";
  }
}

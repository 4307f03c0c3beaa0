/** The embedded store's settings, read alike by the client config, the local server and the CLI. */

/** LANGFUSE_LOCAL_DB's default, relative to the working directory. */
export const DEFAULT_LOCAL_DB_PATH = ".langfuse/langfuse.db";

/** The store's durability levels (LANGFUSE_LOCAL_DB_SYNCHRONOUS; see openLocalStore). */
export const SYNCHRONOUS_LEVELS = ["NORMAL", "FULL"] as const;
export type SynchronousLevel = (typeof SYNCHRONOUS_LEVELS)[number];

/** LANGFUSE_LOCAL_DB_SYNCHRONOUS's text as a level name (trimmed, case-insensitive); check it with isSynchronousLevel. */
export function normalizeSynchronousLevel(text: string): string {
  return text.trim().toUpperCase();
}

export function isSynchronousLevel(value: unknown): value is SynchronousLevel {
  return (SYNCHRONOUS_LEVELS as readonly unknown[]).includes(value);
}

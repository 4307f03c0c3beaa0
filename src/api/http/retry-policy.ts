/**
 * The one definition of when and how long the SDK waits before sending something again:
 * the management API (HttpApi), the OTLP span exporter, the span processor's export queue and
 * the score queue all use these.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (so `maxRetries + 1` attempts at most). */
  maxRetries: number;
  /** First backoff step; doubles per retry. */
  baseDelayMs: number;
  /** Upper bound of one wait, also for a server's Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 300, maxDelayMs: 30_000 };

/**
 * Statuses worth retrying: 0 (no HTTP answer: network error, connection refused), timeouts,
 * rate limits and server-side failures. 501 (not implemented) will not change by waiting.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/**
 * `Retry-After` as milliseconds (delta-seconds or an HTTP date); undefined if absent or
 * unusable. Accepts what fetch (`string | null`) and node:http (`string | string[]`) hand over.
 */
export function parseRetryAfter(value: string | string[] | null | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const trimmed = v.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with jitter (50-100% of the step), or the server's Retry-After, capped. */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const step = Math.min(policy.baseDelayMs * 2 ** retry, policy.maxDelayMs);
  return Math.round(step * (0.5 + random() * 0.5));
}

/**
 * Waits `ms`. The timer is referenced on purpose: every caller bounds its retries, and an
 * unref'd timer let the process exit mid-backoff, so flush()/shutdown() never settled and the
 * batch was lost.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

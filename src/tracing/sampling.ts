/**
 * Trace-id based sampling, shared by spans and scores so a kept trace keeps its scores.
 * Like the Python SDK's TraceIdRatioBased sampler: the low 64 bits of the trace id, read as
 * an unsigned number, must be below rate * 2^64. Here the comparison uses two 32-bit halves
 * in doubles (exact to ~2^-53 of the range, far below any meaningful rate difference).
 */
const TWO_POW_32 = 4294967296;
const TWO_POW_64 = TWO_POW_32 * TWO_POW_32;
const HEX32 = /^[0-9a-f]{32}$/;

export function isTraceSampled(traceId: string, rate: number): boolean {
  if (!(rate < 1)) return true;
  if (!(rate > 0)) return false;
  // A malformed id cannot be ratio-sampled consistently; keep it (as the Python SDK does for scores).
  if (typeof traceId !== "string" || !HEX32.test(traceId)) return true;
  const hi = parseInt(traceId.slice(16, 24), 16);
  const lo = parseInt(traceId.slice(24, 32), 16);
  return hi * TWO_POW_32 + lo < rate * TWO_POW_64;
}

/**
 * Runs `worker(i)` for i in 0..count-1 with at most `concurrency` running at once. A slot is
 * refilled as soon as one finishes (no batch barriers), so slow items do not hold fast ones.
 * `worker` must not reject (the runner catches per item); a rejection still stops nothing else.
 */
export async function runPool(count: number, concurrency: number, worker: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Math.max(0, Math.min(concurrency, count));
  const lane = async (): Promise<void> => {
    // Each iteration claims one index; bounded by `count`.
    while (next < count) {
      const i = next++;
      try {
        await worker(i);
      } catch {
        /* isolated by contract: the worker records its own failure */
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let collect: (() => void) | null | undefined;

/**
 * A full garbage collection, when the runtime allows one. Node offers no API for it without
 * `--expose-gc`; exposing it at run time (the documented setFlagsFromString use) gives the gc
 * function to new contexts only, so the process's own globals stay as they were. If that ever
 * fails, this is a no-op and memory simply comes back at the next natural collection.
 */
function collectGarbage(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      const gc: unknown = runInNewContext("gc");
      collect = typeof gc === "function" ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  collect?.();
}

/**
 * After a burst of large requests the process holds their garbage (V8 does not collect while
 * nothing allocates, and an idle server allocates nothing) and SQLite holds a full page cache.
 * `touch()` after each large request; once `idleMs` pass without another, both are released.
 */
export function idleMemoryRelease(releaseCache: () => void, idleMs: number): { touch(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    touch() {
      if (timer) {
        timer.refresh();
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        releaseCache();
        collectGarbage();
      }, idleMs);
      timer.unref();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

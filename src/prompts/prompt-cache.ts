/**
 * The in-memory prompt cache of one PromptManager (stale-while-revalidate).
 *
 * Entries live in a two-level map: prompt name → selector → entry, where the selector is the
 * version number or the label string (Map keys keep `1` and `"1"` apart). Two levels make
 * invalidation exact (only that name, never a prefix match, unlike the reference SDKs) and
 * keep the hit path free of string building.
 *
 * Each name has a generation counter, bumped by `invalidate`. A fetch records the generation
 * when it starts and may only write its result if the generation did not move, so a request
 * that raced with `createPrompt`/`updatePrompt` never puts the pre-change value back.
 */
import type { PromptClient } from "./prompt-clients";

/** Milliseconds since the epoch. Injectable so tests can move time. */
export interface PromptCacheClock {
  now(): number;
}

/**
 * The default clock. `Date.now()` costs about as much as the rest of a cache hit, so a reading
 * is reused until 64 further calls or until a 10 ms timer (unref'd, only armed while the clock
 * is in use) has fired, whichever comes first. TTLs are whole seconds, so a reading late by at
 * most ~10 ms (or by 64 calls in a loop that never yields) changes nothing that matters.
 */
export class CoarseClock implements PromptCacheClock {
  private value = 0;
  private uses = 0;
  private expired = true;

  now(): number {
    if (this.expired) {
      this.expired = false;
      const timer = setTimeout(() => {
        this.expired = true;
      }, 10);
      timer.unref?.();
      this.uses = 0;
      this.value = Date.now();
    } else if (++this.uses >= 64) {
      this.uses = 0;
      this.value = Date.now();
    }
    return this.value;
  }
}

export const systemClock: PromptCacheClock = new CoarseClock();

/** A version number, or a label. */
export type PromptSelector = number | string;

export interface PromptCacheEntry {
  readonly value: PromptClient;
  /** `Promise.resolve(value)`, made once, so a cache hit allocates nothing. */
  readonly resolved: Promise<PromptClient>;
  /** Fresh while `now <= expiresAt`. */
  readonly expiresAt: number;
}

export class PromptCache {
  private readonly entries = new Map<string, Map<PromptSelector, PromptCacheEntry>>();
  private readonly inFlight = new Map<string, Map<PromptSelector, Promise<PromptClient>>>();
  private readonly generations = new Map<string, number>();

  constructor(readonly clock: PromptCacheClock = systemClock) {}

  get(name: string, selector: PromptSelector): PromptCacheEntry | undefined {
    const byName = this.entries.get(name);
    return byName === undefined ? undefined : byName.get(selector);
  }

  isFresh(entry: PromptCacheEntry): boolean {
    return this.clock.now() <= entry.expiresAt;
  }

  /** Stores `value` for `ttlSeconds` unless `name` was invalidated since `generation`. */
  set(name: string, selector: PromptSelector, value: PromptClient, ttlSeconds: number, generation: number): boolean {
    if (this.generation(name) !== generation) return false;
    let byName = this.entries.get(name);
    if (byName === undefined) this.entries.set(name, (byName = new Map()));
    byName.set(selector, { value, resolved: Promise.resolve(value), expiresAt: this.clock.now() + ttlSeconds * 1000 });
    return true;
  }

  delete(name: string, selector: PromptSelector, generation: number): void {
    if (this.generation(name) !== generation) return;
    const byName = this.entries.get(name);
    if (byName === undefined) return;
    byName.delete(selector);
    if (byName.size === 0) this.entries.delete(name);
  }

  /** Forgets every entry (and in-flight request) of exactly this prompt name. */
  invalidate(name: string): void {
    this.entries.delete(name);
    this.inFlight.delete(name);
    this.generations.set(name, this.generation(name) + 1);
  }

  generation(name: string): number {
    return this.generations.get(name) ?? 0;
  }

  /**
   * Runs `fetch` unless a request for this key is already in flight, in which case its promise
   * is shared. The slot is freed when the request settles.
   */
  shared(name: string, selector: PromptSelector, fetch: () => Promise<PromptClient>): Promise<PromptClient> {
    let byName = this.inFlight.get(name);
    const running = byName?.get(selector);
    if (running !== undefined) return running;
    const promise = fetch();
    if (byName === undefined) this.inFlight.set(name, (byName = new Map()));
    byName.set(selector, promise);
    const owner = byName;
    const release = (): void => {
      if (owner.get(selector) === promise) owner.delete(selector);
      if (owner.size === 0 && this.inFlight.get(name) === owner) this.inFlight.delete(name);
    };
    promise.then(release, release);
    return promise;
  }

  isInFlight(name: string, selector: PromptSelector): boolean {
    return this.inFlight.get(name)?.has(selector) ?? false;
  }

  /** Number of cached entries (all names). */
  get size(): number {
    let n = 0;
    for (const byName of this.entries.values()) n += byName.size;
    return n;
  }

  clear(): void {
    for (const name of [...this.entries.keys(), ...this.inFlight.keys()]) this.invalidate(name);
  }
}

import { CoarseClock, PromptCache } from "../../src/prompts/prompt-cache";
import { TextPromptClient } from "../../src/prompts/prompt-clients";
import { ManualClock } from "./helpers";

const client = (name: string, version = 1) => new TextPromptClient({ name, version, config: {}, labels: [], tags: [], prompt: "x" });

describe("PromptCache", () => {
  it("is fresh up to and including storedAt + ttl", () => {
    const clock = new ManualClock(0);
    const cache = new PromptCache(clock);
    cache.set("p", "production", client("p"), 20, cache.generation("p"));
    const entry = cache.get("p", "production")!;
    clock.ms = 20_000;
    expect(cache.isFresh(entry)).toBe(true);
    clock.ms = 20_001;
    expect(cache.isFresh(entry)).toBe(false);
  });

  it("keeps version 1 and label '1' apart and invalidates exactly one name", () => {
    const cache = new PromptCache(new ManualClock());
    cache.set("p", 1, client("p", 1), 60, 0);
    cache.set("p", "1", client("p", 2), 60, 0);
    cache.set("p-1", "production", client("p-1"), 60, 0);
    expect(cache.get("p", 1)!.value.version).toBe(1);
    expect(cache.get("p", "1")!.value.version).toBe(2);
    cache.invalidate("p");
    expect(cache.size).toBe(1);
    expect(cache.get("p-1", "production")).toBeDefined();
  });

  it("drops writes and deletes from before an invalidation", () => {
    const cache = new PromptCache(new ManualClock());
    const before = cache.generation("p");
    cache.invalidate("p");
    expect(cache.set("p", "production", client("p"), 60, before)).toBe(false);
    expect(cache.get("p", "production")).toBeUndefined();
    expect(cache.set("p", "production", client("p"), 60, cache.generation("p"))).toBe(true);
    cache.delete("p", "production", before);
    expect(cache.get("p", "production")).toBeDefined();
  });

  it("shares one in-flight promise per key and frees the slot when it settles", async () => {
    const cache = new PromptCache(new ManualClock());
    let calls = 0;
    let release!: (c: TextPromptClient) => void;
    const fetch = () => {
      calls++;
      return new Promise<TextPromptClient>((r) => (release = r));
    };
    const a = cache.shared("p", "production", fetch);
    const b = cache.shared("p", "production", fetch);
    expect(a).toBe(b);
    expect(cache.isInFlight("p", "production")).toBe(true);
    release(client("p"));
    await a;
    await Promise.resolve();
    expect(cache.isInFlight("p", "production")).toBe(false);
    const failing = cache.shared("p", "production", () => Promise.reject(new Error("down")));
    await expect(failing).rejects.toThrow("down");
    await Promise.resolve();
    expect(cache.isInFlight("p", "production")).toBe(false);
    expect(calls).toBe(1);
  });
});

describe("CoarseClock", () => {
  it("reuses a reading for at most 64 calls in a loop that never yields", () => {
    let t = 1000;
    const now = jest.spyOn(Date, "now").mockImplementation(() => ++t);
    try {
      const clock = new CoarseClock();
      const first = clock.now();
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) seen.add(clock.now());
      expect(first).toBe(1001);
      expect(seen.size).toBeGreaterThanOrEqual(3); // re-read at least every 64 calls
      expect(now.mock.calls.length).toBeLessThanOrEqual(1 + Math.ceil(200 / 64));
    } finally {
      now.mockRestore();
    }
  });

  it("re-reads after its timer fired", async () => {
    const clock = new CoarseClock();
    const a = clock.now();
    await new Promise((r) => setTimeout(r, 30));
    const b = clock.now();
    expect(b).toBeGreaterThan(a);
  });
});

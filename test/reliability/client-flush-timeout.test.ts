/**
 * `langfuse.flush({ timeoutMs })` and `shutdown({ timeoutMs })` return in bounded time whatever
 * the endpoint does, and say what is still pending: spans (the span pipeline's own count) and
 * every other queue (scores here) that had not finished.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Langfuse, LangfuseValidationError, observe } from "../../src";

/** Accepts every connection and request, never answers. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(() => undefined);
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("client flush with a timeout", () => {
  let restore: () => void;
  beforeEach(() => {
    const spies = (["info", "warn", "error", "debug"] as const).map((m) => jest.spyOn(console, m).mockImplementation(() => undefined));
    restore = () => spies.forEach((s) => s.mockRestore());
  });
  afterEach(() => restore());

  it("returns within its timeout against a black-hole endpoint, with spans and scores reported pending", async () => {
    const hole = await blackHole();
    const lf = new Langfuse({ publicKey: "pk-lf-hole", secretKey: "sk-lf-hole", baseUrl: hole.url, flushAt: 512, flushInterval: 60, timeout: 30 });
    try {
      const traced = observe((i: number) => i, { name: "into-the-void" });
      for (let i = 0; i < 300; i++) traced(i);
      lf.createScore({ name: "quality", value: 1, traceId: "a".repeat(32) });
      // Without the timeout this would wait for the endpoint (30 s request timeout, retries) and
      // exceed the test's own limit.
      const result = await lf.flush({ timeoutMs: 1_000 });
      expect(result.delivered).toBe(0);
      expect(result.pending).toBe(300);
      const spans = result.reports.find((r) => r.name === "spans")!;
      expect(spans.pending).toBe(300);
      const scores = result.reports.find((r) => r.name === "scores")!;
      expect(scores.errors.join(" ")).toMatch(/not finished after 1000 ms/);
      expect(result.errors.some((e) => e.startsWith("scores: "))).toBe(true);
      const down = await lf.shutdown({ timeoutMs: 500 });
      expect(down.pending).toBe(300);
    } finally {
      await lf.shutdown({ timeoutMs: 200 });
      await hole.close();
    }
  }, 60_000);

  it("refuses a timeout that is not a number of milliseconds", async () => {
    const lf = new Langfuse({ localDbPath: ":memory:" });
    try {
      await expect(lf.flush({ timeoutMs: -1 })).rejects.toThrow(LangfuseValidationError);
      await expect(lf.flush({ timeoutMs: Number.NaN })).rejects.toThrow(/timeoutMs/);
      const ok = await lf.flush({ timeoutMs: 5_000 });
      expect(ok.pending).toBe(0);
    } finally {
      await lf.shutdown();
    }
  });
});

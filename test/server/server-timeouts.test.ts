import { connect } from "node:net";
import { createServer, SERVER_TIMEOUTS } from "../../src/server/create-server";
import { LocalApi } from "../../src/local/local-api";
import { openLocalStore } from "../../src/local/store";
import { startHarness, type Harness } from "./server-harness";

/**
 * Slow or silent clients cannot hold the server's sockets: before, there was no body or idle
 * timeout (a trickling body held its socket forever) and silent or slow-header sockets were
 * held ~90 s (Node's 60 s headersTimeout, checked every 30 s). Run with short timeouts here; the
 * defaults are checked on the server object.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeouts: { headersMs: 500, requestMs: 1500, idleMs: 1000, keepAliveMs: 500 } });
});
afterAll(async () => {
  await h.stop();
});

type Kind = "silent" | "slow-headers" | "slow-body";

/** Opens a socket that misbehaves as `kind`; resolves with the kind once the server closed it. */
function misbehave(port: number, kind: Kind, timers: NodeJS.Timeout[]): Promise<Kind> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    sock.on("error", () => undefined);
    sock.resume();
    sock.on("close", () => resolve(kind));
    sock.on("connect", () => {
      // One byte every 100 ms: never idle, never finished.
      const trickle = (text: string) => {
        let i = 0;
        timers.push(setInterval(() => !sock.destroyed && sock.write(text[i++ % text.length]!), 100));
      };
      if (kind === "slow-headers") trickle("POST /api/public/scores HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(1000));
      if (kind === "slow-body") {
        sock.write(`POST /api/public/scores HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nAuthorization: ${h.basic}\r\n\r\n{`);
        trickle(" ");
      }
    });
  });
}

test("silent, slow-header and slow-body sockets are all closed by the server, which keeps serving", async () => {
  const port = Number(new URL(h.server.url).port);
  const timers: NodeJS.Timeout[] = [];
  const kinds: Kind[] = ["silent", "slow-headers", "slow-body"];
  try {
    const closed = await Promise.all(Array.from({ length: 90 }, (_, i) => misbehave(port, kinds[i % 3]!, timers)));
    expect(closed.filter((k) => k === "silent")).toHaveLength(30);
    expect(closed.filter((k) => k === "slow-headers")).toHaveLength(30);
    expect(closed.filter((k) => k === "slow-body")).toHaveLength(30);
  } finally {
    timers.forEach(clearInterval);
  }
  expect((await h.call("GET", "/api/public/health", { auth: false })).status).toBe(200);
}, 30_000);

test("the defaults are short enough for a loopback server and reach Node's http server", async () => {
  const store = openLocalStore(":memory:");
  const app = createServer({ api: new LocalApi(store), ingest: () => undefined, auth: { publicKey: "pk", secretKey: "sk" } });
  try {
    await app.ready();
    expect(app.server.headersTimeout).toBe(SERVER_TIMEOUTS.headersMs);
    expect(app.server.requestTimeout).toBe(SERVER_TIMEOUTS.requestMs);
    expect(app.server.timeout).toBe(SERVER_TIMEOUTS.idleMs);
    expect(app.server.keepAliveTimeout).toBe(SERVER_TIMEOUTS.keepAliveMs);
    expect(SERVER_TIMEOUTS.headersMs).toBeLessThanOrEqual(10_000);
    expect(SERVER_TIMEOUTS.idleMs).toBeGreaterThan(0);
  } finally {
    await app.close();
    store.close();
  }
});

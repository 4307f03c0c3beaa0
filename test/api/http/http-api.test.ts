import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LangfuseApiError } from "../../../src/api/errors";
import { HttpApi, type HttpApiOptions } from "../../../src/api/http/http-api";
import { parseRetryAfter, retryDelayMs, isRetryableStatus } from "../../../src/api/http/retry-policy";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;

const PUBLIC_KEY = "pk-lf-test";
const SECRET_KEY = "sk-lf-very-secret-value";

async function withServer(handler: Handler, fn: (baseUrl: string, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, seen.length, body);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, seen);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

function makeApi(baseUrl: string, extra: Partial<HttpApiOptions> = {}): HttpApi {
  return new HttpApi({
    baseUrl: `${baseUrl}/`,
    publicKey: PUBLIC_KEY,
    secretKey: SECRET_KEY,
    timeoutSeconds: 5,
    retryBaseDelayMs: 1,
    sdkName: "langfuse-decorators",
    sdkVersion: "9.9.9",
    additionalHeaders: { "x-extra": "yes" },
    ...extra,
  });
}

async function catchApiError(p: Promise<unknown>): Promise<LangfuseApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(LangfuseApiError);
    return err as LangfuseApiError;
  }
  throw new Error("expected a LangfuseApiError");
}

describe("HttpApi requests", () => {
  test("sends Basic auth, SDK headers and extra headers; encodes folder names", async () => {
    await withServer(
      (_req, res) => json(res, 200, { name: "a/b/c", version: 1 }),
      async (baseUrl, seen) => {
        await makeApi(baseUrl).prompts.get("a/b/c", { label: "production" });
        expect(seen).toHaveLength(1);
        expect(seen[0]!.method).toBe("GET");
        expect(seen[0]!.url).toBe("/api/public/v2/prompts/a%2Fb%2Fc?label=production");
        const h = seen[0]!.headers;
        expect(h.authorization).toBe(`Basic ${Buffer.from(`${PUBLIC_KEY}:${SECRET_KEY}`).toString("base64")}`);
        expect(h["x-langfuse-sdk-name"]).toBe("langfuse-decorators");
        expect(h["x-langfuse-sdk-version"]).toBe("9.9.9");
        expect(h["x-langfuse-public-key"]).toBe(PUBLIC_KEY);
        expect(h["x-extra"]).toBe("yes");
      },
    );
  });

  test("JSON bodies, repeated query keys, PATCH paths and 204 answers", async () => {
    await withServer(
      (req, res) => {
        if (req.method === "DELETE") {
          res.writeHead(204);
          res.end();
        } else json(res, 200, { data: [], meta: { page: 1, limit: 50, totalItems: 0, totalPages: 0 } });
      },
      async (baseUrl, seen) => {
        const api = makeApi(baseUrl);
        await api.traces.list({ tags: ["x", "y"], environment: "prod", userId: undefined });
        await api.prompts.updateLabels("f/p", 3, ["production"]);
        await expect(api.prompts.delete("f/p", { version: 2 })).resolves.toBeUndefined();
        expect(seen[0]!.url).toBe("/api/public/traces?tags=x&tags=y&environment=prod");
        expect(seen[1]).toMatchObject({ method: "PATCH", url: "/api/public/v2/prompts/f%2Fp/versions/3", body: JSON.stringify({ newLabels: ["production"] }) });
        expect(seen[1]!.headers["content-type"]).toBe("application/json");
        expect(seen[2]).toMatchObject({ method: "DELETE", url: "/api/public/v2/prompts/f%2Fp?version=2" });
      },
    );
  });
});

describe("HttpApi retries", () => {
  test("429 with Retry-After waits at least that long, then succeeds", async () => {
    await withServer(
      (_req, res, n) => (n === 1 ? json(res, 429, { message: "slow down" }, { "Retry-After": "1" }) : json(res, 200, { status: "OK", version: "x" })),
      async (baseUrl, seen) => {
        const started = Date.now();
        await expect(makeApi(baseUrl).health()).resolves.toEqual({ status: "OK", version: "x" });
        expect(seen).toHaveLength(2);
        // Backoff alone would be ~1 ms here: the wait can only come from Retry-After.
        expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      },
    );
  });

  test("503 then 200 succeeds; 408 is retried too", async () => {
    await withServer(
      (_req, res, n) => (n === 1 ? json(res, 503, { message: "Service Unavailable" }) : n === 2 ? json(res, 408, {}) : json(res, 200, { id: "s1" })),
      async (baseUrl, seen) => {
        await expect(makeApi(baseUrl).scores.create({ id: "s1", name: "x", value: 1, traceId: "t" })).resolves.toEqual({ id: "s1" });
        expect(seen).toHaveLength(3);
        expect(seen.every((s) => s.method === "POST" && s.url === "/api/public/scores")).toBe(true);
      },
    );
  });

  test("persistent 500 stops after maxRetries with a typed error carrying status, body and request id", async () => {
    await withServer(
      (_req, res) => json(res, 500, { message: "Internal Server Error", error: "boom" }, { "x-request-id": "req-123" }),
      async (baseUrl, seen) => {
        const e = await catchApiError(makeApi(baseUrl, { maxRetries: 2 }).datasets.get("d"));
        expect(seen).toHaveLength(3);
        expect(e.status).toBe(500);
        expect(e.code).toBe("API");
        expect(e.body).toEqual({ message: "Internal Server Error", error: "boom" });
        expect(e.requestId).toBe("req-123");
        expect(e.message).toContain("Internal Server Error");
      },
    );
  });

  test("4xx answers are not retried", async () => {
    await withServer(
      (_req, res) => json(res, 404, { message: "Dataset not found", error: "LangfuseNotFoundError" }),
      async (baseUrl, seen) => {
        const e = await catchApiError(makeApi(baseUrl).datasets.get("missing"));
        expect(seen).toHaveLength(1);
        expect(e.status).toBe(404);
        expect(e.code).toBe("NOT_FOUND");
      },
    );
  });

  test("a server that never answers times out per attempt (408, TIMEOUT) and is retried", async () => {
    await withServer(
      () => undefined, // never respond
      async (baseUrl, seen) => {
        const e = await catchApiError(makeApi(baseUrl, { timeoutSeconds: 0.2, maxRetries: 1 }).health());
        expect(e.status).toBe(408);
        expect(e.code).toBe("TIMEOUT");
        expect(seen).toHaveLength(2);
      },
    );
  });

  test("connection refused is a NETWORK error after bounded retries", async () => {
    let closedUrl = "";
    await withServer(
      () => undefined,
      async (baseUrl) => {
        closedUrl = baseUrl;
      },
    );
    const e = await catchApiError(makeApi(closedUrl, { maxRetries: 1 }).health());
    expect(e.status).toBe(0);
    expect(e.code).toBe("NETWORK");
  });

  test("the secret key never appears in errors, even when a server echoes it", async () => {
    await withServer(
      (req, res) => {
        const decoded = Buffer.from(String(req.headers.authorization).slice(6), "base64").toString();
        json(res, 401, { message: `Invalid credentials ${decoded}`, echoed: decoded });
      },
      async (baseUrl) => {
        const e = await catchApiError(makeApi(baseUrl).health());
        expect(e.status).toBe(401);
        const everything = JSON.stringify({ message: e.message, body: e.body, stack: e.stack, own: { ...e } });
        expect(everything).not.toContain(SECRET_KEY);
        expect(everything).toContain(PUBLIC_KEY);
      },
    );
  });

  test("constructor rejects unusable options", () => {
    expect(() => new HttpApi({ baseUrl: "ftp://x", publicKey: "p", secretKey: "s", timeoutSeconds: 1 })).toThrow(LangfuseApiError);
    expect(() => new HttpApi({ baseUrl: "http://x", publicKey: "", secretKey: "s", timeoutSeconds: 1 })).toThrow(/publicKey/);
    expect(() => new HttpApi({ baseUrl: "http://x", publicKey: "p", secretKey: "s", timeoutSeconds: 0 })).toThrow(/timeoutSeconds/);
  });
});

describe("retry policy", () => {
  test("Retry-After as seconds or HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  test("backoff doubles with 50-100% jitter and is capped; Retry-After is capped too", () => {
    const p = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(p, 0, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(p, 0, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(p, 2, undefined, () => 1)).toBe(400);
    expect(retryDelayMs(p, 10, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(p, 0, 60_000)).toBe(1000);
  });

  test("retryable statuses", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 422, 501].some(isRetryableStatus)).toBe(false);
  });
});

describe("HttpApi retries of non-idempotent writes", () => {
  test("a prompt create is not repeated after a 500 (it may have been applied), but is after 429/503", async () => {
    await withServer(
      (_req, res) => json(res, 500, { message: "Internal Server Error" }),
      async (baseUrl, seen) => {
        const e = await catchApiError(makeApi(baseUrl).prompts.create({ name: "p", prompt: "x" }));
        expect(e.status).toBe(500);
        expect(seen).toHaveLength(1);
      },
    );
    await withServer(
      (_req, res, n) => (n === 1 ? json(res, 503, {}) : n === 2 ? json(res, 429, {}) : json(res, 201, { name: "p", version: 1 })),
      async (baseUrl, seen) => {
        await expect(makeApi(baseUrl).prompts.create({ name: "p", prompt: "x" })).resolves.toMatchObject({ version: 1 });
        expect(seen).toHaveLength(3);
      },
    );
  });

  test("timeouts repeat idempotent writes (item with id, score with id) but not an item without id", async () => {
    await withServer(
      () => undefined,
      async (baseUrl, seen) => {
        const api = makeApi(baseUrl, { timeoutSeconds: 0.2, maxRetries: 1 });
        await catchApiError(api.datasetItems.upsert({ datasetName: "d", input: 1 }));
        expect(seen).toHaveLength(1);
        await catchApiError(api.datasetItems.upsert({ datasetName: "d", id: "item-1", input: 1 }));
        expect(seen).toHaveLength(3);
        await catchApiError(api.scores.create({ id: "s-1", name: "n", value: 1, traceId: "t" }));
        expect(seen).toHaveLength(5);
      },
    );
  });

  test("a refused connection on a non-idempotent write is a NETWORK error naming the cause", async () => {
    let closedUrl = "";
    await withServer(
      () => undefined,
      async (baseUrl) => {
        closedUrl = baseUrl;
      },
    );
    const e = await catchApiError(makeApi(closedUrl, { maxRetries: 2 }).prompts.create({ name: "p", prompt: "x" }));
    expect(e.status).toBe(0);
    expect(e.message).toContain("ECONNREFUSED");
  });
});

describe("HttpApi: non-idempotent POSTs and a server that answers after the client's timeout", () => {
  /**
   * Counts requests as they arrive and answers each one only when its client went away (the
   * client timed out) or after a bounded 5 s, whichever comes first: the request surely reached
   * the server, so repeating a non-idempotent write could create a duplicate.
   */
  async function withSlowServer(fn: (baseUrl: string, received: () => { method: string; url: string }[]) => Promise<void>): Promise<void> {
    const received: { method: string; url: string }[] = [];
    const timers = new Set<NodeJS.Timeout>();
    const server = createServer((req, res) => {
      received.push({ method: req.method!, url: req.url! });
      req.resume();
      const answer = () => {
        clearTimeout(timer);
        timers.delete(timer);
        if (!res.writableEnded && !res.destroyed) json(res, 201, { id: "too-late" });
      };
      const timer = setTimeout(answer, 5000);
      timers.add(timer);
      res.on("close", answer);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => [...received]);
    } finally {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  test("dataset item without id, run item, prompt version and score without id: one request each, a TIMEOUT error", async () => {
    await withSlowServer(async (baseUrl, received) => {
      const api = makeApi(baseUrl, { timeoutSeconds: 0.2, maxRetries: 3 });
      const writes: [string, () => Promise<unknown>][] = [
        ["/api/public/dataset-items", () => api.datasetItems.upsert({ datasetName: "d", input: { q: 1 } })],
        ["/api/public/dataset-run-items", () => api.datasetRunItems.create({ runName: "r", datasetItemId: "i", traceId: "t" })],
        ["/api/public/v2/prompts", () => api.prompts.create({ name: "p", prompt: "x" })],
        ["/api/public/scores", () => api.scores.create({ name: "s", value: 1, traceId: "t" })],
      ];
      for (const [path, write] of writes) {
        const before = received().length;
        const e = await catchApiError(write());
        expect(e.status).toBe(408);
        expect(e.code).toBe("TIMEOUT");
        expect(received().slice(before)).toEqual([{ method: "POST", url: path }]);
      }
    });
  });

  test("control: the same server does see retries of an idempotent read and of an upsert with an id", async () => {
    await withSlowServer(async (baseUrl, received) => {
      const api = makeApi(baseUrl, { timeoutSeconds: 0.2, maxRetries: 1 });
      await catchApiError(api.health());
      expect(received()).toHaveLength(2);
      await catchApiError(api.datasetItems.upsert({ datasetName: "d", id: "item-1", input: 1 }));
      expect(received()).toHaveLength(4);
    });
  });

  test("a refused connection provably sent nothing: a non-idempotent write is retried and lands exactly once", async () => {
    // A port nobody listens on (yet): the first attempt is refused, then the server comes up.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => json(res, 200, { id: "run-item-1" }));
    });
    let refusals = 0;
    const fetchThenStartServer: typeof fetch = async (input, init) => {
      try {
        return await fetch(input, init);
      } catch (err) {
        if (refusals++ === 0) await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
        throw err;
      }
    };
    try {
      const api = makeApi(`http://127.0.0.1:${port}`, { maxRetries: 2, fetch: fetchThenStartServer });
      await expect(api.datasetRunItems.create({ runName: "r", datasetItemId: "i", traceId: "t" })).resolves.toEqual({ id: "run-item-1" });
      expect(refusals).toBe(1);
      expect(received).toEqual(["POST /api/public/dataset-run-items"]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
    }
  });
});

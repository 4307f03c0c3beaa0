import { SDK_NAME, SDK_VERSION } from "../../config/sdk-info";
import { LangfuseApiError } from "../errors";
import type { LangfuseApi } from "../langfuse-api";
import type * as T from "../types";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from "./retry-policy";
import { inspect } from "node:util";
import { inspectRedacted } from "../../config/hide-secrets";

export interface HttpApiOptions {
  /** e.g. https://cloud.langfuse.com or http://127.0.0.1:3000 (trailing slashes are ignored). */
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  /** Per attempt. */
  timeoutSeconds: number;
  /**
   * Retries after the first attempt on network errors, 408, 429 and 5xx. Default 3. Writes that
   * are not idempotent (prompt versions, items without id, run items, scores without id) are
   * retried only on 429, 503 and refused connections.
   */
  maxRetries?: number;
  /** First backoff step in ms (doubles per retry, with jitter). Default 300. */
  retryBaseDelayMs?: number;
  /** Cap of one wait, Retry-After included. Default 30,000. */
  retryMaxDelayMs?: number;
  sdkName?: string;
  sdkVersion?: string;
  additionalHeaders?: Record<string, string>;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | string[] | undefined | null>;

interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  /**
   * false for writes that would be applied twice if repeated (a new prompt version, an item
   * without id, a run item): those are retried only when the server surely did not process
   * the first attempt (429, 503, connection refused), never after a timeout or a 500.
   */
  idempotent?: boolean;
  query?: Query;
  body?: unknown;
}

const enc = encodeURIComponent;
/**
 * Connection failures that happen before a request could reach the server. ECONNRESET and
 * "other side closed" are not among them: fetch cannot tell whether the request was written
 * before the reset, so a non-idempotent write is not repeated after one (a typed NETWORK error).
 */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);
const MAX_ERROR_BODY_CHARS = 2000;

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `LangfuseApi` over HTTP (fetch) against Langfuse Cloud, a self-hosted Langfuse or the local
 * server. Basic auth, SDK headers, a timeout per attempt, bounded retries with backoff and
 * jitter (honouring Retry-After), and `LangfuseApiError` for every failure. The secret key is
 * only ever placed in the Authorization header; it is scrubbed from anything an error carries.
 */
export class HttpApi implements LangfuseApi {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly secretKey: string;

  constructor(options: HttpApiOptions) {
    if (!options || typeof options.baseUrl !== "string" || !/^https?:\/\//.test(options.baseUrl))
      throw new LangfuseApiError(0, "HttpApi needs a baseUrl starting with http:// or https://");
    if (!options.publicKey || !options.secretKey) throw new LangfuseApiError(0, "HttpApi needs a publicKey and a secretKey");
    if (!(options.timeoutSeconds > 0)) throw new LangfuseApiError(0, "HttpApi needs a positive timeoutSeconds");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.secretKey = options.secretKey;
    this.timeoutMs = options.timeoutSeconds * 1000;
    this.retry = {
      maxRetries: Math.max(0, Math.floor(options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries)),
      baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
      maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    };
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.headers = {
      ...(options.additionalHeaders ?? {}),
      Authorization: `Basic ${Buffer.from(`${options.publicKey}:${options.secretKey}`).toString("base64")}`,
      "x-langfuse-sdk-name": options.sdkName ?? SDK_NAME,
      "x-langfuse-sdk-version": options.sdkVersion ?? SDK_VERSION,
      "x-langfuse-public-key": options.publicKey,
      Accept: "application/json",
    };
  }

  /** `console.log(api)` and `util.inspect` show the credentials redacted. */
  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect): string {
    return inspectRedacted(this, depth, options, inspectFn);
  }

  private scrub(text: string): string {
    return this.secretKey ? text.split(this.secretKey).join("***") : text;
  }

  private async attempt(
    spec: RequestSpec,
    url: string,
  ): Promise<{ response?: Response; error?: LangfuseApiError; retryAfterMs?: number; notSent?: boolean }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const response = await this.fetchImpl(url, {
        method: spec.method,
        headers: spec.body === undefined ? this.headers : { ...this.headers, "Content-Type": "application/json" },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: controller.signal,
      });
      if (response.ok) return { response };
      const text = this.scrub(await response.text().catch(() => ""));
      let body: unknown = text.slice(0, MAX_ERROR_BODY_CHARS);
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the (truncated) text
      }
      const serverMessage =
        typeof body === "object" && body !== null && typeof (body as { message?: unknown }).message === "string"
          ? (body as { message: string }).message
          : typeof body === "string" && body
            ? body.slice(0, 200)
            : response.statusText;
      const requestId = response.headers.get("x-request-id") ?? response.headers.get("x-amzn-requestid") ?? undefined;
      return {
        error: new LangfuseApiError(response.status, `${spec.method} ${spec.path} failed with ${response.status}: ${serverMessage}`, body, { requestId }),
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
      };
    } catch (err) {
      const timedOut = controller.signal.aborted;
      const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
      const detail = typeof cause === "string" ? ` (${cause})` : "";
      const reason = timedOut ? `timed out after ${this.timeoutMs / 1000}s` : this.scrub(`${(err as Error)?.message ?? String(err)}${detail}`);
      return {
        notSent: !timedOut && typeof cause === "string" && NOT_SENT_CODES.has(cause),
        error: new LangfuseApiError(timedOut ? 408 : 0, `${spec.method} ${spec.path} ${timedOut ? reason : `network error: ${reason}`}`,
          { message: reason, error: timedOut ? "TimeoutError" : "NetworkError" }),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private async request<R>(spec: RequestSpec): Promise<R> {
    const url = `${this.baseUrl}${spec.path}${queryString(spec.query)}`;
    let lastError: LangfuseApiError | undefined;
    let lastRetryAfterMs: number | undefined;
    for (let attempt = 0; attempt <= this.retry.maxRetries; attempt++) {
      if (attempt > 0) await sleep(retryDelayMs(this.retry, attempt - 1, lastRetryAfterMs));
      const { response, error, retryAfterMs, notSent } = await this.attempt(spec, url);
      if (response) {
        if (response.status === 204) return undefined as R;
        const text = await response.text();
        if (!text) return undefined as R;
        try {
          return JSON.parse(text) as R;
        } catch (err) {
          throw new LangfuseApiError(response.status, `${spec.method} ${spec.path} returned a body that is not JSON`, text.slice(0, MAX_ERROR_BODY_CHARS), { cause: err });
        }
      }
      lastError = error!;
      lastRetryAfterMs = retryAfterMs;
      const retryable =
        spec.idempotent === false
          ? notSent === true || lastError.status === 429 || lastError.status === 503
          : lastError.status === 0 || isRetryableStatus(lastError.status);
      if (!retryable) break;
    }
    throw lastError!;
  }

  readonly prompts: LangfuseApi["prompts"] = {
    create: (body) => this.request({ method: "POST", path: "/api/public/v2/prompts", body, idempotent: false }),
    get: (name, query) =>
      this.request({ method: "GET", path: `/api/public/v2/prompts/${enc(name)}`, query: { version: query?.version, label: query?.label } }),
    list: (query) => this.request({ method: "GET", path: "/api/public/v2/prompts", query: query as Query }),
    updateLabels: (name, version, newLabels) =>
      this.request({ method: "PATCH", path: `/api/public/v2/prompts/${enc(name)}/versions/${enc(String(version))}`, body: { newLabels } }),
    delete: async (name, query) => {
      await this.request({ method: "DELETE", path: `/api/public/v2/prompts/${enc(name)}`, query: { version: query?.version, label: query?.label } });
    },
  };

  readonly datasets: LangfuseApi["datasets"] = {
    create: (body) => this.request({ method: "POST", path: "/api/public/v2/datasets", body }),
    get: (name) => this.request({ method: "GET", path: `/api/public/v2/datasets/${enc(name)}` }),
    list: (query) => this.request({ method: "GET", path: "/api/public/v2/datasets", query: query as Query }),
    listRuns: (name, query) => this.request({ method: "GET", path: `/api/public/datasets/${enc(name)}/runs`, query: query as Query }),
    getRun: (name, run) => this.request({ method: "GET", path: `/api/public/datasets/${enc(name)}/runs/${enc(run)}` }),
    deleteRun: (name, run) => this.request({ method: "DELETE", path: `/api/public/datasets/${enc(name)}/runs/${enc(run)}` }),
  };

  readonly datasetItems: LangfuseApi["datasetItems"] = {
    upsert: (body) => this.request({ method: "POST", path: "/api/public/dataset-items", body, idempotent: body?.id !== undefined }),
    get: (id) => this.request({ method: "GET", path: `/api/public/dataset-items/${enc(id)}` }),
    list: (query) => this.request({ method: "GET", path: "/api/public/dataset-items", query: query as Query }),
    delete: async (id) => {
      await this.request({ method: "DELETE", path: `/api/public/dataset-items/${enc(id)}` });
    },
  };

  readonly datasetRunItems: LangfuseApi["datasetRunItems"] = {
    create: (body) => this.request({ method: "POST", path: "/api/public/dataset-run-items", body, idempotent: false }),
    list: (query) => this.request({ method: "GET", path: "/api/public/dataset-run-items", query: query as unknown as Query }),
  };

  readonly scores: LangfuseApi["scores"] = {
    // Scores upsert on id: repeating one that carries an id is harmless.
    create: (body) => this.request({ method: "POST", path: "/api/public/scores", body, idempotent: Boolean(body?.id) }),
    list: (query) => this.request({ method: "GET", path: "/api/public/v2/scores", query: query as Query }),
    get: (id) => this.request({ method: "GET", path: `/api/public/v2/scores/${enc(id)}` }),
    delete: async (id) => {
      await this.request({ method: "DELETE", path: `/api/public/scores/${enc(id)}` });
    },
  };

  readonly ingestion: LangfuseApi["ingestion"] = {
    batch: (events) => this.request({ method: "POST", path: "/api/public/ingestion", body: { batch: events } }),
  };

  readonly media: LangfuseApi["media"] = {
    create: (body) => this.request({ method: "POST", path: "/api/public/media", body }),
    patch: async (id, body) => {
      await this.request({ method: "PATCH", path: `/api/public/media/${enc(id)}`, body });
    },
    get: (id) => this.request({ method: "GET", path: `/api/public/media/${enc(id)}` }),
  };

  readonly traces: LangfuseApi["traces"] = {
    get: (id) => this.request({ method: "GET", path: `/api/public/traces/${enc(id)}` }),
    list: (query) => this.request({ method: "GET", path: "/api/public/traces", query: query as Query }),
    delete: (id) => this.request({ method: "DELETE", path: `/api/public/traces/${enc(id)}` }),
    deleteMany: (traceIds) => this.request({ method: "DELETE", path: "/api/public/traces", body: { traceIds } }),
  };

  readonly observations: LangfuseApi["observations"] = {
    get: (id) => this.request({ method: "GET", path: `/api/public/observations/${enc(id)}` }),
    list: (query) => this.request({ method: "GET", path: "/api/public/observations", query: query as Query }),
    listV2: (query) => this.request({ method: "GET", path: "/api/public/v2/observations", query: query as Query }),
  };

  readonly scoresV3: LangfuseApi["scoresV3"] = {
    list: (query) => this.request({ method: "GET", path: "/api/public/v3/scores", query: query as Query }),
  };

  readonly metrics: LangfuseApi["metrics"] = {
    query: (query) => this.request({ method: "GET", path: "/api/public/v2/metrics", query: { query: JSON.stringify(query) } }),
    queryV1: (query) => this.request({ method: "GET", path: "/api/public/metrics", query: { query: JSON.stringify(query) } }),
  };

  readonly models: LangfuseApi["models"] = {
    create: (body) => this.request({ method: "POST", path: "/api/public/models", body, idempotent: false }),
    upsert: (id, body) => this.request({ method: "PUT", path: `/api/public/models/${enc(id)}`, body }),
    list: (query) => this.request({ method: "GET", path: "/api/public/models", query: query as Query }),
    get: (id) => this.request({ method: "GET", path: `/api/public/models/${enc(id)}` }),
    delete: (id) => this.request({ method: "DELETE", path: `/api/public/models/${enc(id)}` }),
  };

  readonly scoreConfigs: LangfuseApi["scoreConfigs"] = {
    create: (body) => this.request({ method: "POST", path: "/api/public/score-configs", body, idempotent: false }),
    list: (query) => this.request({ method: "GET", path: "/api/public/score-configs", query: query as Query }),
    get: (id) => this.request({ method: "GET", path: `/api/public/score-configs/${enc(id)}` }),
    update: (id, body) => this.request({ method: "PATCH", path: `/api/public/score-configs/${enc(id)}`, body }),
  };

  readonly comments: LangfuseApi["comments"] = {
    create: (body) => this.request({ method: "POST", path: "/api/public/comments", body, idempotent: false }),
    list: (query) => this.request({ method: "GET", path: "/api/public/comments", query: query as Query }),
    get: (id) => this.request({ method: "GET", path: `/api/public/comments/${enc(id)}` }),
  };

  readonly annotationQueues: LangfuseApi["annotationQueues"] = {
    list: (query) => this.request({ method: "GET", path: "/api/public/annotation-queues", query: query as Query }),
    create: (body) => this.request({ method: "POST", path: "/api/public/annotation-queues", body, idempotent: false }),
    get: (id) => this.request({ method: "GET", path: `/api/public/annotation-queues/${enc(id)}` }),
    listItems: (id, query) => this.request({ method: "GET", path: `/api/public/annotation-queues/${enc(id)}/items`, query: query as Query }),
    createItem: (id, body) => this.request({ method: "POST", path: `/api/public/annotation-queues/${enc(id)}/items`, body, idempotent: false }),
    getItem: (id, itemId) => this.request({ method: "GET", path: `/api/public/annotation-queues/${enc(id)}/items/${enc(itemId)}` }),
    updateItem: (id, itemId, body) => this.request({ method: "PATCH", path: `/api/public/annotation-queues/${enc(id)}/items/${enc(itemId)}`, body }),
    deleteItem: (id, itemId) => this.request({ method: "DELETE", path: `/api/public/annotation-queues/${enc(id)}/items/${enc(itemId)}` }),
    createAssignment: (id, body) => this.request({ method: "POST", path: `/api/public/annotation-queues/${enc(id)}/assignments`, body }),
    deleteAssignment: (id, body) => this.request({ method: "DELETE", path: `/api/public/annotation-queues/${enc(id)}/assignments`, body }),
  };

  readonly experiments: LangfuseApi["experiments"] = {
    list: (query) => this.request({ method: "GET", path: "/api/public/experiments", query: query as unknown as Query }),
    listItems: (query) => this.request({ method: "GET", path: "/api/public/experiment-items", query: query as unknown as Query }),
  };

  readonly sessions: LangfuseApi["sessions"] = {
    get: (id) => this.request({ method: "GET", path: `/api/public/sessions/${enc(id)}` }),
    list: (query) => this.request({ method: "GET", path: "/api/public/sessions", query: query as Query }),
  };

  health(): Promise<T.HealthResponse> {
    return this.request({ method: "GET", path: "/api/public/health" });
  }

  readonly projects: LangfuseApi["projects"] = {
    get: () => this.request({ method: "GET", path: "/api/public/projects" }),
  };
}

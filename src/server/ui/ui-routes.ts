import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TraceSearchQuery, UiReads } from "../../local/api/ui-reads";
import { checkAuthorization, type ServerAuth } from "../auth";
import { HttpError } from "../http-errors";
import { definePath } from "../route-definition";
import { datasetNameParam, nameParam, queryOf } from "../routes/route-params";
import { loadUiAssets, UI_NOT_BUILT_PAGE, type UiAsset } from "./ui-static";
import { sameOrigin, sessionCookieName, sessionToken, type UiSessions } from "./ui-sessions";

export interface UiRouteContext {
  reads: UiReads;
  sessions: UiSessions;
  auth: ServerAuth;
  /** The built UI folder; undefined or missing serves a page saying how to build it. */
  dir: string | undefined;
}

/**
 * The page may load only its own scripts and styles and talk only to this server; no framing.
 * (Computed positions, such as the waterfall's bars, are set through the CSSOM, which style-src
 * does not restrict.)
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function sendAsset(reply: FastifyReply, asset: UiAsset): FastifyReply {
  reply.header("content-type", asset.type);
  reply.header("x-content-type-options", "nosniff");
  reply.header("cache-control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (asset.type.startsWith("text/html")) {
    reply.header("content-security-policy", CSP);
    reply.header("referrer-policy", "no-referrer");
  }
  return reply.code(200).send(asset.body);
}

const stringOrList = { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] };
const pageProps = { page: { type: "integer" }, limit: { type: "integer" } };

const traceQuery = {
  type: "object",
  properties: {
    ...pageProps,
    userId: { type: "string" },
    name: { type: "string" },
    sessionId: { type: "string" },
    release: { type: "string" },
    version: { type: "string" },
    tags: { type: "array", items: { type: "string" } },
    environment: stringOrList,
    fromTimestamp: { type: "string" },
    toTimestamp: { type: "string" },
    orderBy: { type: "string" },
    search: { type: "string", maxLength: 500 },
    level: { type: "string", enum: ["DEBUG", "DEFAULT", "WARNING", "ERROR"] },
  },
};

const TRACE_KEYS = ["page", "limit", "userId", "name", "sessionId", "release", "version", "tags", "environment", "fromTimestamp", "toTimestamp", "orderBy", "search", "level"] as const;

/**
 * The web UI at `/` and the few endpoints it needs beyond the public API (all under /api/ui):
 *  - POST /api/ui/login `{publicKey, secretKey}` → a session cookie; POST /api/ui/logout;
 *    GET /api/ui/session → `{authenticated}`;
 *  - GET /api/ui/traces: /api/public/traces plus `search` (substring of name, input, output) and
 *    `level` (has an observation at that level);
 *  - GET /api/ui/datasets/:name/runs: every run with item-score means, run scores, mean latency, cost;
 *  - GET /api/ui/datasets/:name/compare?runs=a&runs=b: per-item results of those runs side by side;
 *  - GET /api/ui/dataset-items/:id/history: the item's versions;
 *  - GET /api/ui/dashboard?fromTimestamp&toTimestamp&environment: traces, cost and latency over
 *    time, by model and by user.
 * They accept Basic auth like every route, or the UI's session cookie.
 */
export function registerUiRoutes(app: FastifyInstance, ctx: UiRouteContext): void {
  const assets = loadUiAssets(ctx.dir);
  const index = assets.get("/index.html");

  definePath(app, "/", {
    GET: {
      auth: "none",
      handler: async (_req, reply) => {
        if (index) return sendAsset(reply, index);
        return reply.code(200).header("content-type", "text/html; charset=utf-8").header("content-security-policy", CSP).send(UI_NOT_BUILT_PAGE);
      },
    },
  });
  definePath(app, "/assets/*", {
    GET: {
      auth: "none",
      handler: async (req, reply) => {
        const asset = assets.get(`/assets/${(req.params as { "*": string })["*"]}`);
        if (!asset) throw new HttpError(404, { message: "Not found", error: "LangfuseNotFoundError" });
        return sendAsset(reply, asset);
      },
    },
  });

  definePath(app, "/api/ui/login", {
    POST: {
      auth: "none",
      schema: {
        body: {
          type: "object",
          required: ["publicKey", "secretKey"],
          properties: { publicKey: { type: "string", minLength: 1, maxLength: 500 }, secretKey: { type: "string", minLength: 1, maxLength: 500 } },
        },
      },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        if (!sameOrigin(req)) throw new HttpError(403, { message: "Cross-origin login refused", error: "ForbiddenError" });
        const client = req.ip;
        const wait = ctx.sessions.logins.retryAfterSeconds(client);
        if (wait > 0) {
          reply.header("retry-after", String(wait));
          throw new HttpError(429, { message: `Too many failed logins: try again in ${wait} s`, error: "TooManyRequestsError" });
        }
        const { publicKey, secretKey } = req.body as { publicKey: string; secretKey: string };
        const invalid = () => {
          ctx.sessions.logins.failed(client);
          return new HttpError(401, { message: "Invalid credentials: use the server's public and secret key", error: "UnauthorizedError" });
        };
        if (publicKey !== ctx.auth.publicKey) throw invalid();
        try {
          checkAuthorization("Basic " + Buffer.from(`${publicKey}:${secretKey}`).toString("base64"), ctx.auth, "project");
        } catch {
          throw invalid();
        }
        ctx.sessions.logins.succeeded(client);
        const { token, maxAgeSeconds } = ctx.sessions.create();
        reply.header("set-cookie", `${sessionCookieName(req)}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`);
        reply.header("cache-control", "no-store");
        return { authenticated: true };
      },
    },
  });
  definePath(app, "/api/ui/logout", {
    POST: {
      auth: "project",
      handler: async (req, reply) => {
        ctx.sessions.revoke(sessionToken(req));
        reply.header("set-cookie", `${sessionCookieName(req)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
        return { authenticated: false };
      },
    },
  });
  definePath(app, "/api/ui/session", {
    GET: { auth: "none", handler: async (req) => ({ authenticated: ctx.sessions.valid(sessionToken(req)) }) },
  });

  definePath(app, "/api/ui/traces", {
    GET: {
      auth: "project",
      schema: { querystring: traceQuery },
      handler: async (req) => ctx.reads.listTraces(queryOf<TraceSearchQuery>(req, TRACE_KEYS)),
    },
  });
  definePath(app, "/api/ui/datasets/:name/runs", {
    GET: { auth: "project", handler: async (req) => ({ data: ctx.reads.runSummaries(datasetNameParam(req, "name")) }) },
  });
  definePath(app, "/api/ui/datasets/:name/compare", {
    GET: {
      auth: "project",
      schema: { querystring: { type: "object", required: ["runs"], properties: { ...pageProps, runs: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 10 } } } },
      handler: async (req) => {
        const q = req.query as { runs: string[]; page?: number; limit?: number };
        return ctx.reads.compareRuns(datasetNameParam(req, "name"), q.runs, { page: q.page, limit: q.limit });
      },
    },
  });
  definePath(app, "/api/ui/dataset-items/:id/history", {
    GET: { auth: "project", handler: async (req) => ({ data: ctx.reads.itemHistory(nameParam(req, "id")) }) },
  });
  definePath(app, "/api/ui/dashboard", {
    GET: {
      auth: "project",
      schema: { querystring: { type: "object", properties: { fromTimestamp: { type: "string" }, toTimestamp: { type: "string" }, environment: { type: "string" } } } },
      handler: async (req) => ctx.reads.dashboard(req.query as { fromTimestamp?: string; toTimestamp?: string; environment?: string }),
    },
  });
}

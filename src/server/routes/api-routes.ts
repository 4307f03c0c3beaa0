import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import { definePath } from "../route-definition";
import { badRequest, invalidRequestData, HttpError } from "../http-errors";
import * as S from "../request-schemas";
import { registerApi4Routes } from "./api4-routes";
import { registerObservationsV2Route } from "./observations-v2-route";
import { registerTracePageRoute } from "./trace-page-route";
import { bodyOf, datasetNameParam, nameParam, queryOf } from "./route-params";
import { registerUnsupportedRoutes, unsupportedRoute } from "./unsupported-routes";

const PAGE = ["page", "limit"] as const;
const P = "/api/public";

export interface ApiRouteContext {
  api: LangfuseApi;
  version: string;
}

/** Every management and read route of the public API, at the real paths and status codes. */
export function registerApiRoutes(app: FastifyInstance, ctx: ApiRouteContext): void {
  const { api } = ctx;
  registerHealth(app, ctx);
  registerPrompts(app, api);
  registerDatasets(app, api);
  registerScores(app, api);
  registerIngestion(app, api);
  registerMedia(app, api);
  registerReads(app, api);
  registerObservationsV2Route(app, api);
  registerTracePageRoute(app, api);
  registerApi4Routes(app, api);
  registerUnsupportedRoutes(app, new Set([`${P}/projects`]));
}

function registerHealth(app: FastifyInstance, ctx: ApiRouteContext): void {
  const health = async (_req: FastifyRequest, reply: FastifyReply) => {
    try {
      const h = await ctx.api.health();
      return { status: h.status ?? "OK", version: ctx.version };
    } catch {
      // As the real server with failIfDatabaseUnavailable: the store cannot answer.
      return reply.code(503).send({ status: "Database not available", version: ctx.version });
    }
  };
  definePath(app, `${P}/health`, { GET: { auth: "none", handler: health } });
  // SDKs read the project behind the keys for auth checks and trace URLs. The embedded store
  // is one project, "local"; the answer comes from the api so embedded and served mode agree.
  definePath(app, `${P}/projects`, {
    GET: { auth: "project", handler: async () => ctx.api.projects.get() },
    POST: unsupportedRoute("projectCreate"),
  });
  definePath(app, `${P}/ready`, { GET: { auth: "none", handler: health } });
}

// ------------------------------------------------------------------------------------ prompts

function registerPrompts(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, `${P}/v2/prompts`, {
    GET: {
      auth: "prompts",
      schema: { querystring: S.promptListQuery },
      handler: async (req) => {
        const q = queryOf<T.ListPromptsQuery>(req, [...PAGE, "name", "label", "tag", "fromUpdatedAt", "toUpdatedAt"]);
        const page = await api.prompts.list(q);
        // The real server repeats `meta` as `pagination` for older clients (issue #2068).
        return { ...page, pagination: page.meta };
      },
    },
    POST: {
      auth: "prompts",
      status: 201,
      schema: { body: S.createPromptBody },
      handler: async (req) => api.prompts.create(bodyOf<T.CreatePromptRequest>(req)),
    },
  });

  definePath(app, `${P}/v2/prompts/:name`, {
    GET: {
      auth: "prompts",
      schema: { querystring: S.promptGetQuery },
      handler: async (req) => {
        const name = nameParam(req, "name");
        const q = promptSelector(req);
        return api.prompts.get(name, q);
      },
    },
    DELETE: {
      auth: "prompts",
      status: 204,
      schema: { querystring: S.promptGetQuery },
      handler: async (req) => {
        await api.prompts.delete(nameParam(req, "name"), promptSelector(req));
      },
    },
  });

  definePath(app, `${P}/v2/prompts/:name/versions/:version`, {
    PATCH: {
      auth: "prompts",
      schema: { params: S.promptVersionParams, body: S.updatePromptLabelsBody },
      handler: async (req) => {
        const name = nameParam(req, "name");
        const version = (req.params as { version: number }).version;
        const { newLabels } = bodyOf<{ newLabels: string[] }>(req);
        if (newLabels.includes("latest")) {
          throw invalidRequestData([{ code: "custom", message: "Label 'latest' is always assigned to the latest prompt version", path: ["newLabels"] }]);
        }
        return api.prompts.updateLabels(name, version, newLabels);
      },
    },
  });
}

function promptSelector(req: FastifyRequest): T.GetPromptQuery {
  const q = queryOf<T.GetPromptQuery>(req, ["version", "label"]);
  if (q.version !== undefined && q.label !== undefined) throw badRequest("Cannot specify both version and label");
  return q;
}

// ------------------------------------------------------------------------------------ datasets

/** Reads every page of a paginated list (bounded: at most `maxPages` requests of 100). */
async function allPages<X>(fetch: (page: number) => Promise<T.Paginated<X>>, maxPages = 1000): Promise<X[]> {
  const out: X[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const res = await fetch(page);
    out.push(...res.data);
    if (page >= res.meta.totalPages) break;
  }
  return out;
}

function registerDatasets(app: FastifyInstance, api: LangfuseApi): void {
  const listDatasets = async (req: FastifyRequest) => api.datasets.list(queryOf<T.PageQuery>(req, PAGE));
  const createDataset = async (req: FastifyRequest) => api.datasets.create(bodyOf<T.CreateDatasetRequest>(req));

  definePath(app, `${P}/v2/datasets`, {
    GET: { auth: "project", schema: { querystring: S.pageQuery }, handler: listDatasets },
    POST: { auth: "project", schema: { body: S.createDatasetBody }, handler: createDataset },
  });
  definePath(app, `${P}/v2/datasets/:name`, {
    GET: { auth: "project", handler: async (req) => api.datasets.get(datasetNameParam(req, "name")) },
  });

  // Legacy v1 paths (not in the OpenAPI file, still called by older clients).
  definePath(app, `${P}/datasets`, {
    GET: { auth: "project", schema: { querystring: S.pageQuery }, handler: listDatasets },
    POST: {
      auth: "project",
      schema: { body: S.createDatasetBody },
      handler: async (req) => ({ ...(await createDataset(req)), items: [], runs: [] }),
    },
  });
  definePath(app, `${P}/datasets/:name`, {
    GET: {
      auth: "project",
      handler: async (req) => {
        const name = datasetNameParam(req, "name");
        const dataset = await api.datasets.get(name);
        const items = await allPages((page) => api.datasetItems.list({ datasetName: name, page, limit: 100 }));
        const runs = await allPages((page) => api.datasets.listRuns(name, { page, limit: 100 }));
        return { ...dataset, items, runs: runs.map((r) => r.name) };
      },
    },
  });
  definePath(app, `${P}/datasets/:name/runs`, {
    GET: {
      auth: "project",
      schema: { querystring: S.pageQuery },
      handler: async (req) => api.datasets.listRuns(datasetNameParam(req, "name"), queryOf<T.PageQuery>(req, PAGE)),
    },
  });
  definePath(app, `${P}/datasets/:name/runs/:runName`, {
    GET: {
      auth: "project",
      handler: async (req) => api.datasets.getRun(datasetNameParam(req, "name"), datasetNameParam(req, "runName")),
    },
    DELETE: {
      auth: "project",
      handler: async (req) => api.datasets.deleteRun(datasetNameParam(req, "name"), datasetNameParam(req, "runName")),
    },
  });

  definePath(app, `${P}/dataset-items`, {
    GET: {
      auth: "project",
      schema: { querystring: S.datasetItemListQuery },
      handler: async (req) =>
        api.datasetItems.list(queryOf<T.ListDatasetItemsQuery>(req, [...PAGE, "datasetName", "sourceTraceId", "sourceObservationId", "version"])),
    },
    POST: {
      auth: "project",
      schema: { body: S.upsertDatasetItemBody },
      handler: async (req) => api.datasetItems.upsert(bodyOf<T.UpsertDatasetItemRequest>(req)),
    },
  });
  definePath(app, `${P}/dataset-items/:id`, {
    GET: { auth: "project", handler: async (req) => api.datasetItems.get(nameParam(req, "id")) },
    DELETE: {
      auth: "project",
      handler: async (req) => {
        await api.datasetItems.delete(nameParam(req, "id"));
        return { message: "Dataset item successfully deleted" };
      },
    },
  });

  definePath(app, `${P}/dataset-run-items`, {
    GET: {
      auth: "project",
      schema: { querystring: S.runItemListQuery },
      handler: async (req) => api.datasetRunItems.list(queryOf<T.ListDatasetRunItemsQuery>(req, [...PAGE, "datasetId", "runName"])),
    },
    POST: {
      auth: "project",
      schema: { body: S.createRunItemBody },
      handler: async (req) => {
        const body = bodyOf<T.CreateDatasetRunItemRequest>(req);
        if (!body.traceId && !body.observationId) {
          throw invalidRequestData([{ code: "custom", message: "observationId or traceId must be provided", path: [] }]);
        }
        return api.datasetRunItems.create(body);
      },
    },
  });
}

// ------------------------------------------------------------------------------------ scores

const SCORE_LIST_KEYS = [
  ...PAGE, "name", "traceId", "observationId", "sessionId", "datasetRunId", "dataType", "source", "environment", "fromTimestamp", "toTimestamp",
  "configId", "queueId", "userId", "scoreIds", "value", "operator",
] as const;

function registerScores(app: FastifyInstance, api: LangfuseApi): void {
  const list = async (req: FastifyRequest) => {
    rejectAdvancedFilter(req);
    return api.scores.list(queryOf<T.ListScoresQuery>(req, [...SCORE_LIST_KEYS]));
  };
  const getOne = async (req: FastifyRequest) => api.scores.get(nameParam(req, "id"));

  definePath(app, `${P}/scores`, {
    GET: { auth: "project", schema: { querystring: S.scoreListQuery }, handler: list },
    POST: {
      auth: "scores",
      schema: { body: S.createScoreBody },
      handler: async (req) => {
        const body = { ...bodyOf<T.CreateScoreRequest & { id?: string | null }>(req) };
        // `body.id || randomUUID()` on the real server: null and "" both mean "make one".
        if (body.id === null || body.id === "") delete body.id;
        return api.scores.create(body as T.CreateScoreRequest);
      },
    },
  });
  definePath(app, `${P}/scores/:id`, {
    GET: { auth: "project", handler: getOne },
    DELETE: {
      auth: "project",
      handler: async (req) => {
        await api.scores.delete(nameParam(req, "id"));
        return { message: "Score deleted successfully" };
      },
    },
  });
  definePath(app, `${P}/v2/scores`, { GET: { auth: "project", schema: { querystring: S.scoreListQuery }, handler: list } });
  definePath(app, `${P}/v2/scores/:id`, { GET: { auth: "project", handler: getOne } });
}

// ------------------------------------------------------------------------------------ ingestion

/** Event types a `Bearer <publicKey>` caller may send (reference §1.2). */
const BEARER_EVENT_TYPES = new Set(["score-create", "sdk-log"]);

function registerIngestion(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, `${P}/ingestion`, {
    POST: {
      auth: "ingestion",
      status: 207,
      handler: async (req) => {
        const body = req.body as { batch?: unknown } | undefined;
        if (typeof body !== "object" || body === null || Array.isArray(body) || !Array.isArray(body.batch)) {
          throw new HttpError(400, { message: "Invalid request data", errors: ["batch: Expected array, received " + describe(body && typeof body === "object" && !Array.isArray(body) ? body.batch : body)] });
        }
        if (body.batch.length > 10_000) throw new HttpError(400, { message: "Invalid request data", errors: ["batch: Array must contain at most 10000 element(s)"] });
        const bearer = /^bearer\s/i.test(String(req.headers.authorization ?? ""));
        const accepted: T.IngestionEvent[] = [];
        const denied: T.IngestionResult["errors"] = [];
        for (const event of body.batch) {
          const rec = typeof event === "object" && event !== null ? (event as Record<string, unknown>) : {};
          if (bearer && !BEARER_EVENT_TYPES.has(String(rec.type))) {
            denied.push({ id: typeof rec.id === "string" ? rec.id : "unknown", status: 401, message: "Authentication error", error: "Access Scope Denied" });
            continue;
          }
          accepted.push(event as T.IngestionEvent);
        }
        const result = accepted.length ? await api.ingestion.batch(accepted) : { successes: [], errors: [] };
        return { successes: result.successes, errors: [...denied, ...result.errors] };
      },
    },
  });
}

/**
 * The v1 lists' JSON `filter` parameter is not evaluated by the local server: a 400 that says
 * where filters work, rather than an unfiltered answer that looks filtered.
 */
function rejectAdvancedFilter(req: FastifyRequest): void {
  const filter = (req.query as Record<string, unknown> | undefined)?.filter;
  if (filter !== undefined && filter !== "" && filter !== "[]")
    throw badRequest("The filter parameter is not supported on this list by the local server; use the query parameters, GET /api/public/v2/observations?filter=... or GET /api/public/v2/metrics");
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

// ------------------------------------------------------------------------------------ media

function registerMedia(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, `${P}/media`, {
    POST: {
      auth: "project",
      status: 201,
      schema: { body: S.createMediaBody },
      handler: async (req) => api.media.create(bodyOf<T.CreateMediaRequest>(req)),
    },
  });
  definePath(app, `${P}/media/:id`, {
    GET: { auth: "project", handler: async (req) => api.media.get(nameParam(req, "id")) },
    PATCH: {
      auth: "project",
      schema: { body: S.patchMediaBody },
      handler: async (req) => {
        await api.media.patch(nameParam(req, "id"), bodyOf<T.PatchMediaRequest>(req));
        return { message: "OK" };
      },
    },
  });
}

// ------------------------------------------------------------------------------------ reads

function registerReads(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, `${P}/traces`, {
    GET: {
      auth: "project",
      schema: { querystring: S.traceListQuery },
      handler: async (req) => {
        rejectAdvancedFilter(req);
        return api.traces.list(
          queryOf<T.ListTracesQuery>(req, [...PAGE, "userId", "name", "sessionId", "version", "release", "tags", "environment", "fromTimestamp", "toTimestamp", "orderBy"]),
        );
      },
    },
    DELETE: { auth: "project", handler: async (req) => api.traces.deleteMany(bodyOf<{ traceIds?: string[] }>(req)?.traceIds ?? []) },
  });
  definePath(app, `${P}/traces/:id`, {
    GET: { auth: "project", handler: async (req) => api.traces.get(nameParam(req, "id")) },
    DELETE: { auth: "project", handler: async (req) => api.traces.delete(nameParam(req, "id")) },
  });

  definePath(app, `${P}/observations`, {
    GET: {
      auth: "project",
      schema: { querystring: S.observationListQuery },
      handler: async (req) => {
        rejectAdvancedFilter(req);
        return api.observations.list(
          queryOf<T.ListObservationsQuery>(req, [...PAGE, "traceId", "type", "name", "parentObservationId", "level", "environment", "fromStartTime", "toStartTime", "userId", "version"]),
        );
      },
    },
  });
  definePath(app, `${P}/observations/:id`, { GET: { auth: "project", handler: async (req) => api.observations.get(nameParam(req, "id")) } });

  definePath(app, `${P}/sessions`, {
    GET: {
      auth: "project",
      schema: { querystring: S.sessionListQuery },
      handler: async (req) => api.sessions.list(queryOf<T.ListSessionsQuery>(req, [...PAGE, "environment", "fromTimestamp", "toTimestamp"])),
    },
  });
  definePath(app, `${P}/sessions/:id`, { GET: { auth: "project", handler: async (req) => api.sessions.get(nameParam(req, "id")) } });
}

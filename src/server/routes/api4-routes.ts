import type { FastifyInstance, FastifyRequest } from "fastify";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as V4 from "../../api/types-v4";
import { definePath } from "../route-definition";
import { invalidRequestData } from "../http-errors";
import { bodyOf, nameParam } from "./route-params";
import * as S from "../request-schemas";

const P = "/api/public";

/** Page and limit as every paginated list checks them; the other keys are single strings. */
const PAGE_WITH_STRINGS = {
  type: "object",
  properties: { ...(S.pageQuery as { properties: object }).properties },
  additionalProperties: { type: "string" },
};

/** The raw query object (strings, or arrays for repeated keys): LocalApi parses it as the server's zod schemas do. */
function rawQuery<Q>(req: FastifyRequest): Q {
  return { ...((req.query ?? {}) as Record<string, unknown>) } as Q;
}

/** `?query=<json>` of the metrics endpoints. */
function metricsQuery(req: FastifyRequest): V4.MetricsQuery {
  const text = (req.query as Record<string, unknown> | undefined)?.query;
  if (typeof text !== "string" || text.length === 0) throw invalidRequestData([{ code: "invalid_type", message: "Required", path: ["query"] }]);
  try {
    return JSON.parse(text) as V4.MetricsQuery;
  } catch {
    throw invalidRequestData([{ code: "custom", message: "Invalid JSON in query parameter", path: ["query"] }]);
  }
}

/**
 * The operations of the Langfuse API 4.x the older OpenAPI file lacks: v3 scores, v2 metrics
 * (and deprecated v1 metrics), experiments, models, score configs, comments, annotation queues.
 * Everything goes through `LangfuseApi`, so served and embedded modes answer alike.
 */
export function registerApi4Routes(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, `${P}/v3/scores`, { GET: { auth: "project", handler: async (req) => api.scoresV3.list(rawQuery(req)) } });

  definePath(app, `${P}/v2/metrics`, { GET: { auth: "project", handler: async (req) => api.metrics.query(metricsQuery(req)) } });
  definePath(app, `${P}/metrics`, { GET: { auth: "project", handler: async (req) => api.metrics.queryV1(metricsQuery(req)) } });

  definePath(app, `${P}/experiments`, { GET: { auth: "project", handler: async (req) => api.experiments.list(rawQuery(req)) } });
  definePath(app, `${P}/experiment-items`, { GET: { auth: "project", handler: async (req) => api.experiments.listItems(rawQuery(req)) } });

  definePath(app, `${P}/models`, {
    GET: { auth: "project", schema: { querystring: S.pageQuery }, handler: async (req) => api.models.list(rawQuery(req)) },
    POST: { auth: "project", handler: async (req) => api.models.create(bodyOf(req)) },
  });
  definePath(app, `${P}/models/:id`, {
    GET: { auth: "project", handler: async (req) => api.models.get(nameParam(req, "id")) },
    PUT: { auth: "project", handler: async (req) => api.models.upsert(nameParam(req, "id"), bodyOf(req)) },
    DELETE: { auth: "project", handler: async (req) => api.models.delete(nameParam(req, "id")) },
  });

  definePath(app, `${P}/score-configs`, {
    GET: { auth: "project", schema: { querystring: S.pageQuery }, handler: async (req) => api.scoreConfigs.list(rawQuery(req)) },
    POST: { auth: "project", handler: async (req) => api.scoreConfigs.create(bodyOf(req)) },
  });
  definePath(app, `${P}/score-configs/:configId`, {
    GET: { auth: "project", handler: async (req) => api.scoreConfigs.get(nameParam(req, "configId")) },
    PATCH: { auth: "project", handler: async (req) => api.scoreConfigs.update(nameParam(req, "configId"), bodyOf(req)) },
  });

  definePath(app, `${P}/comments`, {
    GET: { auth: "project", schema: { querystring: PAGE_WITH_STRINGS }, handler: async (req) => api.comments.list(rawQuery(req)) },
    POST: { auth: "project", handler: async (req) => api.comments.create(bodyOf(req)) },
  });
  definePath(app, `${P}/comments/:commentId`, { GET: { auth: "project", handler: async (req) => api.comments.get(nameParam(req, "commentId")) } });

  const queue = (req: FastifyRequest) => nameParam(req, "queueId");
  const item = (req: FastifyRequest) => nameParam(req, "itemId");
  definePath(app, `${P}/annotation-queues`, {
    GET: { auth: "project", schema: { querystring: S.pageQuery }, handler: async (req) => api.annotationQueues.list(rawQuery(req)) },
    POST: { auth: "project", handler: async (req) => api.annotationQueues.create(bodyOf(req)) },
  });
  definePath(app, `${P}/annotation-queues/:queueId`, { GET: { auth: "project", handler: async (req) => api.annotationQueues.get(queue(req)) } });
  definePath(app, `${P}/annotation-queues/:queueId/assignments`, {
    POST: { auth: "project", handler: async (req) => api.annotationQueues.createAssignment(queue(req), bodyOf(req)) },
    DELETE: { auth: "project", handler: async (req) => api.annotationQueues.deleteAssignment(queue(req), bodyOf(req)) },
  });
  definePath(app, `${P}/annotation-queues/:queueId/items`, {
    GET: { auth: "project", schema: { querystring: PAGE_WITH_STRINGS }, handler: async (req) => api.annotationQueues.listItems(queue(req), rawQuery(req)) },
    POST: { auth: "project", handler: async (req) => api.annotationQueues.createItem(queue(req), bodyOf(req)) },
  });
  definePath(app, `${P}/annotation-queues/:queueId/items/:itemId`, {
    GET: { auth: "project", handler: async (req) => api.annotationQueues.getItem(queue(req), item(req)) },
    PATCH: { auth: "project", handler: async (req) => api.annotationQueues.updateItem(queue(req), item(req), bodyOf(req)) },
    DELETE: { auth: "project", handler: async (req) => api.annotationQueues.deleteItem(queue(req), item(req)) },
  });
}

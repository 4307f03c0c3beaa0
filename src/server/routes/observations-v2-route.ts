import type { FastifyInstance } from "fastify";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as V4 from "../../api/types-v4";
import { OBSERVATION_TYPES } from "../request-schemas";
import { definePath } from "../route-definition";
import { queryOf } from "./route-params";

const observationsV2Query = {
  type: "object",
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 1000 },
    cursor: { type: "string", maxLength: 2000 },
    traceId: { type: "string" },
    userId: { type: "string" },
    sessionId: { type: "string" },
    type: { type: "string", enum: OBSERVATION_TYPES },
    name: { type: "string" },
    parentObservationId: { type: "string" },
    isRootObservation: { type: "boolean" },
    level: { type: "string", enum: ["DEBUG", "DEFAULT", "WARNING", "ERROR"] },
    version: { type: "string" },
    environment: { type: "array", items: { type: "string" }, maxItems: 1000 },
    fromStartTime: { type: "string", format: "timestamp" },
    toStartTime: { type: "string", format: "timestamp" },
    parseIoAsJson: { type: "boolean" },
    fields: { type: "string" },
    expandMetadata: { type: "string" },
    filter: { type: "string", maxLength: 100_000 },
  },
};

/**
 * GET /api/public/v2/observations, the v4 read API (cursor pagination, field groups, I/O as raw
 * strings unless parseIoAsJson), served by `LangfuseApi.observations.listV2` so embedded and
 * served modes answer alike.
 */
export function registerObservationsV2Route(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, "/api/public/v2/observations", {
    GET: {
      auth: "project",
      schema: { querystring: observationsV2Query },
      handler: async (req) =>
        api.observations.listV2(
          queryOf<V4.ListObservationsV2Query>(req, [
            "limit", "cursor", "traceId", "userId", "sessionId", "type", "name", "parentObservationId", "isRootObservation", "level", "version",
            "environment", "fromStartTime", "toStartTime", "parseIoAsJson", "fields", "filter",
          ]),
        ),
    },
  });
}

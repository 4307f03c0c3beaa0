import type { FastifyInstance } from "fastify";
import { HttpError } from "../http-errors";
import { definePath, type RouteSpec } from "../route-definition";

type Verb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Why a group of Langfuse API 4.x operations is not served by the local server. */
export interface OutOfScope {
  /** Paths as in the contract (`{param}` placeholders). */
  paths: Record<string, Verb[]>;
  reason: string;
}

/**
 * The one list of Langfuse public API operations (contract 4.35.0) that the local server does
 * not implement, with the reason. They answer 501 with that reason instead of a bare 404; the
 * contract test checks that every other operation of the contract is served.
 */
export const OUT_OF_SCOPE: Record<string, OutOfScope> = {
  scim: {
    reason: "SCIM user provisioning needs an organisation with users; the local server has no user accounts",
    paths: {
      "/api/public/scim/ResourceTypes": ["GET"],
      "/api/public/scim/Schemas": ["GET"],
      "/api/public/scim/ServiceProviderConfig": ["GET"],
      "/api/public/scim/Users": ["GET", "POST"],
      "/api/public/scim/Users/{userId}": ["GET", "DELETE"],
    },
  },
  organizations: {
    reason: "organisation management needs organisation-scoped API keys; the local server serves one project with one key pair",
    paths: {
      "/api/public/organizations/apiKeys": ["GET"],
      "/api/public/organizations/memberships": ["GET", "PUT", "DELETE"],
      "/api/public/organizations/projects": ["GET"],
      "/api/public/projects/{projectId}": ["PUT", "DELETE"],
      "/api/public/projects/{projectId}/apiKeys": ["GET", "POST"],
      "/api/public/projects/{projectId}/apiKeys/{apiKeyId}": ["DELETE"],
      "/api/public/projects/{projectId}/memberships": ["GET", "PUT", "DELETE"],
    },
  },
  projectCreate: {
    reason: "creating projects needs an organisation-scoped API key; the local server serves one project (GET /api/public/projects)",
    paths: { "/api/public/projects": ["POST"] },
  },
  llmConnections: {
    reason: "LLM connections store provider secrets for server-side LLM calls (playground, evaluators), which the local server does not make",
    paths: { "/api/public/llm-connections": ["GET", "PUT"], "/api/public/llm-connections/{id}": ["DELETE"] },
  },
  blobStorage: {
    reason: "blob storage exports copy data to S3/GCS/Azure on a schedule; the local store is a SQLite file you can copy",
    paths: { "/api/public/integrations/blob-storage": ["GET", "PUT"], "/api/public/integrations/blob-storage/{id}": ["GET", "DELETE"] },
  },
  evaluators: {
    reason: "managed evaluators and evaluation rules run LLM-as-a-judge jobs on the server; run evaluators in code with runExperiment instead",
    paths: {
      "/api/public/v2/evaluators": ["GET", "POST"],
      "/api/public/v2/evaluators/{evaluatorId}": ["GET", "PATCH", "DELETE"],
      "/api/public/v2/evaluators/{evaluatorId}/versions": ["GET"],
      "/api/public/v2/evaluation-rules": ["GET", "POST"],
      "/api/public/v2/evaluation-rules/{evaluationRuleId}": ["GET", "PATCH", "DELETE"],
    },
  },
  dashboards: {
    reason: "dashboards and widgets belong to the Langfuse web UI; query the same numbers with GET /api/public/v2/metrics",
    paths: {
      "/api/public/unstable/dashboards": ["GET", "POST"],
      "/api/public/unstable/dashboards/{dashboardId}": ["GET", "PATCH", "DELETE"],
      "/api/public/unstable/dashboards/{dashboardId}/placements": ["POST"],
      "/api/public/unstable/dashboards/{dashboardId}/placements/{placementId}": ["PATCH", "DELETE"],
      "/api/public/unstable/dashboard-widgets": ["GET", "POST"],
      "/api/public/unstable/dashboard-widgets/{widgetId}": ["GET", "PATCH", "DELETE"],
    },
  },
  feedback: {
    reason: "product feedback goes to the Langfuse team, not to a local server",
    paths: { "/api/public/feedback": ["POST"] },
  },
};

/** `{param}` → `:param` (fastify). */
export const toRoutePath = (contractPath: string) => contractPath.replace(/\{(\w+)\}/g, ":$1");

/** A route answering 501 with the reason of `group` (authenticated like every project route). */
export function unsupportedRoute(group: keyof typeof OUT_OF_SCOPE): RouteSpec {
  const { reason } = OUT_OF_SCOPE[group]!;
  return {
    auth: "project",
    handler: async (req) => {
      throw new HttpError(501, {
        message: `${req.method} ${req.routeOptions?.url ?? req.url.split("?")[0]} is not supported by the local langfuse-decorators server: ${reason}.`,
        error: "NotImplementedError",
      });
    },
  };
}

/** Registers every out-of-scope path except those whose path another module defines (passed in `skip`). */
export function registerUnsupportedRoutes(app: FastifyInstance, skip: ReadonlySet<string> = new Set()): void {
  for (const [group, { paths }] of Object.entries(OUT_OF_SCOPE)) {
    for (const [path, verbs] of Object.entries(paths)) {
      if (skip.has(path)) continue;
      const methods: Partial<Record<Verb, RouteSpec>> = {};
      for (const v of verbs) methods[v] = unsupportedRoute(group);
      definePath(app, toRoutePath(path), methods);
    }
  }
}

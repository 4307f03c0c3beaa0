import type { FastifyInstance } from "fastify";
import type { LangfuseApi } from "../../api/langfuse-api";
import { HttpError } from "../http-errors";
import { definePath } from "../route-definition";
import { nameParam } from "./route-params";

/** The path Langfuse gives a trace in its UI (`htmlPath`), and `getTraceUrl()` builds on. */
export const TRACE_PAGE_PATH = "/project/:projectId/traces/:traceId";

/**
 * `GET /project/<projectId>/traces/<traceId>`: where `htmlPath` and `getTraceUrl()` point. API
 * clients get the trace as `GET /api/public/traces/<id>` answers it (Basic auth with the server's
 * keys); a browser without credentials is redirected to the trace in the web UI when the server
 * serves one (see create-server.ts), and asked for the keys otherwise. Another project id is a 404.
 */
export function registerTracePageRoute(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, TRACE_PAGE_PATH, {
    GET: {
      auth: "project",
      handler: async (req) => {
        const projectId = nameParam(req, "projectId");
        const traceId = nameParam(req, "traceId");
        const projects = await api.projects.get();
        if (!projects.data.some((p) => p.id === projectId)) {
          throw new HttpError(404, { message: `Project ${projectId.slice(0, 200)} not found`, error: "LangfuseNotFoundError" });
        }
        return api.traces.get(traceId);
      },
    },
  });
}

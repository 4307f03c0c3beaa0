import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from "fastify";
import type { AuthMode } from "./auth";
import { HttpError, type ErrorStyle } from "./http-errors";

/** Per-route settings read by the shared hooks. */
export interface RouteConfig {
  auth: AuthMode;
  errorStyle: ErrorStyle;
}

export type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface RouteSpec {
  auth: AuthMode;
  /** Success status; the real server answers 200 except where noted (201, 204, 207). */
  status?: number;
  schema?: FastifySchema;
  bodyLimit?: number;
  errorStyle?: ErrorStyle;
  handler: RouteHandler;
}

type Verb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
const VERBS: Verb[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * Registers one path with its methods, answering 405 (the real `MethodNotAllowedError`) for the
 * other verbs and 204 to CORS preflights.
 */
export function definePath(app: FastifyInstance, url: string, methods: Partial<Record<Verb, RouteSpec>>): void {
  for (const verb of VERBS) {
    const spec = methods[verb];
    if (!spec) continue;
    const config: RouteConfig = { auth: spec.auth, errorStyle: spec.errorStyle ?? "default" };
    app.route({
      method: verb,
      url,
      schema: spec.schema,
      bodyLimit: spec.bodyLimit,
      config,
      handler: async (request, reply) => {
        const result = await spec.handler(request, reply);
        if (reply.sent) return reply;
        const status = spec.status ?? 200;
        if (status === 204) return reply.code(204).send();
        return reply.code(status).send(result === undefined ? { message: "OK" } : result);
      },
    });
  }
  const others = VERBS.filter((v) => !methods[v]);
  if (others.length) {
    app.route({
      method: others as HTTPMethods[],
      url,
      config: { auth: "none", errorStyle: "default" } satisfies RouteConfig,
      handler: async () => {
        throw new HttpError(405, { message: "Method not allowed", error: "MethodNotAllowedError" });
      },
    });
  }
  app.route({
    method: "OPTIONS",
    url,
    config: { auth: "none", errorStyle: "default" } satisfies RouteConfig,
    handler: async (_request, reply) => {
      const allowed = VERBS.filter((v) => methods[v]);
      reply.header("access-control-allow-methods", [...allowed, "OPTIONS"].join(", "));
      reply.header("access-control-allow-headers", "authorization, content-type, content-encoding, x-langfuse-sdk-name, x-langfuse-sdk-version, x-langfuse-public-key, x-langfuse-ingestion-version");
      return reply.code(204).send();
    },
  });
}

export function routeConfig(request: FastifyRequest): RouteConfig {
  const cfg = request.routeOptions?.config as Partial<RouteConfig> | undefined;
  return { auth: cfg?.auth ?? "none", errorStyle: cfg?.errorStyle ?? "default" };
}


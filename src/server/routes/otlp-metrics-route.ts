import type { FastifyInstance } from "fastify";
import { definePath } from "../route-definition";

/**
 * POST /api/public/otel/v1/metrics: Langfuse accepts OTLP metric exports and ignores them (its
 * handler does nothing and answers 200). We do the same, so an OpenTelemetry SDK configured
 * with the Langfuse endpoint for every signal does not log export failures. Registered in its
 * own fastify context: bodies arrive as raw bytes (protobuf or JSON) and are not parsed.
 */
export function registerOtlpMetricsRoute(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_req, _body, done) => done(null, undefined));
  definePath(app, "/api/public/otel/v1/metrics", {
    POST: { auth: "project", errorStyle: "otel", bodyLimit, handler: async () => ({}) },
  });
}

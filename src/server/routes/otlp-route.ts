import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { OtlpIngest } from "../otlp-ingest";
import { OneAtATime, readBody } from "../body-reader";
import { HttpError } from "../http-errors";
import { parseJsonText } from "../json-body";
import { decodeOtlpTraceProtobuf, encodeOtlpTraceResponse, type OtlpJsonRequest } from "../otlp-protobuf";
import { definePath } from "../route-definition";

export interface OtlpRouteContext {
  ingest: OtlpIngest;
  bodyLimit: number;
}

const otelError = (message: string) => new HttpError(400, { error: message });

/** Bodies above this are decoded and ingested one at a time. */
const LARGE_BODY_BYTES = 1024 * 1024;

/** The body size the client declared, when it is the size of what we read (no content-encoding). */
function declaredLength(request: FastifyRequest): number | undefined {
  const encoding = String(request.headers["content-encoding"] ?? "").trim().toLowerCase();
  if (encoding && encoding !== "identity") return undefined;
  const raw = request.headers["content-length"];
  return typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** Highest `x-langfuse-ingestion-version` the real server accepts (reference §6). */
const MAX_INGESTION_VERSION = 4;

/**
 * POST /api/public/otel/v1/traces: OTLP/HTTP with JSON or protobuf bodies, gzip or not. Registered
 * in its own fastify context so the body arrives as raw bytes whatever the content type.
 * Data is committed to the store before the reply is sent: a 200 means the spans are stored.
 */
export function registerOtlpRoute(app: FastifyInstance, ctx: OtlpRouteContext): void {
  const largeBodies = new OneAtATime();
  // Bodies are read as they come (each into one buffer, see readBody); decoding them into
  // objects and ingesting, where a large body's memory multiplies, happens one at a time.
  // Waiting after the body is in keeps Node's request timeout about the client's sending only.
  app.addHook("preHandler", async (request, reply) => {
    const size = Buffer.isBuffer(request.body) ? request.body.length : 0;
    if (size > LARGE_BODY_BYTES) await largeBodies.acquire(reply.raw);
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (request, payload, done) => {
    readBody(payload, ctx.bodyLimit, declaredLength(request)).then(
      (body) => done(null, body),
      (err: Error) => done(err, undefined),
    );
  });

  definePath(app, "/api/public/otel/v1/traces", {
    POST: { auth: "project", errorStyle: "otel", bodyLimit: ctx.bodyLimit, handler: (req, reply) => handleExport(req, reply, ctx) },
  });
}

async function handleExport(request: FastifyRequest, reply: FastifyReply, ctx: OtlpRouteContext): Promise<unknown> {
  const versionHeader = request.headers["x-langfuse-ingestion-version"];
  if (versionHeader !== undefined) {
    const v = String(Array.isArray(versionHeader) ? versionHeader[0] : versionHeader);
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n > MAX_INGESTION_VERSION) {
      throw otelError(`Unsupported x-langfuse-ingestion-version: "${v.slice(0, 40)}". Maximum supported: "${MAX_INGESTION_VERSION}".`);
    }
  }
  const contentType = String(request.headers["content-type"] ?? "").toLowerCase();
  const isProtobuf = contentType.includes("application/x-protobuf");
  const isJson = contentType.includes("application/json");
  if (!isProtobuf && !isJson) throw otelError("Invalid content type");

  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  let decoded: OtlpJsonRequest;
  if (isProtobuf) {
    try {
      decoded = decodeOtlpTraceProtobuf(body);
    } catch {
      throw otelError("Failed to parse OTel Protobuf Trace");
    }
  } else {
    try {
      decoded = body.length === 0 ? {} : (parseJsonText(body.toString("utf8"), otelError) as OtlpJsonRequest);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw otelError("Failed to parse OTel JSON Trace");
    }
    if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) throw otelError("Failed to parse OTel JSON Trace");
  }
  if (decoded.resourceSpans !== undefined && decoded.resourceSpans !== null && !Array.isArray(decoded.resourceSpans)) {
    throw otelError("Invalid OTLP trace export: resourceSpans must be an array. The entire export was rejected and no spans were ingested.");
  }

  let outcome: Awaited<ReturnType<OtlpIngest>> = undefined;
  if (Array.isArray(decoded.resourceSpans) && decoded.resourceSpans.length > 0) {
    outcome = await ctx.ingest(decoded);
  }
  const rejected = outcome && outcome.rejectedSpans ? outcome.rejectedSpans : 0;
  const errorMessage = outcome?.errorMessage ?? "";

  // OTLP says: answer in the request's encoding. (The real Langfuse answers JSON `{}` either
  // way; protobuf clients ignore or tolerate an empty protobuf message just as well.)
  if (isProtobuf) {
    return reply
      .code(200)
      .header("content-type", "application/x-protobuf")
      .send(Buffer.from(encodeOtlpTraceResponse(rejected ? { rejectedSpans: rejected, errorMessage } : undefined)));
  }
  return reply.code(200).send(rejected ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage } } : {});
}

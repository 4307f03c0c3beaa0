import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { checkAuthorization, type ServerAuth } from "../auth";
import { HttpError } from "../http-errors";
import type { MediaUrlMethod, MediaUrlSigner } from "../media-url-signer";
import { definePath } from "../route-definition";
import { nameParam } from "./route-params";

/**
 * Where uploaded media bytes live. In local mode there is no S3: `POST /api/public/media` hands
 * out an upload URL on this server instead of a presigned bucket URL.
 */
export interface MediaBytesStore {
  putMediaBytes(mediaId: string, bytes: Uint8Array, contentType?: string): void;
  getMediaBytes(mediaId: string): { contentType: string; bytes: Buffer };
}

/** Path of the upload/download URL for one media id (outside /api/public, like a bucket URL). */
export const MEDIA_BYTES_PATH = "/media-bytes";

/**
 * Types a browser may render in place: they cannot run script in this server's origin. Anything
 * else (text/html, image/svg+xml, XML, JavaScript, office files, ...) is served as an attachment,
 * so opening the URL downloads it instead of rendering it as a page of this origin.
 */
const INLINE_TYPES: ReadonlySet<string> = new Set(
  (
    "image/png image/jpeg image/jpg image/webp image/gif image/tiff image/bmp image/avif image/heic " +
    "audio/mpeg audio/mp3 audio/wav audio/ogg audio/oga audio/aac audio/mp4 audio/flac audio/opus audio/webm " +
    "video/mp4 video/webm video/ogg video/mpeg video/quicktime video/x-msvideo video/x-matroska " +
    "application/pdf text/plain text/csv text/markdown application/json"
  ).split(" "),
);

export interface MediaBytesRouteContext {
  store: MediaBytesStore;
  bodyLimit: number;
  auth: ServerAuth;
  signer: MediaUrlSigner;
}

/** A signed URL for this method and id, or the server's Basic auth; a 401 otherwise. */
function authorize(req: FastifyRequest, method: MediaUrlMethod, id: string, ctx: MediaBytesRouteContext): void {
  if (ctx.signer.verify(method, id, req.query)) return;
  const header = req.headers.authorization;
  if (!header) throw new HttpError(401, { message: "Media URL is missing its signature or has expired; request a new one from GET /api/public/media/{mediaId}", error: "UnauthorizedError" });
  checkAuthorization(header, ctx.auth, "project");
}

/**
 * PUT/GET of media bytes, the local stand-in for presigned bucket URLs: each needs the
 * short-lived signature `POST /media` / `GET /media/{id}` put in the URL (or Basic auth). A PUT
 * must match the announced hash, length and content type. A GET never lets a browser treat the
 * bytes as a page of this origin: `nosniff` (set for every reply), a sandboxing CSP, and
 * anything that could hold script sent as an attachment.
 */
export function registerMediaBytesRoute(app: FastifyInstance, ctx: MediaBytesRouteContext): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: ctx.bodyLimit }, (_req, body, done) => done(null, body));
  definePath(app, `${MEDIA_BYTES_PATH}/:id`, {
    PUT: {
      auth: "none",
      bodyLimit: ctx.bodyLimit,
      handler: async (req) => {
        const id = nameParam(req, "id", 64);
        authorize(req, "PUT", id, ctx);
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const contentType = req.headers["content-type"];
        ctx.store.putMediaBytes(id, bytes, typeof contentType === "string" ? contentType.split(";")[0]!.trim() : undefined);
        return { message: "OK" };
      },
    },
    GET: {
      auth: "none",
      handler: async (req, reply) => {
        const id = nameParam(req, "id", 64);
        authorize(req, "GET", id, ctx);
        const { contentType, bytes } = ctx.store.getMediaBytes(id);
        return sendMedia(reply, id, contentType, bytes);
      },
    },
  });
}

function sendMedia(reply: FastifyReply, id: string, contentType: string, bytes: Buffer): FastifyReply {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  reply.header("content-security-policy", "default-src 'none'; sandbox");
  reply.header("cache-control", "private, max-age=300");
  if (INLINE_TYPES.has(type)) return reply.code(200).header("content-type", type).send(bytes);
  return reply
    .code(200)
    .header("content-type", "application/octet-stream")
    .header("content-disposition", `attachment; filename="${id.replace(/[^A-Za-z0-9_-]/g, "_")}"`)
    .send(bytes);
}

import type { FastifyInstance } from "fastify";
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
 * PUT/GET of media bytes. Like a presigned S3 URL it takes no Basic auth: the id is derived from
 * the content's SHA-256, only an authenticated `POST /media` creates it, and the bytes must
 * match the announced hash, length and content type or the PUT is refused.
 */
export function registerMediaBytesRoute(app: FastifyInstance, store: MediaBytesStore, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_req, body, done) => done(null, body));
  definePath(app, `${MEDIA_BYTES_PATH}/:id`, {
    PUT: {
      auth: "none",
      bodyLimit,
      handler: async (req) => {
        const id = nameParam(req, "id", 64);
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const contentType = req.headers["content-type"];
        store.putMediaBytes(id, bytes, typeof contentType === "string" ? contentType.split(";")[0]!.trim() : undefined);
        return { message: "OK" };
      },
    },
    GET: {
      auth: "none",
      handler: async (req, reply) => {
        const { contentType, bytes } = store.getMediaBytes(nameParam(req, "id", 64));
        return reply.code(200).header("content-type", contentType).send(bytes);
      },
    },
  });
}

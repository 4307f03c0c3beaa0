import type { LangfuseApi } from "../api/langfuse-api";
import type * as T from "../api/types";

/** One upload the server asked for (POST /api/public/media answered with an upload URL). */
export interface MediaUpload {
  mediaId: string;
  /** Where the server wants the bytes (a presigned PUT URL for a Langfuse server). */
  uploadUrl: string;
  bytes: Buffer;
  contentType: string;
  /** Base64 SHA-256 of `bytes` (a presigned URL is signed with it). */
  sha256Hash: string;
}

/**
 * Where a client's media goes: the port media uploads and `resolveMediaReferences` use. The
 * client injects it from its backend (src/client/backend/*): a Langfuse server stores bytes in
 * blob storage behind presigned URLs (media/http-media-store.ts), the embedded store writes them
 * into SQLite. This module never guesses the destination from a URL.
 */
export interface MediaStore {
  /** The media endpoints: POST (announce, get an upload URL), PATCH (upload status), GET. */
  readonly media: LangfuseApi["media"];
  /** Stores the bytes of an announced upload, reporting the outcome as the backend needs. Throws when they were not stored. */
  upload(upload: MediaUpload): Promise<void>;
  /** The bytes of uploaded media, from what GET /api/public/media/{id} answered. */
  download(media: T.Media): Promise<Buffer>;
}

import { createHash } from "node:crypto";
import { MEDIA_CONTENT_TYPES, MEDIA_MAX_CONTENT_LENGTH } from "../api/media-limits";
import { logger } from "../logger";
import { formatMediaReference, mediaIdFromSha256, type MediaSource } from "./media-reference";
import { mediaSettings } from "./media-settings";
import { pendingMedia } from "./pending-media";

export { MEDIA_CONTENT_TYPES, MEDIA_MAX_CONTENT_LENGTH };

/** Why a piece of media cannot be uploaded (the server would refuse it), or undefined. */
export function mediaRejection(contentType: string, length: number): string | undefined {
  if (!MEDIA_CONTENT_TYPES.has(contentType)) return `content type ${contentType} is not on Langfuse's media allow-list`;
  if (length <= 0) return "it is empty";
  if (length > MEDIA_MAX_CONTENT_LENGTH) return `${length} bytes exceed Langfuse's media limit of ${MEDIA_MAX_CONTENT_LENGTH} bytes`;
  return undefined;
}

export function sha256Base64(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64");
}

/**
 * Registers bytes for upload and returns their reference string, or undefined (with a warning
 * once per reason) when they stay inline: uploads off, type not allowed, too large, or the
 * pending queue full. The hash runs here, on the calling thread: the media id in the reference
 * is the hash (Langfuse derives the id from it), and the reference goes into the span attribute
 * being written. `hashOf` gives a hash computed before (a LangfuseMedia serialized again).
 */
export function referenceFor(bytes: Buffer, contentType: string, source: MediaSource, hashOf: () => string = () => sha256Base64(bytes)): string | undefined {
  if (!mediaSettings.enabled) return undefined;
  const rejected = mediaRejection(contentType, bytes.length);
  if (rejected) {
    logger.warnOnce(`media-rejected:${contentType}`, `media not uploaded, kept inline: ${rejected}`);
    return undefined;
  }
  const sha256Hash = hashOf();
  const id = mediaIdFromSha256(sha256Hash);
  if (!pendingMedia.register({ id, sha256Hash, contentType, source, bytes })) return undefined;
  return formatMediaReference(contentType, id, source);
}

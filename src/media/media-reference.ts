/**
 * The media reference string Langfuse stores in place of media content:
 * `@@@langfuseMedia:type=<contentType>|id=<mediaId>|source=<source>@@@` (the official SDKs'
 * format; the UI and `resolveMediaReferences` read it back).
 */

/** Where the bytes came from (the official SDKs' values). */
export type MediaSource = "base64_data_uri" | "bytes" | "file";

export interface ParsedMediaReference {
  mediaId: string;
  contentType: string;
  source: string;
}

/** Matches every reference in a string. */
export const MEDIA_REFERENCE_PATTERN = /@@@langfuseMedia:.+?@@@/g;
const PREFIX = "@@@langfuseMedia:";

export function formatMediaReference(contentType: string, mediaId: string, source: MediaSource): string {
  return `${PREFIX}type=${contentType}|id=${mediaId}|source=${source}@@@`;
}

/** Parses one reference string; undefined when it is not a complete reference. */
export function parseMediaReference(reference: string): ParsedMediaReference | undefined {
  if (!reference.startsWith(PREFIX) || !reference.endsWith("@@@")) return undefined;
  const fields: Record<string, string> = {};
  for (const pair of reference.slice(PREFIX.length, -3).split("|")) {
    const eq = pair.indexOf("=");
    if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (!fields.type || !fields.id || !fields.source) return undefined;
  return { mediaId: fields.id, contentType: fields.type, source: fields.source };
}

/** The media id of a content hash: the first 22 characters of its URL-safe base64 SHA-256. */
export function mediaIdFromSha256(sha256Base64: string): string {
  return sha256Base64.replace(/\+/g, "-").replace(/\//g, "_").slice(0, 22);
}

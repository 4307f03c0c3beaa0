import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { LangfuseValidationError } from "../errors";
import { mediaRejection, referenceFor, sha256Base64 } from "./media-content";
import { formatMediaReference, mediaIdFromSha256, type MediaSource } from "./media-reference";

/** How to build a LangfuseMedia: a base64 data URI, bytes and their type, or a file. */
export type LangfuseMediaInit =
  | { base64DataUri: string }
  | { contentBytes: Uint8Array; contentType: string }
  | { filePath: string; contentType?: string };

const EXTENSION_TYPES: Record<string, string> = {
  ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif",
  ".svg": "image/svg+xml", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff", ".avif": "image/avif",
  ".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg", ".flac": "audio/flac", ".m4a": "audio/mp4", ".aac": "audio/aac",
  ".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime",
  ".pdf": "application/pdf", ".json": "application/json", ".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown", ".html": "text/html",
};

const DATA_URI = /^data:([^;,]+)((?:;[^;,]+)*),(.*)$/s;

/** Parses `data:<type>[;params];base64,<data>`; throws LangfuseValidationError otherwise. */
export function parseBase64DataUri(uri: string): { contentType: string; bytes: Buffer } {
  const m = typeof uri === "string" ? DATA_URI.exec(uri) : null;
  if (!m) throw new LangfuseValidationError("LangfuseMedia: base64DataUri must look like data:<content-type>;base64,<data>");
  if (!m[2].split(";").includes("base64")) throw new LangfuseValidationError("LangfuseMedia: the data URI is not base64-encoded (;base64 missing)");
  return { contentType: m[1].trim().toLowerCase(), bytes: Buffer.from(m[3], "base64") };
}

/**
 * Media to attach to a trace: put it anywhere in an observation's input, output or metadata
 * and it is uploaded to Langfuse (in the background) and stored as a
 * `@@@langfuseMedia:type=...|id=...|source=...@@@` reference. The id is derived from the
 * content's SHA-256, so the same bytes are uploaded once.
 *
 *     new LangfuseMedia({ base64DataUri: "data:image/png;base64,iVBOR..." })
 *     new LangfuseMedia({ contentBytes: pdfBytes, contentType: "application/pdf" })
 *     new LangfuseMedia({ filePath: "./chart.png" })
 */
export class LangfuseMedia {
  readonly contentType: string;
  readonly source: MediaSource;
  private readonly bytes: Buffer;
  private hash: string | undefined;

  constructor(init: LangfuseMediaInit) {
    if (init === null || typeof init !== "object") throw new LangfuseValidationError("LangfuseMedia expects { base64DataUri } | { contentBytes, contentType } | { filePath }");
    if ("base64DataUri" in init) {
      const parsed = parseBase64DataUri(init.base64DataUri);
      this.bytes = parsed.bytes;
      this.contentType = parsed.contentType;
      this.source = "base64_data_uri";
    } else if ("contentBytes" in init) {
      if (!(init.contentBytes instanceof Uint8Array)) throw new LangfuseValidationError("LangfuseMedia: contentBytes must be a Uint8Array or Buffer");
      if (typeof init.contentType !== "string" || !init.contentType) throw new LangfuseValidationError("LangfuseMedia: contentType is required with contentBytes");
      // A copy: the hash and the upload must see the bytes as they were when given.
      this.bytes = Buffer.from(init.contentBytes);
      this.contentType = init.contentType.toLowerCase();
      this.source = "bytes";
    } else if ("filePath" in init) {
      const type = init.contentType ?? EXTENSION_TYPES[extname(String(init.filePath)).toLowerCase()];
      if (!type) throw new LangfuseValidationError(`LangfuseMedia: cannot tell the content type of ${init.filePath}; pass contentType`);
      try {
        this.bytes = readFileSync(init.filePath);
      } catch (err) {
        throw new LangfuseValidationError(`LangfuseMedia: cannot read ${init.filePath}: ${(err as Error).message}`);
      }
      this.contentType = type.toLowerCase();
      this.source = "file";
    } else {
      throw new LangfuseValidationError("LangfuseMedia expects { base64DataUri } | { contentBytes, contentType } | { filePath }");
    }
  }

  get contentLength(): number {
    return this.bytes.length;
  }

  /** Base64 SHA-256 of the content. */
  get sha256Hash(): string {
    return (this.hash ??= sha256Base64(this.bytes));
  }

  /** The media id Langfuse gives this content (22 URL-safe characters of the hash). */
  get id(): string {
    return mediaIdFromSha256(this.sha256Hash);
  }

  /** The reference string stored in place of the content. */
  get reference(): string {
    return formatMediaReference(this.contentType, this.id, this.source);
  }

  get base64DataUri(): string {
    return `data:${this.contentType};base64,${this.bytes.toString("base64")}`;
  }

  /** Why Langfuse would refuse this media (type not allowed, too large, empty), or undefined. */
  get rejection(): string | undefined {
    return mediaRejection(this.contentType, this.bytes.length);
  }

  /**
   * What a traced value holds in its place: the reference (the bytes are queued for upload);
   * the data URI when uploads are off or the upload queue is full; a short description when
   * Langfuse would refuse the media (type not allowed, too large).
   */
  toJSON(): string {
    // The hash is kept: the same media in several values (or spans) is hashed once.
    const ref = referenceFor(this.bytes, this.contentType, this.source, () => this.sha256Hash);
    if (ref !== undefined) return ref;
    const rejection = this.rejection;
    if (rejection) return `<LangfuseMedia ${this.contentType} ${this.bytes.length} bytes, not uploaded: ${rejection}>`;
    return this.base64DataUri;
  }
}

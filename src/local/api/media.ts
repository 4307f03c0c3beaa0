/**
 * Media records (reference §7.6). The embedded store also keeps the bytes: in local mode there
 * is no blob storage, so an upload URL points at whoever serves the store (the local server's
 * PUT route, or the `langfuse-local:` scheme that the in-process uploader writes through
 * `LocalMediaStore.putBytes`).
 */
import { createHash } from "node:crypto";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import { MEDIA_CONTENT_TYPES, MEDIA_MAX_CONTENT_LENGTH } from "../../api/media-limits";
import type { LocalStore } from "../store";
import { badRequest, invalidData, isPlainObject, notFound, nowIso, type Issue } from "./common";

const HASH_RE = /^[A-Za-z0-9+/=]{44}$/;
/** How long a media URL is advertised as valid (the server signs them for one hour). */
const URL_TTL_MS = 3_600_000;

export interface MediaUrls {
  /** Where the client PUTs the bytes of `mediaId`. */
  upload(mediaId: string): string;
  /** Where a reader GETs them. */
  download(mediaId: string): string;
}

export const LOCAL_MEDIA_URLS: MediaUrls = {
  upload: (id) => `langfuse-local://media/${id}`,
  download: (id) => `langfuse-local://media/${id}`,
};

interface MediaRow {
  id: string;
  sha256_hash: string;
  content_type: string;
  content_length: number;
  uploaded_at: string | null;
  upload_http_status: number | null;
}

export function mediaIdForHash(sha256Hash: string): string {
  return sha256Hash.replace(/\+/g, "-").replace(/\//g, "_").slice(0, 22);
}

export class LocalMediaStore {
  constructor(
    private readonly store: LocalStore,
    private readonly urls: MediaUrls,
  ) {}

  private get db() {
    return this.store.db;
  }

  private row(id: string): MediaRow | undefined {
    return this.db.prepare("SELECT id, sha256_hash, content_type, content_length, uploaded_at, upload_http_status FROM media WHERE id = ?").get(id) as
      | MediaRow
      | undefined;
  }

  create(body: T.CreateMediaRequest): T.CreateMediaResponse {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [];
    const datasetContext = body.datasetId !== undefined || body.datasetItemId !== undefined;
    if (datasetContext) {
      if (typeof body.datasetId !== "string" || !body.datasetId) issues.push({ path: ["datasetId"], message: "Required" });
      if (typeof body.datasetItemId !== "string" || !body.datasetItemId) issues.push({ path: ["datasetItemId"], message: "Required" });
      if (!["input", "expectedOutput", "metadata"].includes(body.field)) issues.push({ path: ["field"], message: "Expected 'input' | 'expectedOutput' | 'metadata'" });
    } else {
      if (typeof body.traceId !== "string" || !body.traceId) issues.push({ path: ["traceId"], message: "Required" });
      if (body.observationId !== undefined && body.observationId !== null && typeof body.observationId !== "string")
        issues.push({ path: ["observationId"], message: "Expected string" });
      if (!["input", "output", "metadata"].includes(body.field)) issues.push({ path: ["field"], message: "Expected 'input' | 'output' | 'metadata'" });
    }
    if (typeof body.contentType !== "string" || !MEDIA_CONTENT_TYPES.has(body.contentType))
      issues.push({ path: ["contentType"], message: "Unsupported content type" });
    if (!Number.isInteger(body.contentLength) || body.contentLength <= 0) issues.push({ path: ["contentLength"], message: "Expected a positive integer" });
    if (typeof body.sha256Hash !== "string" || !HASH_RE.test(body.sha256Hash))
      issues.push({ path: ["sha256Hash"], message: "Expected the base64 SHA-256 of the content (44 characters)" });
    if (issues.length) throw invalidData(issues);
    if (body.contentLength > MEDIA_MAX_CONTENT_LENGTH) throw badRequest(`Content length exceeds the maximum of ${MEDIA_MAX_CONTENT_LENGTH} bytes`);
    const mediaId = mediaIdForHash(body.sha256Hash);
    return this.store.transaction(() => {
      const existing = this.row(mediaId);
      if (existing && existing.upload_http_status === 200 && existing.content_type === body.contentType) return { mediaId, uploadUrl: null };
      const now = nowIso();
      this.db
        .prepare(
          `INSERT INTO media (id, sha256_hash, content_type, content_length, trace_id, observation_id, dataset_id, dataset_item_id, field, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET content_type = excluded.content_type, content_length = excluded.content_length, updated_at = excluded.updated_at`,
        )
        .run(mediaId, body.sha256Hash, body.contentType, body.contentLength, body.traceId ?? null, body.observationId ?? null,
          body.datasetId ?? null, body.datasetItemId ?? null, body.field, now, now);
      return { mediaId, uploadUrl: this.urls.upload(mediaId) };
    });
  }

  patch(mediaId: string, body: T.PatchMediaRequest): void {
    if (!isPlainObject(body)) throw invalidData([{ path: [], message: "Expected object" }]);
    const issues: Issue[] = [];
    if (typeof body.uploadedAt !== "string" || Number.isNaN(Date.parse(body.uploadedAt))) issues.push({ path: ["uploadedAt"], message: "Invalid date" });
    if (!Number.isInteger(body.uploadHttpStatus) || body.uploadHttpStatus <= 0) issues.push({ path: ["uploadHttpStatus"], message: "Expected a positive integer" });
    if (issues.length) throw invalidData(issues);
    const res = this.db
      .prepare("UPDATE media SET uploaded_at = ?, upload_http_status = ?, upload_http_error = ?, upload_time_ms = ?, updated_at = ? WHERE id = ?")
      .run(new Date(body.uploadedAt).toISOString(), body.uploadHttpStatus, body.uploadHttpError ?? null, body.uploadTimeMs ?? null, nowIso(), mediaId);
    if (res.changes === 0) throw notFound("Media asset not found");
  }

  get(mediaId: string): T.Media {
    const row = this.row(mediaId);
    if (!row) throw notFound("Media asset not found");
    if (!row.uploaded_at || row.upload_http_status === null) throw notFound("Media not yet uploaded");
    if (row.upload_http_status < 200 || row.upload_http_status >= 300) throw notFound(`Media upload failed with status ${row.upload_http_status}`);
    return {
      mediaId,
      contentType: row.content_type,
      contentLength: row.content_length,
      uploadedAt: row.uploaded_at,
      url: this.urls.download(mediaId),
      urlExpiry: new Date(Date.now() + URL_TTL_MS).toISOString(),
    };
  }

  /**
   * Stores the bytes of a media record created before, checking them against the announced
   * hash, length and type (as S3 checks the signed headers). Marks the upload done (200).
   */
  putBytes(mediaId: string, bytes: Uint8Array, contentType?: string): void {
    const row = this.row(mediaId);
    if (!row) throw notFound("Media asset not found");
    if (contentType !== undefined && contentType !== row.content_type) throw badRequest("Content type does not match the announced one");
    if (bytes.byteLength !== row.content_length) throw badRequest("Content length does not match the announced one");
    const hash = createHash("sha256").update(bytes).digest("base64");
    if (hash !== row.sha256_hash) throw badRequest("Content does not match the announced SHA-256 hash");
    this.db
      .prepare("UPDATE media SET bytes = ?, uploaded_at = ?, upload_http_status = 200, upload_http_error = NULL, updated_at = ? WHERE id = ?")
      .run(Buffer.from(bytes), nowIso(), nowIso(), mediaId);
  }

  /** The stored bytes and type; 404 when unknown or not uploaded. */
  getBytes(mediaId: string): { contentType: string; bytes: Buffer } {
    const row = this.db.prepare("SELECT content_type, bytes FROM media WHERE id = ?").get(mediaId) as
      | { content_type: string; bytes: Buffer | null }
      | undefined;
    if (!row) throw notFound("Media asset not found");
    if (!row.bytes) throw notFound("Media not yet uploaded");
    return { contentType: row.content_type, bytes: row.bytes };
  }
}

export function localMedia(s: LocalMediaStore): LangfuseApi["media"] {
  return {
    create: async (body) => s.create(body),
    patch: async (id, body) => s.patch(id, body),
    get: async (id) => s.get(id),
  };
}

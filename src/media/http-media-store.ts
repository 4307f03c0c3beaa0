import type { LangfuseApi } from "../api/langfuse-api";
import type * as T from "../api/types";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from "../api/http/retry-policy";
import { mediaSettings } from "./media-settings";
import type { MediaStore, MediaUpload } from "./media-store";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref?.());

/**
 * Media of a Langfuse server: the bytes go to the presigned upload URL (PUT, retrying network
 * errors, 408, 429 and 5xx), then PATCH /api/public/media/{id} reports the outcome, as the
 * official SDKs do; downloads fetch the signed URL GET /api/public/media/{id} hands out.
 */
export function createHttpMediaStore(media: LangfuseApi["media"]): MediaStore {
  return {
    media,
    async upload(upload: MediaUpload): Promise<void> {
      const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetries: mediaSettings.maxRetries, baseDelayMs: mediaSettings.retryBaseDelayMs };
      const started = Date.now();
      const { status, error } = await putBytes(upload, retry);
      await media.patch(upload.mediaId, { uploadedAt: new Date().toISOString(), uploadHttpStatus: status, uploadHttpError: error ?? null, uploadTimeMs: Date.now() - started });
      if (status < 200 || status >= 300) throw new Error(`upload answered HTTP ${status}${error ? `: ${error.slice(0, 200)}` : ""}`);
    },
    async download(info: T.Media): Promise<Buffer> {
      const res = await fetch(info.url);
      if (!res.ok) throw new Error(`download answered HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
  };
}

async function putBytes(upload: MediaUpload, retry: RetryPolicy): Promise<{ status: number; error?: string }> {
  for (let attempt = 0; ; attempt++) {
    let retryAfter: number | undefined;
    try {
      const res = await fetch(upload.uploadUrl, {
        method: "PUT",
        body: upload.bytes as unknown as Uint8Array<ArrayBuffer>,
        headers: { "content-type": upload.contentType, "x-amz-checksum-sha256": upload.sha256Hash, "x-ms-blob-type": "BlockBlob" },
      });
      const text = res.ok ? undefined : await res.text().catch(() => "");
      if (res.ok || !isRetryableStatus(res.status) || attempt >= retry.maxRetries) return { status: res.status, error: text };
      retryAfter = parseRetryAfter(res.headers.get("retry-after"));
    } catch (err) {
      if (attempt >= retry.maxRetries) throw err;
    }
    await sleep(retryDelayMs(retry, attempt, retryAfter));
  }
}

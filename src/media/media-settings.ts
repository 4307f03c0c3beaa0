import { LangfuseValidationError } from "../errors";

/**
 * Limits of the media pipeline (process-wide: media is found while values are serialized,
 * before any client is known). Change them with `configureMedia()` before tracing starts.
 */
export interface MediaSettings {
  /** Upload media found in traced values (default true; env LANGFUSE_MEDIA_UPLOAD_ENABLED=false turns it off). */
  enabled: boolean;
  /** Bytes of media held for upload at once; media beyond it stays inline in the value (counted, warned). Default 128 MB. */
  maxPendingBytes: number;
  /** Uploads in flight per client. Default 4. */
  maxConcurrency: number;
  /** Retries of one upload step (network errors, 408, 429, 5xx). Default 3. */
  maxRetries: number;
  /** First backoff step in ms (doubles per retry, with jitter). Default 300. */
  retryBaseDelayMs: number;
  /** Media registered but never seen on an ended span (a span that was never ended, or dropped) is released after this. Default 10 min. */
  unclaimedTtlMs: number;
}

function envEnabled(): boolean {
  const v = typeof process !== "undefined" ? process.env.LANGFUSE_MEDIA_UPLOAD_ENABLED : undefined;
  return v === undefined || !["false", "0"].includes(v.trim().toLowerCase());
}

export const mediaSettings: MediaSettings = {
  enabled: envEnabled(),
  maxPendingBytes: 128 * 1024 * 1024,
  maxConcurrency: 4,
  maxRetries: 3,
  retryBaseDelayMs: 300,
  unclaimedTtlMs: 10 * 60_000,
};

/** Changes media limits for this process (see MediaSettings). */
export function configureMedia(settings: Partial<MediaSettings>): MediaSettings {
  for (const [key, value] of Object.entries(settings) as Array<[keyof MediaSettings, unknown]>) {
    if (value === undefined) continue;
    if (key === "enabled") {
      if (typeof value !== "boolean") throw new LangfuseValidationError("configureMedia: enabled must be a boolean");
    } else if (!(key in mediaSettings) || typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new LangfuseValidationError(`configureMedia: ${String(key)} must be a known setting with a number >= 0`);
    }
    (mediaSettings as unknown as Record<string, unknown>)[key] = value;
  }
  return { ...mediaSettings };
}

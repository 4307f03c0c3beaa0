import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How long a signed media URL is valid: as long as the `urlExpiry` the media API announces. */
export const MEDIA_URL_TTL_MS = 3_600_000;

export type MediaUrlMethod = "GET" | "PUT";

/**
 * Short-lived signed URLs for media bytes, like presigned S3 URLs: `?expires=<ms>&sig=<hmac>`
 * over the method, the media id and the expiry, keyed by a random secret of this server process
 * (URLs die with the process; GET /media/{id} hands out a fresh one). Whoever holds a URL may
 * use it for that one method and id until it expires; nobody can make one without the key.
 */
export class MediaUrlSigner {
  private readonly key = randomBytes(32);

  constructor(
    private readonly ttlMs = MEDIA_URL_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `base` + path + signature query for `method` on media `id`. */
  sign(base: string, method: MediaUrlMethod, id: string): string {
    const expires = this.now() + this.ttlMs;
    return `${base}?expires=${expires}&sig=${this.signature(method, id, expires)}`;
  }

  /** True when `query` carries an unexpired signature for this method and id. */
  verify(method: MediaUrlMethod, id: string, query: unknown): boolean {
    const q = (typeof query === "object" && query !== null ? query : {}) as Record<string, unknown>;
    const expires = typeof q.expires === "string" && /^\d{1,16}$/.test(q.expires) ? Number(q.expires) : NaN;
    if (!Number.isFinite(expires) || expires < this.now() || typeof q.sig !== "string") return false;
    const expected = Buffer.from(this.signature(method, id, expires));
    const given = Buffer.from(q.sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private signature(method: MediaUrlMethod, id: string, expires: number): string {
    return createHmac("sha256", this.key).update(`${method}\n${id}\n${expires}`).digest("base64url");
  }
}

import { logger } from "../logger";
import type { MediaSource } from "./media-reference";
import { mediaSettings } from "./media-settings";

/** One piece of media found while serializing a value, waiting for the span that holds its reference. */
export interface PendingMedia {
  id: string;
  /** Base64 SHA-256 of the bytes (what POST /api/public/media announces). */
  sha256Hash: string;
  contentType: string;
  source: MediaSource;
  bytes: Buffer;
  registeredAt: number;
  /** Upload jobs holding it; released when the last one is done. */
  jobs: number;
}

/** What an uploaded media id still needs for later references (no bytes). */
export interface KnownMedia {
  id: string;
  sha256Hash: string;
  contentType: string;
  contentLength: number;
}

const KNOWN_LIMIT = 10_000;

/**
 * The media found in serialized values, by id, until the span holding the reference ends and
 * an uploader takes it. Bounded by bytes (`mediaSettings.maxPendingBytes`): `register` says no
 * when full and the caller keeps the media inline. Media that no ended span ever claims is
 * released after `unclaimedTtlMs`.
 */
class PendingMediaRegistry {
  private readonly byId = new Map<string, PendingMedia>();
  private readonly known = new Map<string, KnownMedia>();
  private heldBytes = 0;
  /** Largest `heldBytes` seen (tests and debug logs read it). */
  peakBytes = 0;
  /** Media kept inline because the registry was full (total, for tests and debug logs). */
  keptInline = 0;
  private unreportedInline = 0;

  get size(): number {
    return this.byId.size;
  }

  get hasKnown(): boolean {
    return this.known.size > 0;
  }

  get pendingBytes(): number {
    return this.heldBytes;
  }

  register(media: Omit<PendingMedia, "registeredAt" | "jobs">): boolean {
    const existing = this.byId.get(media.id);
    if (existing) {
      existing.registeredAt = Date.now();
      return true;
    }
    if (this.heldBytes + media.bytes.length > mediaSettings.maxPendingBytes) this.evictUnclaimed();
    if (this.heldBytes + media.bytes.length > mediaSettings.maxPendingBytes) {
      this.keptInline++;
      this.unreportedInline++;
      logger.warnOnce(
        "media-pending-full",
        `media upload queue is full (${mediaSettings.maxPendingBytes} bytes pending); media is kept inline in the traced value until uploads catch up`,
      );
      return false;
    }
    this.byId.set(media.id, { ...media, registeredAt: Date.now(), jobs: 0 });
    this.heldBytes += media.bytes.length;
    if (this.heldBytes > this.peakBytes) this.peakBytes = this.heldBytes;
    return true;
  }

  /** Media kept inline since the last call (reported once, by whichever client flushes first). */
  takeUnreportedInline(): number {
    const n = this.unreportedInline;
    this.unreportedInline = 0;
    return n;
  }

  /** Takes a hold on the media for one upload job (undefined when not pending). */
  acquire(id: string): PendingMedia | undefined {
    const entry = this.byId.get(id);
    if (entry) entry.jobs++;
    return entry;
  }

  /** Ends one job's hold; the bytes are dropped with the last one, the id stays known. */
  release(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    entry.jobs--;
    if (entry.jobs > 0) return;
    this.byId.delete(id);
    this.heldBytes -= entry.bytes.length;
    this.remember({ id, sha256Hash: entry.sha256Hash, contentType: entry.contentType, contentLength: entry.bytes.length });
  }

  /** Media uploaded before in this process (a later reference only links it). */
  knownMedia(id: string): KnownMedia | undefined {
    return this.known.get(id);
  }

  private remember(media: KnownMedia): void {
    this.known.delete(media.id);
    this.known.set(media.id, media);
    if (this.known.size > KNOWN_LIMIT) this.known.delete(this.known.keys().next().value as string);
  }

  private evictUnclaimed(): void {
    const cutoff = Date.now() - mediaSettings.unclaimedTtlMs;
    for (const [id, entry] of this.byId) {
      if (entry.jobs === 0 && entry.registeredAt < cutoff) {
        this.byId.delete(id);
        this.heldBytes -= entry.bytes.length;
      }
    }
  }
}

/** The one registry of this process. */
export const pendingMedia = new PendingMediaRegistry();

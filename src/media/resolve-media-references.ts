import { errorMessage } from "../errors";
import { logger } from "../logger";
import type { LangfuseApi } from "../api/langfuse-api";
import { createHttpMediaStore } from "./http-media-store";
import { MEDIA_REFERENCE_PATTERN, parseMediaReference } from "./media-reference";
import type { MediaStore } from "./media-store";
import { defaultMediaStore, mediaStoreOf } from "./media-uploads";

/** An API with the media endpoints (a `Langfuse` client's `api`). */
export interface MediaApi {
  readonly media: LangfuseApi["media"];
}

export interface ResolveMediaReferencesOptions {
  /** What a reference becomes; only `base64DataUri` (`data:<type>;base64,...`) for now. */
  resolveWith: "base64DataUri";
  /** The API to read media with (a `Langfuse` client or its `api`). Default: the default client's. */
  client?: MediaApi | { api: MediaApi };
  /** Objects nested deeper than this are returned as they are. Default 10. */
  maxDepth?: number;
}

/**
 * Returns a copy of `obj` in which every `@@@langfuseMedia:...@@@` reference is replaced by the
 * media content (GET /api/public/media/{id}, then the bytes through the client's backend: its
 * download URL for a Langfuse server, the embedded store itself without keys). An API that
 * belongs to no live client is read as a Langfuse server's. A reference that cannot be resolved
 * stays as it is (with a warning): the call does not throw for missing media.
 */
export async function resolveMediaReferences<T>(obj: T, options: ResolveMediaReferencesOptions): Promise<T> {
  const maxDepth = options?.maxDepth ?? 10;
  const api = options?.client ? ("api" in options.client ? options.client.api : options.client) : undefined;
  const store = api ? (mediaStoreOf(api.media) ?? createHttpMediaStore(api.media)) : defaultMediaStore();
  if (!store) {
    logger.warnOnce("media-resolve-no-client", "resolveMediaReferences: no Langfuse client exists; references are returned as they are");
    return obj;
  }
  const cache = new Map<string, Promise<string | undefined>>();
  const resolveOne = (mediaId: string): Promise<string | undefined> => {
    let p = cache.get(mediaId);
    if (!p) {
      p = fetchDataUri(store, mediaId).catch((err: unknown) => {
        logger.warn(`resolveMediaReferences: media ${mediaId} could not be read: ${errorMessage(err)}`);
        return undefined;
      });
      cache.set(mediaId, p);
    }
    return p;
  };
  const visit = async (node: unknown, depth: number): Promise<unknown> => {
    if (depth > maxDepth) return node;
    if (typeof node === "string") {
      const refs = node.match(MEDIA_REFERENCE_PATTERN);
      if (!refs) return node;
      let out = node;
      for (const ref of new Set(refs)) {
        const parsed = parseMediaReference(ref);
        const data = parsed ? await resolveOne(parsed.mediaId) : undefined;
        if (data !== undefined) out = out.split(ref).join(data);
      }
      return out;
    }
    if (Array.isArray(node)) return Promise.all(node.map((x) => visit(x, depth + 1)));
    if (node !== null && typeof node === "object" && Object.getPrototypeOf(node) === Object.prototype) {
      const entries = await Promise.all(Object.entries(node).map(async ([k, v]) => [k, await visit(v, depth + 1)] as const));
      return Object.fromEntries(entries);
    }
    return node;
  };
  return (await visit(obj, 0)) as T;
}

async function fetchDataUri(store: MediaStore, mediaId: string): Promise<string> {
  const media = await store.media.get(mediaId);
  const bytes = await store.download(media);
  return `data:${media.contentType};base64,${bytes.toString("base64")}`;
}

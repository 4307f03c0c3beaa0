import { errorMessage } from "../errors";
import { logger } from "../logger";
import { MEDIA_REFERENCE_PATTERN, parseMediaReference } from "./media-reference";
import type { MediaApi } from "./media-uploader";
import { defaultMediaApi } from "./media-uploads";

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
 * media content (GET /api/public/media/{id}, then the bytes from its download URL; in embedded
 * mode straight from the store). A reference that cannot be resolved stays as it is (with a
 * warning): the call does not throw for missing media.
 */
export async function resolveMediaReferences<T>(obj: T, options: ResolveMediaReferencesOptions): Promise<T> {
  const maxDepth = options?.maxDepth ?? 10;
  const api = options?.client ? ("api" in options.client ? options.client.api : options.client) : defaultMediaApi();
  if (!api) {
    logger.warnOnce("media-resolve-no-client", "resolveMediaReferences: no Langfuse client exists; references are returned as they are");
    return obj;
  }
  const cache = new Map<string, Promise<string | undefined>>();
  const resolveOne = (mediaId: string): Promise<string | undefined> => {
    let p = cache.get(mediaId);
    if (!p) {
      p = fetchDataUri(api, mediaId).catch((err: unknown) => {
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

async function fetchDataUri(api: MediaApi, mediaId: string): Promise<string> {
  const media = await api.media.get(mediaId);
  let bytes: Buffer;
  if (media.url.startsWith("langfuse-local:")) {
    if (typeof api.getMediaBytes !== "function") throw new Error("the media lives in an embedded store this client cannot read");
    bytes = api.getMediaBytes(mediaId).bytes;
  } else {
    const res = await fetch(media.url);
    if (!res.ok) throw new Error(`download answered HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  }
  return `data:${media.contentType};base64,${bytes.toString("base64")}`;
}

import { logger } from "../logger";
import { errorMessage } from "../errors";
import { referenceFor } from "./media-content";

/**
 * Base64 data URIs inside a serialized value (OpenAI `image_url` parts, any string field). The
 * content type is a plain `type/subtype`; parameters before `;base64` are allowed.
 */
const DATA_URI = /data:([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9!#$&^_.+-]+)((?:;[A-Za-z0-9!#$&^_.+-]+=[A-Za-z0-9!#$&^_.+-]+)*);base64,([A-Za-z0-9+/]+={0,2})/g;

/** OpenAI audio formats (input_audio.format) to content types. */
const AUDIO_FORMATS: Record<string, string> = { wav: "audio/wav", mp3: "audio/mpeg", flac: "audio/flac", ogg: "audio/ogg", opus: "audio/opus", aac: "audio/aac", pcm16: "audio/wav" };

/**
 * Replaces the media inside one serialized value by references, queuing the bytes for upload.
 * Runs on every serialized input/output/metadata value before truncation, so its fast path
 * is two substring checks; it never throws (the value is returned unchanged on any error).
 */
export function extractMedia(serialized: string): string {
  const hasDataUri = serialized.includes(";base64,");
  const hasAudio = serialized.includes('"input_audio"');
  if (!hasDataUri && !hasAudio) return serialized;
  try {
    let out = serialized;
    if (hasAudio) out = replaceInputAudio(out);
    if (hasDataUri) {
      out = out.replace(DATA_URI, (match: string, type: string, _params: string, data: string) => {
        return referenceFor(Buffer.from(data, "base64"), type.toLowerCase(), "base64_data_uri") ?? match;
      });
    }
    return out;
  } catch (err) {
    logger.warnOnce("media-extract-failed", `media extraction failed; the value is kept as is: ${errorMessage(err)}`);
    return serialized;
  }
}

/** `{ type: "input_audio", input_audio: { data: <raw base64>, format } }` (OpenAI chat audio input). */
function replaceInputAudio(serialized: string): string {
  if (!serialized.startsWith("{") && !serialized.startsWith("[")) return serialized;
  let changed = false;
  const visit = (node: unknown, depth: number): void => {
    if (depth > 20 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const x of node) visit(x, depth + 1);
      return;
    }
    const rec = node as Record<string, unknown>;
    const audio = rec.input_audio as Record<string, unknown> | undefined;
    if (rec.type === "input_audio" && audio && typeof audio.data === "string" && typeof audio.format === "string") {
      const type = AUDIO_FORMATS[audio.format.toLowerCase()];
      const ref = type ? referenceFor(Buffer.from(audio.data, "base64"), type, "base64_data_uri") : undefined;
      if (ref) {
        audio.data = ref;
        changed = true;
      }
      return;
    }
    for (const key of Object.keys(rec)) visit(rec[key], depth + 1);
  };
  const parsed: unknown = JSON.parse(serialized);
  visit(parsed, 0);
  return changed ? JSON.stringify(parsed) : serialized;
}

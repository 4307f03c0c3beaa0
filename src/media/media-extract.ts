import { logger } from "../logger";
import { errorMessage } from "../errors";
import { referenceFor } from "./media-content";

/**
 * The start of a base64 data URI inside a serialized value (OpenAI `image_url` parts, any string
 * field). The content type is a plain `type/subtype`; parameters before `;base64` are allowed.
 */
const DATA_URI_HEAD = /data:([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9!#$&^_.+-]+)(?:;[A-Za-z0-9!#$&^_.+-]+=[A-Za-z0-9!#$&^_.+-]+)*;base64,/g;
/** The base64 run of a data URI, from where the head ended. */
const BASE64_RUN = /[A-Za-z0-9+/]+={0,2}/y;

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
    if (hasDataUri) out = replaceDataUris(out);
    return out;
  } catch (err) {
    logger.warnOnce("media-extract-failed", `media extraction failed; the value is kept as is: ${errorMessage(err)}`);
    return serialized;
  }
}

function replaceDataUris(s: string): string {
  let out = "";
  let copied = 0;
  DATA_URI_HEAD.lastIndex = 0;
  // Bounded: each round moves lastIndex forward past a head.
  for (let m = DATA_URI_HEAD.exec(s); m !== null; m = DATA_URI_HEAD.exec(s)) {
    const start = DATA_URI_HEAD.lastIndex;
    const run = base64Run(s, start);
    if (!run) continue;
    const ref = referenceFor(run.bytes, m[1].toLowerCase(), "base64_data_uri");
    DATA_URI_HEAD.lastIndex = run.end;
    if (ref === undefined) continue;
    out += s.slice(copied, m.index) + ref;
    copied = run.end;
  }
  return copied === 0 ? s : out + s.slice(copied);
}

/**
 * The decoded bytes of the base64 run at `start` and where it ends. Fast path: in a JSON string
 * the run ends at the closing quote, and when all of that text is base64 it is decoded once
 * (`decodeExactBase64`). Otherwise the exact run is found with the regex (much slower on large
 * runs, so only for text that is not a clean run).
 */
function base64Run(s: string, start: number): { bytes: Buffer; end: number } | undefined {
  const quote = s.indexOf('"', start);
  const candidateEnd = quote === -1 ? s.length : quote;
  if (candidateEnd > start) {
    const bytes = decodeExactBase64(s.slice(start, candidateEnd));
    if (bytes !== undefined) return { bytes, end: candidateEnd };
  }
  BASE64_RUN.lastIndex = start;
  const m = BASE64_RUN.exec(s);
  if (!m) return undefined;
  return { bytes: Buffer.from(m[0], "base64"), end: start + m[0].length };
}

/**
 * The bytes of `text` when all of it is padded base64 (`[A-Za-z0-9+/]*` and up to two `=` at
 * the end, length a multiple of 4), else undefined. Buffer.from skips characters outside the
 * alphabet, stops at an early `=` and also takes the URL-safe `-` and `_`; so after ruling out
 * `-`, `_` and an early `=` (three memchr-fast scans), any other foreign character shows as a
 * byte count below the length's 3/4 (minus padding). This replaces re-encoding the bytes and
 * comparing the text, which cost more than decoding and hashing together.
 */
export function decodeExactBase64(text: string): Buffer | undefined {
  const len = text.length;
  if (len === 0 || len % 4 !== 0) return undefined;
  const pad = text.charCodeAt(len - 1) !== 61 ? 0 : text.charCodeAt(len - 2) === 61 ? 2 : 1;
  const firstEq = text.indexOf("=");
  if (firstEq !== -1 && firstEq < len - pad) return undefined;
  if (text.includes("-") || text.includes("_")) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.length === (len / 4) * 3 - pad && bytes.length > 0 ? bytes : undefined;
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

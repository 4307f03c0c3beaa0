/**
 * What a span contributes to its trace (reference/langfuse-server-api.md §8.3). A root span
 * gives the trace its timestamp and the fallbacks for name, IO and metadata; any span may set
 * the trace's explicit fields.
 */
import type { IngestAttributes, IngestSpan } from "../span";
import { first, firstOf, isLangfuseKey, isSet, str, type V } from "./attribute-values";
import { F_TRACE_META } from "./attribute-flags";
import { extractIo, type SpanIo } from "./io";
import type { SpanMetadata } from "./metadata";
import type { TraceUpdate } from "./records";

function parseTags(v: V): string[] | undefined {
  if (!isSet(v)) return undefined;
  if (Array.isArray(v)) return v.map((t) => (typeof t === "string" ? t : JSON.stringify(t)));
  if (typeof v !== "string") return [JSON.stringify(v)];
  const s = v.trim();
  if (s.startsWith("[")) {
    try {
      const p = JSON.parse(s) as unknown;
      if (Array.isArray(p)) return p.map((t) => (typeof t === "string" ? t : JSON.stringify(t)));
    } catch {
      // not JSON: fall through to the comma-separated form
    }
  }
  return s.includes(",") ? s.split(",").map((t) => t.trim()).filter(Boolean) : [s];
}

const TRACE_UPDATE_KEYS = [
  "langfuse.trace.name",
  "langfuse.trace.input",
  "langfuse.trace.output",
  "langfuse.trace.metadata",
  "user.id",
  "session.id",
  "langfuse.trace.public",
  "langfuse.trace.tags",
  "langfuse.user.id",
  "langfuse.session.id",
  "langfuse.observation.metadata.langfuse_user_id",
  "langfuse.observation.metadata.langfuse_session_id",
  "langfuse.observation.metadata.langfuse_tags",
  "ai.telemetry.metadata.sessionId",
  "ai.telemetry.metadata.userId",
  "ai.telemetry.metadata.tags",
  "tag.tags",
];

const TRACE_UPDATE_KEYS_LANGFUSE = TRACE_UPDATE_KEYS.filter(isLangfuseKey);

/** The listed keys; keys under `langfuse.trace.metadata` are detected by the flag scan. */
function hasTraceUpdates(a: IngestAttributes, foreign: boolean): boolean {
  const keys = foreign ? TRACE_UPDATE_KEYS : TRACE_UPDATE_KEYS_LANGFUSE;
  for (const k of keys) if (isSet(a[k]) && a[k] !== false) return true;
  return false;
}

const USER_ID_KEYS = [
  "langfuse.user.id",
  "user.id",
  "langfuse.observation.metadata.langfuse_user_id",
  "langfuse.trace.metadata.langfuse_user_id",
  "ai.telemetry.metadata.userId",
];
const SESSION_ID_KEYS = [
  "langfuse.session.id",
  "session.id",
  "gen_ai.conversation.id",
  "langfuse.observation.metadata.langfuse_session_id",
  "langfuse.trace.metadata.langfuse_session_id",
  "ai.telemetry.metadata.sessionId",
];
const TAGS_KEYS = [
  "langfuse.trace.tags",
  "langfuse.tags",
  "langfuse.observation.metadata.langfuse_tags",
  "langfuse.trace.metadata.langfuse_tags",
  "ai.telemetry.metadata.tags",
  "tag.tags",
];
const PUBLIC_KEYS = ["langfuse.trace.public", "langfuse.public"];

export function isRootSpan(span: IngestSpan): boolean {
  return !span.parentSpanId || String(span.attributes["langfuse.internal.as_root"]) === "true";
}

/** What the trace update needs from the observation already mapped. */
export interface TraceUpdateInput {
  span: IngestSpan;
  flags: number;
  foreign: boolean;
  isRoot: boolean;
  timestamp: string;
  environment: { value: string; explicit: boolean };
  /** The observation's name and IO: the root span's fallbacks for the trace's. */
  name: string;
  io: SpanIo;
  version: string | undefined;
  release: string | undefined;
  metadata: SpanMetadata;
}

export function traceUpdate(t: TraceUpdateInput): TraceUpdate {
  const trace: TraceUpdate = {
    id: t.span.traceId,
    timestamp: t.timestamp,
    isRoot: t.isRoot,
    nameExplicit: false,
    environment: t.environment.value,
    environmentExplicit: t.environment.explicit,
    inputExplicit: false,
    outputExplicit: false,
  };
  if (t.isRoot || (t.flags & F_TRACE_META) !== 0 || hasTraceUpdates(t.span.attributes, t.foreign)) setTraceFields(trace, t);
  return trace;
}

function setTraceFields(trace: TraceUpdate, t: TraceUpdateInput): void {
  const { span, foreign, isRoot, io, metadata } = t;
  const a = span.attributes;
  const traceName = str(a["langfuse.trace.name"]);
  trace.name = traceName ?? (isRoot ? t.name : undefined);
  trace.nameExplicit = traceName !== undefined;
  trace.userId = str(firstOf(a, USER_ID_KEYS, foreign));
  trace.sessionId = str(firstOf(a, SESSION_ID_KEYS, foreign));
  trace.tags = parseTags(firstOf(a, TAGS_KEYS, foreign));
  const pub = first(a, PUBLIC_KEYS);
  if (pub !== undefined) trace.public = pub === true || pub === "true";
  trace.version = t.version;
  trace.release = t.release;
  const tio = extractIo(span, "trace", foreign);
  trace.inputExplicit = tio.input !== undefined;
  trace.outputExplicit = tio.output !== undefined;
  trace.input = tio.input ?? (isRoot ? io.input : undefined);
  trace.output = tio.output ?? (isRoot ? io.output : undefined);
  if (isRoot) {
    const md: Record<string, unknown> = { ...metadata.resourceTrace, ...metadata.trace, ...metadata.observation };
    if (metadata.attributes) md.attributes = metadata.attributes;
    md.resourceAttributes = span.resource;
    md.scope = span.scope;
    trace.metadata = md;
  } else if (Object.keys(metadata.resourceTrace).length || Object.keys(metadata.trace).length) {
    trace.metadata = { ...metadata.resourceTrace, ...metadata.trace };
  }
}

import { context, createContextKey, propagation, trace, type Attributes, type Context } from "@opentelemetry/api";
import { Attr } from "./constants";
import { logger } from "../logger";

/**
 * Trace-level attributes that apply to every span started inside `propagateAttributes`.
 * They travel in the OTel Context (and, with `asBaggage`, in W3C baggage to other services);
 * LangfuseSpanProcessor.onStart stamps them onto each new span, whatever its tracer.
 */
export interface PropagateAttributesParams {
  userId?: string;
  sessionId?: string;
  /** String values only (each at most 200 chars). Nested calls merge; the inner value wins. */
  metadata?: Record<string, string>;
  version?: string;
  /** Nested calls add tags (set union, outer first). */
  tags?: string[];
  traceName?: string;
  /** Also write the values into W3C baggage so downstream services (any Langfuse SDK) continue them. */
  asBaggage?: boolean;
  /**
   * Experiment linkage, set by the experiment runner. Values are sent as given (metadata as
   * JSON strings); not validated for length.
   */
  experiment?: PropagatedExperimentAttributes;
}

export interface PropagatedExperimentAttributes {
  id?: string;
  name?: string;
  metadata?: string;
  datasetId?: string;
  itemId?: string;
  itemMetadata?: string;
  itemRootObservationId?: string;
}

/** The resolved, validated set stored in a Context. */
export interface PropagatedState {
  userId?: string;
  sessionId?: string;
  metadata?: Record<string, string>;
  version?: string;
  tags?: string[];
  traceName?: string;
  experiment?: PropagatedExperimentAttributes;
}

const STATE_KEY = createContextKey("langfuse-decorators.propagated");
const MAX_LEN = 200;

/** Baggage names shared with both official SDKs (snake_case). */
const BAGGAGE = {
  userId: "langfuse_user_id",
  sessionId: "langfuse_session_id",
  version: "langfuse_version",
  traceName: "langfuse_trace_name",
  tags: "langfuse_tags",
  metadataPrefix: "langfuse_metadata_",
} as const;

function validString(key: string, value: unknown): value is string {
  if (typeof value !== "string") {
    logger.warn(`Propagated attribute '${key}' value is not a string. Dropping value.`);
    return false;
  }
  if (value.length > MAX_LEN) {
    logger.warn(`Propagated attribute '${key}' value is over ${MAX_LEN} characters (${value.length} chars). Dropping value.`);
    return false;
  }
  return true;
}

export function getPropagatedState(ctx: Context): PropagatedState | undefined {
  return ctx.getValue(STATE_KEY) as PropagatedState | undefined;
}

/** Validates `params` and merges them over the state already in `ctx` (inner wins, tags union). */
export function mergePropagated(outer: PropagatedState | undefined, params: PropagateAttributesParams): PropagatedState {
  const next: PropagatedState = { ...outer };
  for (const key of ["userId", "sessionId", "version", "traceName"] as const) {
    const v = params[key];
    if (v !== undefined && v !== null && validString(key, v)) next[key] = v;
  }
  if (params.metadata !== undefined && params.metadata !== null) {
    if (typeof params.metadata !== "object") {
      logger.warn("Propagated attribute 'metadata' must be an object of strings. Dropping value.");
    } else {
      const merged: Record<string, string> = { ...outer?.metadata };
      let added = false;
      for (const [k, v] of Object.entries(params.metadata)) {
        if (validString(`metadata.${k}`, v)) {
          merged[k] = v;
          added = true;
        }
      }
      if (added || outer?.metadata) next.metadata = merged;
    }
  }
  if (params.tags !== undefined && params.tags !== null) {
    if (!Array.isArray(params.tags)) {
      logger.warn("Propagated attribute 'tags' must be an array of strings. Dropping value.");
    } else {
      const tags = [...(outer?.tags ?? [])];
      for (const t of params.tags) if (validString("tags", t) && !tags.includes(t)) tags.push(t);
      if (tags.length) next.tags = tags;
    }
  }
  if (params.experiment) next.experiment = { ...outer?.experiment, ...params.experiment };
  return next;
}

/** The span attributes for a propagated state (keys as on the wire). */
export function propagatedAttributes(state: PropagatedState): Attributes {
  const a: Attributes = {};
  if (state.userId !== undefined) a[Attr.TRACE_USER_ID] = state.userId;
  if (state.sessionId !== undefined) a[Attr.TRACE_SESSION_ID] = state.sessionId;
  if (state.version !== undefined) a[Attr.VERSION] = state.version;
  if (state.traceName !== undefined) a[Attr.TRACE_NAME] = state.traceName;
  if (state.tags !== undefined) a[Attr.TRACE_TAGS] = state.tags;
  if (state.metadata) for (const [k, v] of Object.entries(state.metadata)) a[`${Attr.TRACE_METADATA}.${k}`] = v;
  const e = state.experiment;
  if (e) {
    if (e.id !== undefined) a[Attr.EXPERIMENT_ID] = e.id;
    if (e.name !== undefined) a[Attr.EXPERIMENT_NAME] = e.name;
    if (e.metadata !== undefined) a[Attr.EXPERIMENT_METADATA] = e.metadata;
    if (e.datasetId !== undefined) a[Attr.EXPERIMENT_DATASET_ID] = e.datasetId;
    if (e.itemId !== undefined) a[Attr.EXPERIMENT_ITEM_ID] = e.itemId;
    if (e.itemMetadata !== undefined) a[Attr.EXPERIMENT_ITEM_METADATA] = e.itemMetadata;
    if (e.itemRootObservationId !== undefined) {
      a[Attr.EXPERIMENT_ITEM_ROOT_OBSERVATION_ID] = e.itemRootObservationId;
      a[Attr.ENVIRONMENT] = "sdk-experiment";
    }
  }
  return a;
}

/**
 * Reads `langfuse_*` baggage entries (written by another service with asBaggage) back into
 * span attributes, so a trace continued across services keeps user/session/tags/metadata.
 */
export function baggageAttributes(ctx: Context): Attributes | undefined {
  const bag = propagation.getBaggage(ctx);
  if (!bag) return undefined;
  let a: Attributes | undefined;
  for (const [key, entry] of bag.getAllEntries()) {
    if (!key.startsWith("langfuse_")) continue;
    a ??= {};
    const v = entry.value;
    if (key === BAGGAGE.userId) a[Attr.TRACE_USER_ID] = v;
    else if (key === BAGGAGE.sessionId) a[Attr.TRACE_SESSION_ID] = v;
    else if (key === BAGGAGE.version) a[Attr.VERSION] = v;
    else if (key === BAGGAGE.traceName) a[Attr.TRACE_NAME] = v;
    else if (key === BAGGAGE.tags) a[Attr.TRACE_TAGS] = v.split(",").filter(Boolean);
    else if (key.startsWith(BAGGAGE.metadataPrefix)) a[`${Attr.TRACE_METADATA}.${key.slice(BAGGAGE.metadataPrefix.length)}`] = v;
  }
  return a;
}

function withBaggage(ctx: Context, state: PropagatedState): Context {
  const entries: Record<string, { value: string }> = {};
  const existing = propagation.getBaggage(ctx);
  if (existing) for (const [k, e] of existing.getAllEntries()) entries[k] = { value: e.value };
  if (state.userId !== undefined) entries[BAGGAGE.userId] = { value: state.userId };
  if (state.sessionId !== undefined) entries[BAGGAGE.sessionId] = { value: state.sessionId };
  if (state.version !== undefined) entries[BAGGAGE.version] = { value: state.version };
  if (state.traceName !== undefined) entries[BAGGAGE.traceName] = { value: state.traceName };
  if (state.tags !== undefined) entries[BAGGAGE.tags] = { value: state.tags.join(",") };
  if (state.metadata) for (const [k, v] of Object.entries(state.metadata)) entries[`${BAGGAGE.metadataPrefix}${k}`] = { value: v };
  return propagation.setBaggage(ctx, propagation.createBaggage(entries));
}

/**
 * Runs `fn` with trace attributes applied to the active span and every span started inside
 * it (sync or async `fn`; the return value is passed through unchanged). Invalid values are
 * dropped with a warning, never thrown.
 */
export function propagateAttributes<R>(params: PropagateAttributesParams, fn: () => R): R {
  let ctx: Context;
  try {
    const active = context.active();
    const state = mergePropagated(getPropagatedState(active), params ?? {});
    ctx = active.setValue(STATE_KEY, state);
    if (params?.asBaggage) ctx = withBaggage(ctx, state);
    const span = trace.getSpan(active);
    if (span?.isRecording()) span.setAttributes(propagatedAttributes(state));
  } catch (err) {
    logger.warnOnce("propagate-failed", `propagateAttributes failed, running without them: ${String(err)}`);
    return fn();
  }
  return context.with(ctx, fn);
}

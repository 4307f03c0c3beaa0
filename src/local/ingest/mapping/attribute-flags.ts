/**
 * One pass over the attribute keys tells which prefix-driven extractors have anything to do
 * (each of them would otherwise loop over all keys again), and whether the span carries any
 * foreign (non-Langfuse) convention at all.
 */
import type { IngestAttributes, IngestSpan } from "../span";

export const F_OBS_META = 1;
export const F_TRACE_META = 2;
export const F_AI_META = 4;
export const F_EXPERIMENT = 8;
export const F_USAGE = 16;
export const F_PARAMS = 32;
/** Any key besides the Langfuse ones (see isLangfuseKey). */
export const F_FOREIGN = 64;

/** The flags one attribute key contributes. */
function keyFlags(k: string): number {
  if (k.startsWith("langfuse.")) {
    if (k.startsWith("langfuse.observation.metadata")) return F_OBS_META;
    if (k.startsWith("langfuse.trace.metadata")) return F_TRACE_META;
    if (k.startsWith("langfuse.metadata")) return F_OBS_META | F_TRACE_META;
    if (k.startsWith("langfuse.experiment.")) return F_EXPERIMENT;
    return 0;
  }
  if (k === "user.id" || k === "session.id") return 0;
  if (k.startsWith("gen_ai.")) {
    if (k.startsWith("gen_ai.usage.")) return F_FOREIGN | F_USAGE;
    if (k.startsWith("gen_ai.request.")) return F_FOREIGN | F_PARAMS;
    return F_FOREIGN;
  }
  if (k.startsWith("llm.")) {
    if (k.startsWith("llm.token_count.")) return F_FOREIGN | F_USAGE;
    if (k.startsWith("llm.invocation_parameters.")) return F_FOREIGN | F_PARAMS;
    return F_FOREIGN;
  }
  return k.startsWith("ai.telemetry.metadata.") ? F_FOREIGN | F_AI_META : F_FOREIGN;
}

export function scanFlags(a: IngestAttributes): number {
  let f = 0;
  for (const k in a) f |= keyFlags(k);
  return f;
}

/**
 * The span's attributes in a prototype-less object. The mapping probes dozens of keys per span,
 * most of them absent; on an ordinary object every miss walks the prototype chain through
 * V8's megamorphic lookup path, on a prototype-less dictionary it is one hash probe (profiles:
 * the mapping ran about twice as fast). Copies the same keys a `for…in` walk sees.
 */
function lookupAttributes(a: IngestAttributes): { attributes: IngestAttributes; flags: number } {
  if (Object.getPrototypeOf(a) === null) return { attributes: a, flags: scanFlags(a) };
  const o = Object.create(null) as IngestAttributes;
  let flags = 0;
  for (const k in a) {
    o[k] = a[k];
    flags |= keyFlags(k);
  }
  return { attributes: o, flags };
}


/** The span as the mapping steps read it. */
export interface SpanView {
  /** The input span, its attributes replaced by the prototype-less copy. */
  span: IngestSpan;
  /** `span.attributes`. */
  attributes: IngestAttributes;
  /** The F_* flags of the attribute keys; F_FOREIGN also set when `foreign` is. */
  flags: number;
  /** Whether foreign conventions are looked up at all (false: only Langfuse keys are read). */
  foreign: boolean;
}

export function spanView(input: IngestSpan): SpanView {
  // One pass over the keys: the prototype-less copy and the flag scan.
  const { attributes, flags } = lookupAttributes(input.attributes);
  const span: IngestSpan = attributes === input.attributes ? input : { ...input, attributes };
  // Vercel AI SDK spans ("ai" scope) are read through their own keys even when those are absent.
  const foreign = (flags & F_FOREIGN) !== 0 || span.scope.name === "ai" || (span.events?.length ?? 0) > 0;
  return { span, attributes, flags: foreign ? flags | F_FOREIGN : flags, foreign };
}

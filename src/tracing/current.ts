import { createHash, randomBytes } from "node:crypto";
import { trace } from "@opentelemetry/api";
import {
  setObservationAttributes,
  setTraceAttributes,
  type LangfuseGenerationAttributes,
  type LangfuseSpanAttributes,
  type LangfuseTraceAttributes,
} from "./attributes";
import { logger } from "../logger";
import { activeSpan } from "./ambient";
import { resolveRuntime } from "./runtime";

const DEFAULT_MAX_FIELD_CHARS = 1_000_000;

function maxChars(): number {
  return resolveRuntime()?.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS;
}

function activeRecordingSpan(what: string) {
  const span = activeSpan();
  if (!span || !span.isRecording()) {
    logger.debug(`${what}: no active recording span; nothing updated`);
    return undefined;
  }
  return span;
}

/** Updates the current observation. Never changes its type. No active span: no-op. */
export function updateCurrentSpan(attributes: LangfuseSpanAttributes): void {
  try {
    const span = activeRecordingSpan("updateCurrentSpan");
    if (span && attributes) setObservationAttributes(span, attributes, maxChars());
  } catch (err) {
    logger.warnOnce("update-current-failed", `updateCurrentSpan failed: ${String(err)}`);
  }
}

/** Updates the current observation with generation fields (model, usage, cost, prompt, ...). Never changes its type. */
export function updateCurrentGeneration(attributes: LangfuseGenerationAttributes): void {
  try {
    const span = activeRecordingSpan("updateCurrentGeneration");
    if (span && attributes) setObservationAttributes(span, attributes, maxChars());
  } catch (err) {
    logger.warnOnce("update-current-failed", `updateCurrentGeneration failed: ${String(err)}`);
  }
}

/** Sets trace-level fields through the current observation. */
export function updateCurrentTrace(attributes: LangfuseTraceAttributes): void {
  try {
    const span = activeRecordingSpan("updateCurrentTrace");
    if (span && attributes) setTraceAttributes(span, attributes, maxChars());
  } catch (err) {
    logger.warnOnce("update-current-failed", `updateCurrentTrace failed: ${String(err)}`);
  }
}

/** The trace id of the active span, or undefined outside any span. */
export function getCurrentTraceId(): string | undefined {
  const sc = activeSpan()?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** The id of the active observation (its span id), or undefined outside any span. */
export function getCurrentObservationId(): string | undefined {
  const sc = activeSpan()?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.spanId : undefined;
}

/**
 * A W3C trace id (32 lowercase hex). With a seed it is deterministic: the first 16 bytes of
 * sha256(seed), the same value both official SDKs produce, so an external id (a request id,
 * a dataset item) maps to one trace in every service.
 */
export function createTraceId(seed?: string): string {
  if (seed !== undefined) return createHash("sha256").update(String(seed), "utf8").digest("hex").slice(0, 32);
  // All-zero ids are invalid in W3C trace context; the chance is 2^-128 but the loop is cheap.
  for (let i = 0; i < 4; i++) {
    const id = randomBytes(16).toString("hex");
    if (id !== "00000000000000000000000000000000") return id;
  }
  return "00000000000000000000000000000001";
}

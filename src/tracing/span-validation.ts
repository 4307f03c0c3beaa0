import type { HrTime } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** What repairSpan did to one span. */
export type SpanRepair = "ok" | "repaired" | "invalid";

function validTime(t: HrTime | undefined): boolean {
  return Array.isArray(t) && Number.isFinite(t[0]) && Number.isFinite(t[1]) && t[0] >= 0 && t[1] >= 0;
}

type MutableSpan = {
  name: unknown;
  startTime: HrTime;
  endTime: HrTime;
  _duration?: HrTime;
  events?: { name: unknown; time: HrTime }[];
  status?: { code: number; message?: unknown };
};

/**
 * Checks the fields a user value can break before export, and repairs the span in place when
 * that is meaningful, so one bad span never takes its batch down with it (the serializers
 * throw, or the server rejects the whole request):
 * - a name that is not a string (dynamic @Observe options returning an object) becomes its
 *   String() form;
 * - a start time that is not a time (`new Date("garbage")` gives NaN) becomes the end time, an
 *   end time that is not a time becomes the start time (duration 0); both invalid: "invalid",
 *   the caller drops the span;
 * - an event whose time is invalid gets the span's start time; a status message that is not a
 *   string becomes its String() form.
 * Cheap (a few typeof and isFinite checks): it runs on the export path for every span.
 */
export function repairSpan(span: ReadableSpan): SpanRepair {
  const s = span as unknown as MutableSpan;
  let result: SpanRepair = "ok";
  try {
    if (typeof s.name !== "string") {
      s.name = safeString(s.name, "unnamed");
      result = "repaired";
    }
    const startOk = validTime(s.startTime);
    const endOk = validTime(s.endTime);
    if (!startOk || !endOk) {
      if (!startOk && !endOk) return "invalid";
      if (!startOk) s.startTime = [s.endTime[0], s.endTime[1]];
      else s.endTime = [s.startTime[0], s.startTime[1]];
      if ("_duration" in s) s._duration = [0, 0];
      result = "repaired";
    }
    if (s.events) {
      for (const e of s.events) {
        if (!validTime(e.time)) {
          e.time = [s.startTime[0], s.startTime[1]];
          result = "repaired";
        }
        if (typeof e.name !== "string") {
          e.name = safeString(e.name, "event");
          result = "repaired";
        }
      }
    }
    if (s.status && s.status.message !== undefined && typeof s.status.message !== "string") {
      s.status = { ...s.status, message: safeString(s.status.message, "") };
      result = "repaired";
    }
  } catch {
    // A span whose fields cannot even be read or written (a custom ReadableSpan with throwing
    // getters) cannot be exported either.
    return "invalid";
  }
  return result;
}

function safeString(value: unknown, fallback: string): string {
  try {
    const text = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    return typeof text === "string" && text.length > 0 ? text.slice(0, 1000) : fallback;
  } catch {
    return fallback;
  }
}

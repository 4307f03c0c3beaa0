/**
 * OTLP ExportTraceServiceRequest → IngestSpan[]. Accepts both the OTLP/JSON shape (hex ids,
 * int64 as strings or numbers) and what protobufjs decodes (ids as bytes, int64 as Long or
 * number, oneof fields as own properties). Like the Langfuse server, a batch with any unusable
 * span id or a malformed list is rejected as a whole.
 */
import { OtlpValidationError } from "./errors";
import type { IngestAttributes, IngestAttributeValue, IngestScope, IngestSpan } from "./span";

type Obj = Record<string, unknown>;
const own = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined && o[k] !== null;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** protobufjs with keepCase gives snake_case names; both spellings are read. */
function field(o: Obj, camel: string, snake: string): unknown {
  return own(o, camel) ? o[camel] : own(o, snake) ? o[snake] : undefined;
}

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}
const isLong = (v: unknown): v is LongLike => isObj(v) && typeof v.low === "number" && typeof v.high === "number";

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (isLong(v)) {
    const n = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned ? n : BigInt.asIntN(64, n);
  }
  return undefined;
}

function int64ToNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  const b = toBigInt(v);
  return b === undefined ? undefined : Number(b);
}

const DIGITS = /^\d{7,}$/;
/** The last instant a JS Date (and an ISO timestamp column) can hold, in epoch milliseconds. */
const MAX_DATE_MS = 8.64e15;

/** An event time the span's start stands in for when absent or beyond what a Date holds. */
const eventTime = (ms: number | undefined, start: number): number => (ms === undefined || ms > MAX_DATE_MS ? start : ms);

function nanosToMs(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v > 0 ? v / 1e6 : undefined;
  // OTLP/JSON sends int64 as decimal strings: split off the sub-millisecond digits instead of
  // going through BigInt (same result: both halves are exact integers converted to doubles).
  if (typeof v === "string" && DIGITS.test(v)) {
    const ms = Number(v.slice(0, -6)) + Number(v.slice(-6)) / 1e6;
    return ms > 0 ? ms : undefined;
  }
  const b = toBigInt(v);
  if (b === undefined || b <= 0n) return undefined;
  return Number(b / 1_000_000n) + Number(b % 1_000_000n) / 1e6;
}

const HEX = /^[0-9a-fA-F]+$/;
function bytesToHex(bytes: ArrayLike<number>): string {
  return Buffer.from(bytes as Uint8Array).toString("hex");
}

/** Lowercase hex of a span/trace id; undefined when absent; null when unusable. */
function parseId(v: unknown, bytes: number): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") {
    if (v.length === 0) return undefined;
    if (v.length === bytes * 2 && HEX.test(v)) return v.toLowerCase();
    // protobuf's canonical JSON mapping encodes bytes as base64.
    const b = Buffer.from(v, "base64");
    return b.length === bytes ? b.toString("hex") : null;
  }
  if (v instanceof Uint8Array || (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x < 256))) {
    const arr = v as ArrayLike<number>;
    if (arr.length === 0) return undefined;
    return arr.length === bytes ? bytesToHex(arr) : null;
  }
  return null;
}

function anyValue(v: unknown): IngestAttributeValue {
  if (!isObj(v)) return v === undefined ? null : (v as IngestAttributeValue);
  // Fast path for the common case (a JSON string value); same result as the checks below.
  const sv = v.stringValue;
  if (typeof sv === "string" && Object.prototype.hasOwnProperty.call(v, "stringValue")) return sv;
  if (own(v, "stringValue") || own(v, "string_value")) return String(field(v, "stringValue", "string_value"));
  if (own(v, "boolValue") || own(v, "bool_value")) return Boolean(field(v, "boolValue", "bool_value"));
  if (own(v, "intValue") || own(v, "int_value")) return int64ToNumber(field(v, "intValue", "int_value")) ?? null;
  if (own(v, "doubleValue") || own(v, "double_value")) {
    const d = field(v, "doubleValue", "double_value");
    return typeof d === "number" ? d : typeof d === "string" && d !== "" && !Number.isNaN(Number(d)) ? Number(d) : String(d);
  }
  if (own(v, "arrayValue") || own(v, "array_value")) {
    const arr = field(v, "arrayValue", "array_value") as Obj;
    return Array.isArray(arr?.values) ? arr.values.map(anyValue) : [];
  }
  if (own(v, "kvlistValue") || own(v, "kvlist_value")) {
    const kv = field(v, "kvlistValue", "kvlist_value") as Obj;
    const out: { [k: string]: IngestAttributeValue } = {};
    if (Array.isArray(kv?.values)) for (const e of kv.values as Obj[]) if (isObj(e) && typeof e.key === "string") out[e.key] = anyValue(e.value);
    return out;
  }
  if (own(v, "bytesValue") || own(v, "bytes_value")) {
    const b = field(v, "bytesValue", "bytes_value");
    return b instanceof Uint8Array ? Buffer.from(b).toString("base64") : String(b);
  }
  return null;
}

function keyValues(list: unknown): IngestAttributes {
  const out: IngestAttributes = {};
  if (!Array.isArray(list)) return out;
  for (const e of list) if (isObj(e) && typeof e.key === "string") out[e.key] = anyValue(e.value);
  return out;
}

function statusCode(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "STATUS_CODE_ERROR") return 2;
  if (v === "STATUS_CODE_OK") return 1;
  return 0;
}

const listProblem = (v: unknown) => v !== undefined && v !== null && !Array.isArray(v);

/** Converts an ExportTraceServiceRequest (JSON or protobufjs-decoded) into spans. Throws OtlpValidationError. */
export function fromOtlpRequest(request: unknown): IngestSpan[] {
  if (!isObj(request)) throw new OtlpValidationError("Invalid OTLP trace export: the body must be an object with resourceSpans");
  const resourceSpans = field(request, "resourceSpans", "resource_spans");
  if (resourceSpans === undefined) return [];
  if (!Array.isArray(resourceSpans)) throw new OtlpValidationError("Invalid OTLP trace export: resourceSpans must be an array");
  const out: IngestSpan[] = [];
  const problems: string[] = [];
  let total = 0;
  for (const rs of resourceSpans) {
    if (!isObj(rs)) {
      problems.push("resourceSpans entry is not an object");
      continue;
    }
    const resourceObj = rs.resource;
    const resource = keyValues(isObj(resourceObj) ? resourceObj.attributes : undefined);
    const scopeSpans = field(rs, "scopeSpans", "scope_spans");
    if (listProblem(scopeSpans)) {
      problems.push("scopeSpans is not an array");
      continue;
    }
    for (const ss of (scopeSpans as unknown[]) ?? []) {
      if (!isObj(ss) || listProblem(ss.spans)) {
        problems.push("spans is not an array");
        continue;
      }
      const sc = isObj(ss.scope) ? ss.scope : {};
      const scope: IngestScope = {
        name: typeof sc.name === "string" ? sc.name : "",
        version: typeof sc.version === "string" && sc.version ? sc.version : undefined,
        attributes: keyValues(sc.attributes),
      };
      for (const s of (ss.spans as unknown[]) ?? []) {
        total++;
        if (!isObj(s)) {
          problems.push("span:not-an-object");
          continue;
        }
        const traceId = parseId(field(s, "traceId", "trace_id"), 16);
        const spanId = parseId(field(s, "spanId", "span_id"), 8);
        const parent = parseId(field(s, "parentSpanId", "parent_span_id"), 8);
        if (!traceId || !spanId || parent === null) {
          problems.push(`traceId:${traceId === undefined ? "absent" : traceId === null ? "invalid" : "ok"},spanId:${spanId === undefined ? "absent" : spanId === null ? "invalid" : "ok"}${parent === null ? ",parentSpanId:invalid" : ""}`);
          continue;
        }
        if (listProblem(s.attributes) || listProblem(s.events)) {
          problems.push("attributes/events must be OTLP KeyValue arrays");
          continue;
        }
        let start = nanosToMs(field(s, "startTimeUnixNano", "start_time_unix_nano"));
        let end = nanosToMs(field(s, "endTimeUnixNano", "end_time_unix_nano"));
        if (start === undefined) start = end ?? Date.now();
        if (end === undefined) end = start;
        const status = isObj(s.status) ? s.status : undefined;
        out.push({
          traceId,
          spanId,
          parentSpanId: parent ?? undefined,
          name: typeof s.name === "string" ? s.name : "",
          startTimeMs: start,
          endTimeMs: end,
          attributes: keyValues(s.attributes),
          resource,
          scope,
          status: status ? { code: statusCode(status.code), message: typeof status.message === "string" && status.message ? status.message : undefined } : undefined,
          events: Array.isArray(s.events)
            ? (s.events as unknown[]).filter(isObj).map((e) => ({
                name: typeof e.name === "string" ? e.name : "",
                timeMs: eventTime(nanosToMs(field(e, "timeUnixNano", "time_unix_nano")), start!),
                attributes: keyValues(e.attributes),
              }))
            : [],
        });
      }
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, 5).join("; ");
    throw new OtlpValidationError(
      `Invalid OTLP trace export: ${problems.length} of ${Math.max(total, problems.length)} span(s) cannot be processed (${shown}). ` +
        "Span ids must be lowercase hex (traceId 32 chars, spanId 16 chars) or bytes. The entire export was rejected and no spans were ingested.",
    );
  }
  return out;
}

/**
 * POST /api/public/ingestion with every event type of the legacy (v2/v3 SDK) protocol, written
 * into the same `traces` and `observations` tables as OTLP, so every read sees both.
 *
 * Semantics of the Langfuse server (packages/shared/src/server/ingestion/types.ts and the
 * ingestion service): each event is validated on its own (a bad one is a 400 entry of the 207
 * answer and never stops the others); events of one batch are applied in envelope-timestamp
 * order; creates and updates upsert by `body.id`, a field present in a later event overwriting
 * the stored one (metadata merged key by key, trace tags unioned); an observation without a
 * trace id gets a new trace; generations get usage and cost (custom models first, then the
 * default price table) unless the event carries its own cost.
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type * as T from "../../api/types";
import { computeCost, withCustomModels } from "../ingest/prices";
import type { LocalStore } from "../store";
import { isPlainObject, normalizeEnvironment, nowIso } from "./common";
import { customModelsFor } from "./models";
import type { LocalScoreStore } from "./scores";

const OBSERVATION_EVENT_TYPES: Record<string, T.ObservationType | "FROM_BODY"> = {
  "span-create": "SPAN",
  "span-update": "SPAN",
  "generation-create": "GENERATION",
  "generation-update": "GENERATION",
  "event-create": "EVENT",
  "agent-create": "AGENT",
  "tool-create": "TOOL",
  "chain-create": "CHAIN",
  "retriever-create": "RETRIEVER",
  "evaluator-create": "EVALUATOR",
  "embedding-create": "EMBEDDING",
  "guardrail-create": "GUARDRAIL",
  "observation-create": "FROM_BODY",
  "observation-update": "FROM_BODY",
};
const UPDATE_EVENT_TYPES = new Set(["span-update", "generation-update", "observation-update"]);
const KNOWN_TYPES = new Set([...Object.keys(OBSERVATION_EVENT_TYPES), "trace-create", "score-create", "sdk-log", "dataset-run-item-create"]);
const LEVELS = new Set(["DEBUG", "DEFAULT", "WARNING", "ERROR"]);
const USAGE_UNITS = new Set(["CHARACTERS", "TOKENS", "MILLISECONDS", "SECONDS", "IMAGES", "REQUESTS"]);
/** `z.iso.datetime({ offset: true })`: an ISO date-time with Z or an offset. */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

class EventError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

type Rec = Record<string, unknown>;

const has = (o: Rec, k: string) => o[k] !== undefined && o[k] !== null;

function optString(body: Rec, key: string, max?: number): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new EventError(`body.${key}`, "Expected string, received " + describe(v));
  if (max !== undefined && v.length > max) throw new EventError(`body.${key}`, `String must contain at most ${max} character(s)`);
  return v;
}

function optDate(body: Rec, key: string): string | undefined {
  const s = optString(body, key);
  if (s === undefined) return undefined;
  if (!ISO_DATETIME.test(s) || Number.isNaN(Date.parse(s))) throw new EventError(`body.${key}`, "Invalid ISO datetime");
  return new Date(s).toISOString();
}

function idOf(body: Rec, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new EventError(`body.${key}`, "Required");
    return undefined;
  }
  if (typeof v !== "string") throw new EventError(`body.${key}`, "Expected string, received " + describe(v));
  if (v.length < 1 || v.length > 800) throw new EventError(`body.${key}`, "String must contain between 1 and 800 character(s)");
  if (v.includes("\r")) throw new EventError(`body.${key}`, "ID cannot contain carriage return characters");
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Stored IO text: strings raw, everything else JSON (as the OTLP mapping stores it). */
const ioText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === "string" ? v : JSON.stringify(v));

/** Metadata as a stored object: an object as is, any other JSON value under `metadata`. */
function metadataObject(v: unknown): Rec | undefined {
  if (v === undefined || v === null) return undefined;
  return isPlainObject(v) ? v : { metadata: v };
}

function nonNegativeInts(o: Rec): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) out[k] = n;
  }
  return out;
}

/** OpenAI completion/response usage objects → Langfuse keys (details split out of input/output). */
function openAiUsage(o: Rec): Record<string, number> | undefined {
  const pairs: [string, string, string, string][] = [
    ["prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"],
    ["input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details"],
  ];
  for (const [inK, outK, inD, outD] of pairs) {
    if (typeof o[inK] !== "number" || typeof o[outK] !== "number" || typeof o.total_tokens !== "number") continue;
    const r: Record<string, number> = { input: o[inK] as number, output: o[outK] as number, total: o.total_tokens as number };
    for (const [detailsKey, prefix] of [
      [inD, "input"],
      [outD, "output"],
    ] as const) {
      const d = o[detailsKey];
      if (!isPlainObject(d)) continue;
      for (const [k, v] of Object.entries(d)) {
        if (typeof v !== "number") continue;
        r[`${prefix}_${k}`] = v;
        r[prefix] = Math.max(r[prefix]! - v, 0);
      }
    }
    return r;
  }
  return undefined;
}

interface UsageAndCost {
  usage?: Record<string, number>;
  cost?: Record<string, number>;
}

/** `usage` (legacy), `usageDetails` and `costDetails` of a generation body → stored maps. */
function usageAndCost(body: Rec): UsageAndCost {
  const out: UsageAndCost = {};
  const legacy = body.usage;
  if (legacy !== undefined && legacy !== null) {
    if (!isPlainObject(legacy)) throw new EventError("body.usage", "Expected object, received " + describe(legacy));
    for (const k of ["input", "output", "total", "promptTokens", "completionTokens", "totalTokens"])
      if (has(legacy, k) && !(typeof legacy[k] === "number" && Number.isInteger(legacy[k]))) throw new EventError(`body.usage.${k}`, "Expected integer");
    for (const k of ["inputCost", "outputCost", "totalCost"])
      if (has(legacy, k) && typeof legacy[k] !== "number") throw new EventError(`body.usage.${k}`, "Expected number, received " + describe(legacy[k]));
    if (has(legacy, "unit") && !USAGE_UNITS.has(String(legacy.unit))) throw new EventError("body.usage.unit", "Invalid enum value");
    const openAiStyle = has(legacy, "promptTokens") || has(legacy, "completionTokens") || has(legacy, "totalTokens");
    const u: Record<string, number> = {};
    const pick = (to: string, from: string) => {
      if (typeof legacy[from] === "number") u[to] = legacy[from] as number;
    };
    if (openAiStyle) (pick("input", "promptTokens"), pick("output", "completionTokens"), pick("total", "totalTokens"));
    else (pick("input", "input"), pick("output", "output"), pick("total", "total"));
    if (Object.keys(u).length) out.usage = u;
    if (!openAiStyle) {
      const c: Record<string, number> = {};
      if (typeof legacy.inputCost === "number") c.input = legacy.inputCost;
      if (typeof legacy.outputCost === "number") c.output = legacy.outputCost;
      if (typeof legacy.totalCost === "number") c.total = legacy.totalCost;
      if (Object.keys(c).length) out.cost = c;
    }
  }
  const details = body.usageDetails;
  if (details !== undefined && details !== null) {
    if (!isPlainObject(details)) throw new EventError("body.usageDetails", "Expected object, received " + describe(details));
    const u = openAiUsage(details) ?? nonNegativeInts(details);
    if (Object.keys(u).length) out.usage = u;
  }
  const cost = body.costDetails;
  if (cost !== undefined && cost !== null) {
    if (!isPlainObject(cost)) throw new EventError("body.costDetails", "Expected object, received " + describe(cost));
    const c: Record<string, number> = {};
    for (const [k, v] of Object.entries(cost)) if (typeof v === "number" && Number.isFinite(v) && v >= 0) c[k] = v;
    if (Object.keys(c).length) out.cost = c;
  }
  if (out.usage && out.usage.total === undefined) out.usage.total = Object.values(out.usage).reduce((a, b) => a + b, 0);
  if (out.cost && out.cost.total === undefined) out.cost.total = Object.values(out.cost).reduce((a, b) => a + b, 0);
  return out;
}

interface StoredObservation {
  id: string;
  trace_id: string;
  parent_observation_id: string | null;
  type: string;
  name: string | null;
  environment: string;
  start_time: string;
  end_time: string | null;
  completion_start_time: string | null;
  version: string | null;
  input: string | null;
  output: string | null;
  metadata: string;
  level: string;
  status_message: string | null;
  model: string | null;
  model_parameters: string | null;
  usage_details: string;
  cost_details: string;
  total_cost: number | null;
  prompt_id: string | null;
  prompt_name: string | null;
  prompt_version: number | null;
  created_at: string;
  updated_at: string;
}

interface StoredTrace {
  id: string;
  timestamp: string;
  name: string | null;
  name_explicit: number;
  user_id: string | null;
  session_id: string | null;
  release: string | null;
  version: string | null;
  environment: string;
  public: number;
  tags: string;
  input: string | null;
  input_explicit: number;
  output: string | null;
  output_explicit: number;
  metadata: string;
  has_root: number;
  created_at: string;
  updated_at: string;
}

const OBS_COLUMNS = [
  "id", "trace_id", "parent_observation_id", "type", "name", "environment", "start_time", "end_time", "completion_start_time",
  "version", "input", "output", "metadata", "level", "status_message", "model", "model_parameters", "usage_details", "cost_details",
  "total_cost", "prompt_id", "prompt_name", "prompt_version", "created_at", "updated_at",
] as const;
const TRACE_COLUMNS = [
  "id", "timestamp", "name", "name_explicit", "user_id", "session_id", "release", "version", "environment", "public", "tags",
  "input", "input_explicit", "output", "output_explicit", "metadata", "has_root", "created_at", "updated_at",
] as const;

function upsertSql(table: string, columns: readonly string[]): string {
  const sets = columns.filter((c) => c !== "id" && c !== "created_at").map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ON CONFLICT(id) DO UPDATE SET ${sets.join(", ")}`;
}

export class LegacyIngestion {
  private readonly stmts: {
    getObservation: Database.Statement;
    upsertObservation: Database.Statement;
    getTrace: Database.Statement;
    upsertTrace: Database.Statement;
    promptId: Database.Statement;
  };

  constructor(
    private readonly store: LocalStore,
    private readonly scores: LocalScoreStore,
  ) {
    const db = store.db;
    this.stmts = {
      getObservation: db.prepare("SELECT * FROM observations WHERE id = ?"),
      upsertObservation: db.prepare(upsertSql("observations", OBS_COLUMNS)),
      getTrace: db.prepare("SELECT * FROM traces WHERE id = ?"),
      upsertTrace: db.prepare(upsertSql("traces", TRACE_COLUMNS)),
      promptId: db.prepare("SELECT id FROM prompts WHERE name = ? AND version = ?"),
    };
  }

  /** 207-style: one result per event, in one transaction (a bad event loses nothing else). */
  batch(events: readonly unknown[]): T.IngestionResult {
    const result: T.IngestionResult = { successes: [], errors: [] };
    const valid: { ev: Rec; id: string; index: number; ts: number }[] = [];
    events.forEach((ev, index) => {
      const id = isPlainObject(ev) && typeof ev.id === "string" && ev.id.length > 0 ? ev.id : "unknown";
      const problem = envelopeProblem(ev);
      if (problem) result.errors.push({ id, status: 400, message: "Invalid request data", error: problem });
      else valid.push({ ev: ev as Rec, id, index, ts: Date.parse((ev as Rec).timestamp as string) });
    });
    // Applied in envelope-timestamp order (stable: ties keep the batch order), as the server
    // sorts the events of one object before merging them.
    valid.sort((a, b) => a.ts - b.ts || a.index - b.index);
    const outcomes = new Map<number, { ok: true } | { ok: false; status: number; error: string }>();
    const custom = customModelsFor(this.store);
    this.store.transaction(() => withCustomModels(custom, () => {
      const now = nowIso();
      for (const { ev, index } of valid) {
        try {
          this.apply(ev, now);
          outcomes.set(index, { ok: true });
        } catch (err) {
          if (err instanceof EventError) outcomes.set(index, { ok: false, status: 400, error: `${err.path}: ${err.message}` });
          else {
            const e = err as { status?: number; message?: string };
            outcomes.set(index, { ok: false, status: typeof e.status === "number" ? e.status : 500, error: e.message ?? String(err) });
          }
        }
      }
    }));
    for (const { id, index } of valid.sort((a, b) => a.index - b.index)) {
      const o = outcomes.get(index)!;
      if (o.ok) result.successes.push({ id, status: 201 });
      else result.errors.push({ id, status: o.status, message: o.status === 400 ? "Invalid request data" : "Error processing event", error: o.error });
    }
    return result;
  }

  private apply(ev: Rec, now: string): void {
    const type = ev.type as string;
    const body = ev.body;
    if (type === "sdk-log") return;
    if (!isPlainObject(body)) throw new EventError("body", "Expected object, received " + describe(body));
    const envelopeTime = new Date(ev.timestamp as string).toISOString();
    if (type === "trace-create") return this.applyTrace(body, envelopeTime, now);
    if (type === "score-create") {
      this.scores.createInTransaction(body, now);
      return;
    }
    if (type === "dataset-run-item-create") throw new EventError("body", "Dataset run item creation is only allowed for internal usage");
    const kind = OBSERVATION_EVENT_TYPES[type]!;
    let obsType: string;
    if (kind === "FROM_BODY") {
      if (body.type !== "GENERATION" && body.type !== "SPAN" && body.type !== "EVENT")
        throw new EventError("body.type", "Invalid enum value. Expected 'GENERATION' | 'SPAN' | 'EVENT'");
      obsType = body.type;
    } else obsType = kind;
    this.applyObservation(body, obsType, UPDATE_EVENT_TYPES.has(type), kind === "FROM_BODY", envelopeTime, now);
  }

  private applyTrace(body: Rec, envelopeTime: string, now: string): void {
    const id = idOf(body, "id", false) ?? randomUUID();
    const timestamp = optDate(body, "timestamp");
    const name = optString(body, "name", 1000);
    const fields = {
      userId: optString(body, "userId"),
      sessionId: optString(body, "sessionId"),
      release: optString(body, "release"),
      version: optString(body, "version"),
    };
    if (has(body, "public") && typeof body.public !== "boolean") throw new EventError("body.public", "Expected boolean, received " + describe(body.public));
    if (has(body, "tags") && !(Array.isArray(body.tags) && body.tags.every((t) => typeof t === "string")))
      throw new EventError("body.tags", "Expected array of strings");
    const existing = this.stmts.getTrace.get(id) as StoredTrace | undefined;
    const row: StoredTrace = existing ?? {
      id,
      timestamp: timestamp ?? envelopeTime,
      name: null,
      name_explicit: 0,
      user_id: null,
      session_id: null,
      release: null,
      version: null,
      environment: "default",
      public: 0,
      tags: "[]",
      input: null,
      input_explicit: 0,
      output: null,
      output_explicit: 0,
      metadata: "{}",
      has_root: 0,
      created_at: now,
      updated_at: now,
    };
    // An explicit trace timestamp is authoritative: spans arriving later do not move it.
    if (timestamp) ((row.timestamp = timestamp), (row.has_root = 1));
    if (name !== undefined) ((row.name = name), (row.name_explicit = 1));
    if (fields.userId !== undefined) row.user_id = fields.userId;
    if (fields.sessionId !== undefined) row.session_id = fields.sessionId;
    if (fields.release !== undefined) row.release = fields.release;
    if (fields.version !== undefined) row.version = fields.version;
    if (has(body, "environment") || !existing) row.environment = normalizeEnvironment(body.environment ?? "default");
    if (has(body, "public")) row.public = body.public ? 1 : 0;
    if (has(body, "tags")) row.tags = JSON.stringify([...new Set([...(JSON.parse(row.tags) as string[]), ...(body.tags as string[])])]);
    if (has(body, "input")) ((row.input = ioText(body.input)), (row.input_explicit = 1));
    if (has(body, "output")) ((row.output = ioText(body.output)), (row.output_explicit = 1));
    const md = metadataObject(body.metadata);
    if (md) row.metadata = JSON.stringify({ ...(JSON.parse(row.metadata) as Rec), ...md });
    row.updated_at = now;
    this.stmts.upsertTrace.run(TRACE_COLUMNS.map((c) => row[c]));
  }

  /** The trace an observation belongs to exists afterwards (created from the observation if new). */
  private ensureTrace(traceId: string, startTime: string, environment: string, now: string): void {
    const existing = this.stmts.getTrace.get(traceId) as StoredTrace | undefined;
    if (existing) {
      if (!existing.has_root && startTime < existing.timestamp) {
        existing.timestamp = startTime;
        existing.updated_at = now;
        this.stmts.upsertTrace.run(TRACE_COLUMNS.map((c) => existing[c]));
      }
      return;
    }
    const row: StoredTrace = {
      id: traceId, timestamp: startTime, name: null, name_explicit: 0, user_id: null, session_id: null, release: null, version: null,
      environment, public: 0, tags: "[]", input: null, input_explicit: 0, output: null, output_explicit: 0, metadata: "{}", has_root: 0,
      created_at: now, updated_at: now,
    };
    this.stmts.upsertTrace.run(TRACE_COLUMNS.map((c) => row[c]));
  }

  private applyObservation(body: Rec, type: string, isUpdate: boolean, legacyBody: boolean, envelopeTime: string, now: string): void {
    const id = idOf(body, "id", !legacyBody) ?? randomUUID();
    const traceIdGiven = idOf(body, "traceId", false);
    const startTime = optDate(body, "startTime");
    const endTime = optDate(body, "endTime");
    const completionStartTime = optDate(body, "completionStartTime");
    const name = optString(body, "name");
    const statusMessage = optString(body, "statusMessage");
    const parent = optString(body, "parentObservationId");
    const version = optString(body, "version");
    const model = optString(body, "model");
    const promptName = optString(body, "promptName");
    if (has(body, "level") && !LEVELS.has(String(body.level))) throw new EventError("body.level", "Invalid enum value. Expected 'DEBUG' | 'DEFAULT' | 'WARNING' | 'ERROR'");
    if (has(body, "modelParameters") && !isPlainObject(body.modelParameters))
      throw new EventError("body.modelParameters", "Expected object, received " + describe(body.modelParameters));
    if (has(body, "promptVersion") && !(typeof body.promptVersion === "number" && Number.isInteger(body.promptVersion)))
      throw new EventError("body.promptVersion", "Expected integer");
    if (!!promptName !== has(body, "promptVersion") && (promptName || body.promptVersion))
      throw new EventError("body", "promptName and promptVersion must be set together");
    const { usage, cost } = usageAndCost(body);

    const existing = this.stmts.getObservation.get(id) as StoredObservation | undefined;
    const traceId = traceIdGiven ?? existing?.trace_id ?? randomUUID();
    const row: StoredObservation = existing ?? {
      id,
      trace_id: traceId,
      parent_observation_id: null,
      type,
      name: null,
      environment: "default",
      start_time: startTime ?? envelopeTime,
      end_time: null,
      completion_start_time: null,
      version: null,
      input: null,
      output: null,
      metadata: "{}",
      level: "DEFAULT",
      status_message: null,
      model: null,
      model_parameters: null,
      usage_details: "{}",
      cost_details: "{}",
      total_cost: null,
      prompt_id: null,
      prompt_name: null,
      prompt_version: null,
      created_at: now,
      updated_at: now,
    };
    // An update keeps the type the object was created with; a create (re)sets it.
    if (!existing || !isUpdate) row.type = type;
    row.trace_id = traceId;
    if (startTime) row.start_time = startTime;
    if (endTime) row.end_time = endTime;
    // Events are points in time.
    if (row.type === "EVENT" && !row.end_time) row.end_time = row.start_time;
    if (completionStartTime) row.completion_start_time = completionStartTime;
    if (name !== undefined) row.name = name;
    if (statusMessage !== undefined) row.status_message = statusMessage;
    if (parent !== undefined) row.parent_observation_id = parent;
    if (version !== undefined) row.version = version;
    if (has(body, "level")) row.level = body.level as string;
    if (has(body, "environment") || !existing) row.environment = normalizeEnvironment(body.environment ?? "default");
    if (has(body, "input")) row.input = ioText(body.input);
    if (has(body, "output")) row.output = ioText(body.output);
    const md = metadataObject(body.metadata);
    if (md) row.metadata = JSON.stringify({ ...(JSON.parse(row.metadata) as Rec), ...md });
    if (has(body, "modelParameters")) {
      const params: Rec = {};
      for (const [k, v] of Object.entries(body.modelParameters as Rec)) if (v !== null && v !== undefined) params[k] = typeof v === "object" ? JSON.stringify(v) : v;
      row.model_parameters = JSON.stringify(params);
    }
    if (promptName && typeof body.promptVersion === "number") {
      row.prompt_name = promptName;
      row.prompt_version = body.promptVersion;
      row.prompt_id = ((this.stmts.promptId.get(promptName, body.promptVersion) as { id: string } | undefined)?.id) ?? null;
    }
    const modelChanged = model !== undefined && model !== row.model;
    if (model !== undefined) row.model = model;
    if (usage) row.usage_details = JSON.stringify(usage);
    if (cost) {
      row.cost_details = JSON.stringify(cost);
      row.total_cost = cost.total ?? null;
    } else if ((usage || modelChanged) && row.model) {
      const computed = computeCost(
        row.model,
        JSON.parse(row.usage_details) as Record<string, number>,
        row.model_parameters ? (JSON.parse(row.model_parameters) as Rec) : {},
        JSON.parse(row.metadata) as Rec,
      );
      if (computed) {
        row.cost_details = JSON.stringify(computed.costDetails);
        row.total_cost = computed.costDetails.total ?? null;
      }
    }
    row.updated_at = now;
    this.ensureTrace(row.trace_id, row.start_time, row.environment, now);
    this.stmts.upsertObservation.run(OBS_COLUMNS.map((c) => row[c]));
  }
}

/** The envelope check of the server's zod schema (id, timestamp, known type, body present). */
function envelopeProblem(ev: unknown): string | undefined {
  if (!isPlainObject(ev)) return "Expected object, received " + describe(ev);
  if (typeof ev.id !== "string" || ev.id.length < 1 || ev.id.length > 800 || ev.id.includes("\r")) return "id: Event needs an id of 1 to 800 characters";
  if (typeof ev.timestamp !== "string" || !ISO_DATETIME.test(ev.timestamp) || Number.isNaN(Date.parse(ev.timestamp))) return "timestamp: Invalid ISO datetime";
  if (typeof ev.type !== "string" || !KNOWN_TYPES.has(ev.type))
    return `type: Invalid discriminator value. Expected ${[...KNOWN_TYPES].map((t) => `'${t}'`).join(" | ")}`;
  if (ev.body === undefined) return "body: Required";
  return undefined;
}

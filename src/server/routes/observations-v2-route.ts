import type { FastifyInstance } from "fastify";
import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import { badRequest } from "../http-errors";
import { OBSERVATION_TYPES } from "../request-schemas";
import { definePath } from "../route-definition";
import { queryOf } from "./route-params";

/** The store pages by 100 at most; a v2 page may hold fewer items than `limit` asked for. */
const STORE_PAGE_MAX = 100;

const observationsV2Query = {
  type: "object",
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 1000 },
    cursor: { type: "string", maxLength: 200 },
    traceId: { type: "string" },
    type: { type: "string", enum: OBSERVATION_TYPES },
    name: { type: "string" },
    parentObservationId: { type: "string" },
    level: { type: "string", enum: ["DEBUG", "DEFAULT", "WARNING", "ERROR"] },
    environment: { type: "array", items: { type: "string" }, maxItems: 1000 },
    fromStartTime: { type: "string", format: "timestamp" },
    toStartTime: { type: "string", format: "timestamp" },
    parseIoAsJson: { type: "string", enum: ["true", "false"] },
    fields: { type: "string" },
  },
};

interface Cursor {
  page: number;
  limit: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64");
}

function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as Partial<Cursor>;
    if (Number.isInteger(c.page) && Number.isInteger(c.limit) && c.page! >= 1 && c.limit! >= 1 && c.limit! <= STORE_PAGE_MAX) return c as Cursor;
  } catch {
    // fall through to the 400 below
  }
  throw badRequest("Invalid cursor");
}

const rawIo = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v));

/**
 * GET /api/public/v2/observations, the v4 read API (cursor pagination, I/O as raw strings),
 * served from the same store as the v1 list so v4-era clients (`fetchObservations` in the JS
 * SDK) work too. Trace-level fields (userId, sessionId, traceName, tags, release) come from the
 * observation's trace.
 */
export function registerObservationsV2Route(app: FastifyInstance, api: LangfuseApi): void {
  definePath(app, "/api/public/v2/observations", {
    GET: {
      auth: "project",
      schema: { querystring: observationsV2Query },
      handler: async (req) => {
        const q = queryOf<T.ListObservationsQuery & { limit?: number; cursor?: string; parseIoAsJson?: string }>(req, [
          "limit", "cursor", "traceId", "type", "name", "parentObservationId", "level", "environment", "fromStartTime", "toStartTime", "parseIoAsJson",
        ]);
        if (q.parseIoAsJson === "true") throw badRequest("parseIoAsJson is not supported on v2 observations: I/O is returned as raw strings");
        const cursor = q.cursor ? decodeCursor(q.cursor) : { page: 1, limit: Math.min(q.limit ?? 50, STORE_PAGE_MAX) };
        const { limit: _l, cursor: _c, parseIoAsJson: _p, ...filters } = q;
        const res = await api.observations.list({ ...filters, page: cursor.page, limit: cursor.limit });

        const traces = new Map<string, T.Trace | null>();
        for (const o of res.data) {
          if (traces.has(o.traceId)) continue;
          traces.set(o.traceId, await api.traces.get(o.traceId).catch(() => null));
        }
        const data = res.data.map((o) => {
          const t = traces.get(o.traceId) ?? null;
          return {
            ...o,
            projectId: "local",
            isRootObservation: o.parentObservationId === null,
            input: rawIo(o.input),
            output: rawIo(o.output),
            providedModelName: o.model,
            internalModelId: null,
            modelId: null,
            inputPrice: null,
            outputPrice: null,
            totalPrice: null,
            bookmarked: false,
            public: t?.public ?? false,
            userId: t?.userId ?? null,
            sessionId: t?.sessionId ?? null,
            traceName: t?.name ?? null,
            tags: t?.tags ?? [],
            release: t?.release ?? null,
          };
        });
        const more = cursor.page < res.meta.totalPages;
        return { data, meta: more ? { cursor: encodeCursor({ page: cursor.page + 1, limit: cursor.limit }) } : {} };
      },
    },
  });
}

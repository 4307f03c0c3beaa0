/**
 * One contract for every LangfuseApi implementation: the same expectations run against
 * LocalApi (embedded store), HttpApi → our local server, and HttpApi → a real Langfuse when
 * LANGFUSE_CONTRACT_BASE_URL / _PUBLIC_KEY / _SECRET_KEY are set. Names carry a per-run
 * suffix so the suite can run against a shared project.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { LangfuseApiError } from "../../../src/api/errors";
import type { LangfuseApi } from "../../../src/api/langfuse-api";
import type * as T from "../../../src/api/types";

export interface ContractTarget {
  api: LangfuseApi;
  /** Delivers an OTLP/JSON ExportTraceServiceRequest the way an SDK would. */
  sendOtlp(request: object): Promise<void>;
  /** A real server processes writes asynchronously: reads of ingested data are polled. */
  eventual: boolean;
  /** The server still serves the v3 read endpoints (traces, observations, sessions, v2 scores, runs). */
  legacyReads: boolean;
  close(): Promise<void>;
}

/** Rejects with LangfuseApiError of `status`; returns it for more checks. */
export async function expectApiError(p: Promise<unknown>, status: number): Promise<LangfuseApiError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(LangfuseApiError);
  const e = caught as LangfuseApiError;
  expect({ status: e.status, message: e.message }).toEqual({ status, message: expect.any(String) });
  return e;
}

const bodyOf = (e: LangfuseApiError) => e.body as { message?: unknown; error?: unknown };

async function eventually<R>(target: ContractTarget, fn: () => Promise<R>, check: (r: R) => boolean = () => true): Promise<R> {
  if (!target.eventual) return fn();
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    try {
      const r = await fn();
      if (check(r)) return r;
      last = new Error("condition not met yet");
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw last;
}

// ---------------------------------------------------------------- OTLP/JSON builders

type AttrValue = string | number | boolean | string[];
export interface TestSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttrValue>;
  status?: { code: number; message?: string };
}

function anyValue(v: AttrValue): object {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}
const kv = (o: Record<string, AttrValue>) => Object.entries(o).map(([key, value]) => ({ key, value: anyValue(value) }));
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

export function otlpJson(spans: TestSpan[], resource: Record<string, AttrValue> = { "service.name": "contract" }, scope = { name: "langfuse-sdk", version: "0.1.0" }): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: kv(resource) },
        scopeSpans: [
          {
            scope,
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(s.endMs),
              attributes: kv(s.attributes),
              status: s.status ?? { code: 0 },
              events: [],
            })),
          },
        ],
      },
    ],
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export function describeApiContract(name: string, makeTarget: () => Promise<ContractTarget>): void {
  describe(`LangfuseApi contract: ${name}`, () => {
    let target: ContractTarget;
    let api: LangfuseApi;
    const run = randomBytes(4).toString("hex");
    const n = (base: string) => `contract-${run}-${base}`;

    beforeAll(async () => {
      target = await makeTarget();
      api = target.api;
    });
    afterAll(async () => {
      await target?.close();
    });

    test("health answers OK with a version", async () => {
      const h = await api.health();
      expect(h.status).toBe("OK");
      expect(typeof h.version).toBe("string");
    });

    // ------------------------------------------------------------ prompts
    describe("prompts", () => {
      test("create numbers versions, adds latest, moves labels, and tags every version", async () => {
        const name = n("folder/sub/greeter");
        const v1 = await api.prompts.create({ name, prompt: "Hello {{who}}", labels: ["production"], config: { temperature: 0.1 }, tags: ["a"] });
        expect(v1).toMatchObject({ name, version: 1, type: "text", prompt: "Hello {{who}}", config: { temperature: 0.1 }, tags: ["a"] });
        expect([...v1.labels].sort()).toEqual(["latest", "production"]);
        const v2 = await api.prompts.create({ name, prompt: "Hi {{who}}", tags: ["b"], commitMessage: "shorter" });
        expect(v2).toMatchObject({ version: 2, labels: ["latest"], tags: ["b"], commitMessage: "shorter" });
        // default get = production (still v1); tags were rewritten on all versions
        const prod = await api.prompts.get(name);
        expect(prod).toMatchObject({ version: 1, tags: ["b"], prompt: "Hello {{who}}" });
        expect(prod.labels).not.toContain("latest");
        expect((await api.prompts.get(name, { label: "latest" })).version).toBe(2);
        expect((await api.prompts.get(name, { version: 2 })).prompt).toBe("Hi {{who}}");
        // tags omitted → inherited from the latest version
        const v3 = await api.prompts.create({ name, prompt: "Yo" });
        expect(v3.tags).toEqual(["b"]);
      });

      test("get: both version and label → 400; unknown → 404 NotFound; no production → 404", async () => {
        const name = n("no-prod");
        await api.prompts.create({ name, prompt: "x" });
        const both = await expectApiError(api.prompts.get(name, { version: 1, label: "latest" }), 400);
        expect(typeof bodyOf(both).message).toBe("string");
        const missing = await expectApiError(api.prompts.get(n("does-not-exist")), 404);
        expect(String(bodyOf(missing).error)).toContain("NotFound");
        await expectApiError(api.prompts.get(name), 404);
        await expectApiError(api.prompts.get(name, { version: 7 }), 404);
        await expectApiError(api.prompts.get(name, { label: "staging" }), 404);
      });

      test("chat prompts with placeholders; a type change is rejected", async () => {
        const name = n("chat");
        const messages: T.ChatMessageOrPlaceholder[] = [
          { role: "system", content: "You are {{persona}}" },
          { type: "placeholder", name: "history" },
          { role: "user", content: "{{question}}" },
        ];
        const created = await api.prompts.create({ name, type: "chat", prompt: messages, labels: ["production"] });
        expect(created.type).toBe("chat");
        const got = await api.prompts.get(name);
        expect(got.type).toBe("chat");
        expect(got.prompt).toEqual(messages);
        await expectApiError(api.prompts.create({ name, prompt: "now text" }), 400);
      });

      test("invalid names and labels → 400", async () => {
        await expectApiError(api.prompts.create({ name: "/leading-slash", prompt: "x" }), 400);
        await expectApiError(api.prompts.create({ name: n("a//b"), prompt: "x" }), 400);
        await expectApiError(api.prompts.create({ name: n("bad-label"), prompt: "x", labels: ["Not Valid!"] }), 400);
        await expectApiError(api.prompts.create({ name: n("bad-type"), prompt: 42 } as unknown as T.CreatePromptRequest), 400);
      });

      test("updateLabels merges, moves the label off other versions, rejects latest, 404s unknown versions", async () => {
        const name = n("labels");
        await api.prompts.create({ name, prompt: "one", labels: ["production", "staging"] });
        await api.prompts.create({ name, prompt: "two" });
        const updated = await api.prompts.updateLabels(name, 2, ["production"]);
        expect([...updated.labels].sort()).toEqual(["latest", "production"]);
        expect((await api.prompts.get(name)).version).toBe(2);
        const v1 = await api.prompts.get(name, { version: 1 });
        expect(v1.labels).toEqual(["staging"]);
        await expectApiError(api.prompts.updateLabels(name, 1, ["latest"]), 400);
        await expectApiError(api.prompts.updateLabels(name, 9, ["production"]), 404);
      });

      test("list groups versions by name with page meta", async () => {
        const name = n("listed");
        await api.prompts.create({ name, prompt: "a", labels: ["production"], tags: ["t1"] });
        await api.prompts.create({ name, prompt: "b", config: { v: 2 } });
        const page = await api.prompts.list({ name });
        expect(page.meta).toMatchObject({ page: 1, totalItems: 1, totalPages: 1 });
        expect(page.data).toHaveLength(1);
        expect(page.data[0]).toMatchObject({ name, type: "text", versions: [1, 2], tags: ["t1"], lastConfig: { v: 2 } });
        expect([...page.data[0]!.labels].sort()).toEqual(["latest", "production"]);
        const byLabel = await api.prompts.list({ name, label: "production" });
        expect(byLabel.data[0]!.versions).toEqual([1]);
        await expectApiError(api.prompts.list({ limit: 101 }), 400);
      });

      test("dependency tags resolve on get; missing dependencies and deleting a used prompt → 400", async () => {
        const base = n("deps/base");
        const composite = n("deps/composite");
        await api.prompts.create({ name: base, prompt: "You are helpful.", labels: ["production"] });
        await api.prompts.create({ name: composite, prompt: `Intro. @@@langfusePrompt:name=${base}|label=production@@@ Answer {{q}}`, labels: ["production"] });
        const got = await api.prompts.get(composite);
        expect(got.prompt).toBe("Intro. You are helpful. Answer {{q}}");
        expect(got.resolutionGraph).toBeTruthy();
        expect((await api.prompts.get(base)).resolutionGraph ?? null).toBeNull();
        await expectApiError(api.prompts.create({ name: n("deps/broken"), prompt: `@@@langfusePrompt:name=${n("deps/none")}|version=1@@@` }), 400);
        await expectApiError(api.prompts.delete(base), 400);
        expect((await api.prompts.get(base)).version).toBe(1);
        // base v2 → composite → base: a cycle
        await expectApiError(api.prompts.create({ name: base, prompt: `@@@langfusePrompt:name=${composite}|label=production@@@`, labels: ["production"] }), 400);
        await expectApiError(api.prompts.create({ name: n("deps/malformed"), prompt: `@@@langfusePrompt:name=${base}@@@` }), 400);
      });

      test("delete one version re-attaches latest; delete all → 404", async () => {
        const name = n("deleted");
        await api.prompts.create({ name, prompt: "a" });
        await api.prompts.create({ name, prompt: "b" });
        await api.prompts.delete(name, { version: 2 });
        expect((await api.prompts.get(name, { label: "latest" })).version).toBe(1);
        await api.prompts.delete(name);
        await expectApiError(api.prompts.get(name, { version: 1 }), 404);
        await expectApiError(api.prompts.delete(name), 404);
      });
    });

    // ------------------------------------------------------------ datasets
    describe("datasets and items", () => {
      test("create upserts by name, get, 404, list with meta", async () => {
        const name = n("folder/ds");
        const d1 = await api.datasets.create({ name, description: "first", metadata: { owner: "qa" } });
        expect(d1).toMatchObject({ name, description: "first", metadata: { owner: "qa" }, inputSchema: null });
        const d2 = await api.datasets.create({ name, description: "second" });
        expect(d2.id).toBe(d1.id);
        expect(d2).toMatchObject({ description: "second", metadata: { owner: "qa" } });
        expect(await api.datasets.get(name)).toMatchObject({ id: d1.id, description: "second" });
        const missing = await expectApiError(api.datasets.get(n("missing-ds")), 404);
        expect(String(bodyOf(missing).error)).toContain("NotFound");
        const page = await api.datasets.list({ limit: 1 });
        expect(page.data).toHaveLength(1);
        expect(page.meta.limit).toBe(1);
        expect(page.meta.totalItems).toBeGreaterThanOrEqual(1);
        await expectApiError(api.datasets.create({ name: "/bad" }), 400);
      });

      test("item upsert merges undefined fields, list is ACTIVE-only and newest first, get/delete", async () => {
        const ds = n("items");
        await api.datasets.create({ name: ds });
        const a = await api.datasetItems.upsert({ datasetName: ds, input: { q: "a" }, expectedOutput: "A", metadata: { k: 1 } });
        expect(a).toMatchObject({ status: "ACTIVE", input: { q: "a" }, expectedOutput: "A", datasetName: ds, sourceTraceId: null });
        expect(typeof a.id).toBe("string");
        const merged = await api.datasetItems.upsert({ datasetName: ds, id: a.id, metadata: { k: 2 } });
        expect(merged).toMatchObject({ id: a.id, input: { q: "a" }, expectedOutput: "A", metadata: { k: 2 } });
        // "Newest first" orders by version time (valid_from = max(now, previous + 1 ms)): the merge
        // above may sit 1 ms in the future, so let the clock pass it before creating b (bounded).
        for (let i = 0; i < 100 && Date.now() <= Date.parse(merged.updatedAt); i++) await new Promise((r) => setTimeout(r, 2));
        const b = await api.datasetItems.upsert({ datasetName: ds, id: `${run}-b`, input: "b" });
        const archived = await api.datasetItems.upsert({ datasetName: ds, id: `${run}-c`, input: "c", status: "ARCHIVED" });
        expect(archived.status).toBe("ARCHIVED");
        const list = await api.datasetItems.list({ datasetName: ds });
        expect(list.data.map((i) => i.id)).toEqual([b.id, a.id]);
        expect(list.meta.totalItems).toBe(2);
        expect((await api.datasetItems.get(archived.id)).status).toBe("ARCHIVED");
        await api.datasetItems.delete(b.id);
        await expectApiError(api.datasetItems.get(b.id), 404);
        expect((await api.datasetItems.list({ datasetName: ds })).data.map((i) => i.id)).toEqual([a.id]);
        await expectApiError(api.datasetItems.delete(`${run}-never`), 404);
      });

      test("version returns the snapshot at a timestamp; version needs datasetName", async () => {
        const ds = n("versions");
        await api.datasets.create({ name: ds });
        const item = await api.datasetItems.upsert({ datasetName: ds, input: "v1" });
        await new Promise((r) => setTimeout(r, 20));
        const between = new Date().toISOString();
        await new Promise((r) => setTimeout(r, 20));
        await api.datasetItems.upsert({ datasetName: ds, id: item.id, input: "v2" });
        await api.datasetItems.upsert({ datasetName: ds, id: `${run}-later`, input: "later" });
        const old = await api.datasetItems.list({ datasetName: ds, version: between });
        expect(old.data.map((i) => [i.id, i.input])).toEqual([[item.id, "v1"]]);
        const now = await api.datasetItems.list({ datasetName: ds });
        expect(now.data.map((i) => i.input).sort()).toEqual(["later", "v2"]);
        await expectApiError(api.datasetItems.list({ version: between }), 400);
      });

      test("an id owned by another dataset → 409; unknown dataset → 404", async () => {
        const d1 = n("owner-1");
        const d2 = n("owner-2");
        await api.datasets.create({ name: d1 });
        await api.datasets.create({ name: d2 });
        const item = await api.datasetItems.upsert({ datasetName: d1, id: `${run}-shared`, input: 1 });
        await expectApiError(api.datasetItems.upsert({ datasetName: d2, id: item.id, input: 2 }), 409);
        await expectApiError(api.datasetItems.upsert({ datasetName: n("no-such-ds"), input: 1 }), 404);
        await expectApiError(api.datasetItems.list({ datasetName: n("no-such-ds") }), 404);
      });

      test("items are validated against the dataset's JSON schemas (400 naming the path)", async () => {
        const ds = n("schema");
        await api.datasets.create({
          name: ds,
          inputSchema: { type: "object", properties: { age: { type: "number" } }, required: ["age"] },
          expectedOutputSchema: { type: "string" },
        });
        await api.datasetItems.upsert({ datasetName: ds, input: { age: 3 }, expectedOutput: "ok" });
        const e = await expectApiError(api.datasetItems.upsert({ datasetName: ds, input: { age: "three" } }), 400);
        expect(String(bodyOf(e).message)).toContain("age");
        await expectApiError(api.datasetItems.upsert({ datasetName: ds, input: { age: 1 }, expectedOutput: 5 }), 400);
        await expectApiError(api.datasets.create({ name: n("bad-schema"), inputSchema: { type: "no-such-type" } }), 400);
      });

      test("run items create runs on demand; runs and run items are listed", async () => {
        const ds = n("runs");
        const dataset = await api.datasets.create({ name: ds });
        const item = await api.datasetItems.upsert({ datasetName: ds, input: "q" });
        const traceId = hex(16);
        const runName = n("run one");
        const ri = await api.datasetRunItems.create({ runName, runDescription: "first", metadata: { model: "m" }, datasetItemId: item.id, traceId });
        expect(ri).toMatchObject({ datasetRunName: runName, datasetItemId: item.id, traceId, observationId: null });
        const again = await api.datasetRunItems.create({ runName, runDescription: "ignored", datasetItemId: item.id, traceId: hex(16) });
        expect(again.datasetRunId).toBe(ri.datasetRunId);
        await expectApiError(api.datasetRunItems.create({ runName, datasetItemId: item.id }), 400);
        await expectApiError(api.datasetRunItems.create({ runName, datasetItemId: `${run}-nope`, traceId }), 404);
        await expectApiError(
          api.datasetRunItems.create({ runName, datasetItemId: item.id, traceId, extra: 1 } as unknown as T.CreateDatasetRunItemRequest),
          400,
        );
        if (!target.legacyReads) return;
        const runs = await eventually(target, () => api.datasets.listRuns(ds), (p) => p.data.length === 1);
        expect(runs.data[0]).toMatchObject({ id: ri.datasetRunId, name: runName, description: "first", metadata: { model: "m" }, datasetId: dataset.id });
        const full = await eventually(target, () => api.datasets.getRun(ds, runName), (r) => r.datasetRunItems.length === 2);
        expect(full.datasetRunItems.map((i) => i.id).sort()).toEqual([ri.id, again.id].sort());
        const items = await api.datasetRunItems.list({ datasetId: dataset.id, runName });
        expect(items.meta.totalItems).toBe(2);
        await expectApiError(api.datasets.getRun(ds, n("no-run")), 404);
        await expectApiError(api.datasets.listRuns(n("no-such-ds")), 404);
      });
    });

    // ------------------------------------------------------------ scores and ingestion
    describe("scores", () => {
      test("create validates and inflates by data type; get, list, upsert on id, delete", async () => {
        if (!target.legacyReads) return;
        const traceId = hex(16);
        const num = await api.scores.create({ name: "accuracy", value: 0.9, traceId, comment: "good", environment: "Langfuse-Staging" });
        const cat = await api.scores.create({ name: "label", value: "positive", traceId });
        const bool = await api.scores.create({ name: "ok", value: 1, dataType: "BOOLEAN", traceId });
        const n1 = await eventually(target, () => api.scores.get(num.id));
        expect(n1).toMatchObject({ name: "accuracy", value: 0.9, dataType: "NUMERIC", source: "API", traceId, comment: "good", environment: "staging" });
        expect(await eventually(target, () => api.scores.get(cat.id))).toMatchObject({ dataType: "CATEGORICAL", stringValue: "positive" });
        expect(await eventually(target, () => api.scores.get(bool.id))).toMatchObject({ dataType: "BOOLEAN", value: 1, stringValue: "True" });
        const listed = await eventually(target, () => api.scores.list({ traceId }), (p) => p.data.length === 3);
        expect(listed.meta.totalItems).toBe(3);
        await api.scores.create({ id: num.id, name: "accuracy", value: 0.5, traceId });
        expect((await eventually(target, () => api.scores.get(num.id), (s) => s.value === 0.5)).value).toBe(0.5);
        await api.scores.delete(cat.id);
        await eventually(target, () => expectApiError(api.scores.get(cat.id), 404));
      });

      test("bad scores → 400", async () => {
        const traceId = hex(16);
        await expectApiError(api.scores.create({ name: "b", value: 2, dataType: "BOOLEAN", traceId }), 400);
        await expectApiError(api.scores.create({ name: "n", value: "x", dataType: "NUMERIC", traceId }), 400);
        await expectApiError(api.scores.create({ name: "none", value: 1 }), 400);
        await expectApiError(api.scores.create({ name: "two", value: 1, traceId, sessionId: "s" }), 400);
        await expectApiError(api.scores.create({ name: "obs-only", value: 1, observationId: hex(8) }), 400);
        await expectApiError(api.scores.create({ name: "t", value: "x".repeat(501), dataType: "TEXT", traceId }), 400);
      });

      test("ingestion batch answers per event", async () => {
        const good = { id: randomUUID(), type: "score-create" as const, timestamp: new Date().toISOString(), body: { id: randomUUID(), name: "batch", value: 1, traceId: hex(16) } };
        const bad = { id: randomUUID(), type: "score-create" as const, timestamp: new Date().toISOString(), body: { id: randomUUID(), name: "batch", value: 1 } };
        const res = await api.ingestion.batch([good, bad]);
        expect(res.successes).toEqual([{ id: good.id, status: 201 }]);
        expect(res.errors).toHaveLength(1);
        expect(res.errors[0]).toMatchObject({ id: bad.id, status: 400 });
      });
    });

    // ------------------------------------------------------------ media
    describe("media", () => {
      test("create derives the id from the hash, patch records the upload, get reports it; dedup after upload", async () => {
        const bytes = Buffer.from(`contract media ${run} ${randomUUID()}`);
        const sha256Hash = createHash("sha256").update(bytes).digest("base64");
        const traceId = hex(16);
        const body: T.CreateMediaRequest = { traceId, field: "input", contentType: "text/plain", contentLength: bytes.length, sha256Hash };
        const created = await api.media.create(body);
        expect(created.mediaId).toBe(sha256Hash.replace(/\+/g, "-").replace(/\//g, "_").slice(0, 22));
        expect(typeof created.uploadUrl).toBe("string");
        await expectApiError(api.media.get(created.mediaId), 404);
        await api.media.patch(created.mediaId, { uploadedAt: new Date().toISOString(), uploadHttpStatus: 200, uploadTimeMs: 5 });
        const got = await api.media.get(created.mediaId);
        expect(got).toMatchObject({ mediaId: created.mediaId, contentType: "text/plain", contentLength: bytes.length });
        expect(typeof got.url).toBe("string");
        expect((await api.media.create(body)).uploadUrl).toBeNull();
      });

      test("bad media requests → 400 / 404", async () => {
        const traceId = hex(16);
        await expectApiError(api.media.create({ traceId, field: "input", contentType: "text/plain", contentLength: 3, sha256Hash: "short" }), 400);
        await expectApiError(
          api.media.create({ traceId, field: "input", contentType: "application/x-not-allowed", contentLength: 3, sha256Hash: "A".repeat(43) + "=" }),
          400,
        );
        await expectApiError(api.media.patch(`${run}nosuchmedia000`, { uploadedAt: new Date().toISOString(), uploadHttpStatus: 200 }), 404);
        await expectApiError(api.media.get(`${run}nosuchmedia000`), 404);
      });
    });

    // ------------------------------------------------------------ traces, observations, sessions
    describe("traces, observations, sessions", () => {
      const traceId = hex(16);
      const rootId = hex(8);
      const genId = hex(8);
      const sessionId = n("session");
      const userId = n("user");
      const t0 = Date.now() - 10_000;

      beforeAll(async () => {
        const common = { "session.id": sessionId, "user.id": userId };
        await target.sendOtlp(
          otlpJson([
            {
              traceId,
              spanId: genId,
              parentSpanId: rootId,
              name: "llm-call",
              startMs: t0 + 100,
              endMs: t0 + 900,
              attributes: {
                ...common,
                "langfuse.observation.type": "generation",
                "langfuse.observation.model.name": "gpt-4o",
                "langfuse.observation.usage_details": JSON.stringify({ input: 1000, output: 200 }),
                "langfuse.observation.input": JSON.stringify([{ role: "user", content: "hi" }]),
                "langfuse.observation.output": JSON.stringify({ role: "assistant", content: "hello" }),
              },
            },
            {
              traceId,
              spanId: rootId,
              name: "handle-request",
              startMs: t0,
              endMs: t0 + 1000,
              attributes: {
                ...common,
                "langfuse.trace.name": n("trace"),
                "langfuse.trace.tags": ["contract", run],
                "langfuse.observation.input": JSON.stringify({ question: "hi" }),
                "langfuse.observation.output": "done",
                "langfuse.observation.metadata.tenant": "acme",
                "langfuse.environment": "contract",
              },
            },
          ]),
        );
      });

      test("traces.get returns parsed IO, full observations, cost and latency; unknown → 404", async () => {
        if (!target.legacyReads) return;
        const trace = await eventually(target, () => api.traces.get(traceId), (t) => t.observations.length === 2);
        expect(trace).toMatchObject({ id: traceId, name: n("trace"), userId, sessionId, input: { question: "hi" }, output: "done", environment: "contract" });
        expect([...trace.tags].sort()).toEqual(["contract", run].sort());
        expect(trace.latency).toBeCloseTo(1, 1);
        const gen = trace.observations.find((o) => o.id === genId)!;
        expect(gen).toMatchObject({ type: "GENERATION", parentObservationId: rootId, model: "gpt-4o", input: [{ role: "user", content: "hi" }] });
        expect(gen.usageDetails).toMatchObject({ input: 1000, output: 200, total: 1200 });
        expect(gen.costDetails.total).toBeGreaterThan(0);
        expect(trace.totalCost).toBeCloseTo(gen.costDetails.total!, 10);
        await expectApiError(api.traces.get(hex(16)), 404);
      });

      test("traces.list filters by user, session, tags; rejects bad paging", async () => {
        if (!target.legacyReads) return;
        const byUser = await eventually(target, () => api.traces.list({ userId }), (p) => p.data.length === 1);
        expect(byUser.data[0]).toMatchObject({ id: traceId });
        expect(byUser.data[0]!.observations.sort()).toEqual([rootId, genId].sort());
        expect((await api.traces.list({ sessionId })).data.map((t) => t.id)).toEqual([traceId]);
        expect((await api.traces.list({ tags: [run, "contract"] })).data.map((t) => t.id)).toEqual([traceId]);
        expect((await api.traces.list({ tags: [run, "absent-tag"] })).data).toEqual([]);
        await expectApiError(api.traces.list({ page: 0 }), 400);
      });

      test("observations.get and list by trace and type", async () => {
        if (!target.legacyReads) return;
        const list = await eventually(target, () => api.observations.list({ traceId }), (p) => p.data.length === 2);
        expect(list.meta.totalItems).toBe(2);
        const gens = await api.observations.list({ traceId, type: "GENERATION" });
        expect(gens.data.map((o) => o.id)).toEqual([genId]);
        const root = await api.observations.get(rootId);
        expect(root).toMatchObject({ id: rootId, traceId, type: "SPAN", parentObservationId: null, output: "done" });
        expect((root.metadata as Record<string, unknown>).tenant).toBe("acme");
        await expectApiError(api.observations.get(hex(8)), 404);
      });

      test("sessions.get lists the session's traces; sessions.list includes it", async () => {
        if (!target.legacyReads) return;
        const s = await eventually(target, () => api.sessions.get(sessionId));
        expect(s.id).toBe(sessionId);
        expect(s.traces.map((t) => t.id)).toEqual([traceId]);
        const all = await api.sessions.list({ limit: 100 });
        expect(all.data.some((x) => x.id === sessionId)).toBe(true);
        await expectApiError(api.sessions.get(n("no-session")), 404);
      });

      test("a trace's htmlPath is /project/<the projects.get id>/traces/<id> (what getTraceUrl builds on)", async () => {
        if (!target.legacyReads) return;
        const [project] = (await api.projects.get()).data;
        const page = await eventually(target, () => api.traces.list({ userId }), (p) => p.data.length === 1);
        expect(page.data[0]!.htmlPath).toBe(`/project/${project!.id}/traces/${traceId}`);
      });
    });

    // ------------------------------------------------------------ projects
    describe("projects", () => {
      test("get returns the one project behind the keys, shaped as the OpenAPI Project", async () => {
        const projects = await api.projects.get();
        expect(projects.data).toHaveLength(1);
        const [project] = projects.data;
        expect(project).toEqual(
          expect.objectContaining({
            id: expect.any(String),
            name: expect.any(String),
            organization: expect.objectContaining({ id: expect.any(String), name: expect.any(String) }),
            metadata: expect.any(Object),
          }),
        );
        expect(project!.id.length).toBeGreaterThan(0);
        // Stable across calls (clients cache it for trace URLs).
        expect((await api.projects.get()).data[0]!.id).toBe(project!.id);
      });
    });
  });
}

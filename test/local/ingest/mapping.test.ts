import { mapSpan } from "../../../src/local/ingest/mapping/map-span";
import { resolveObservationType } from "../../../src/local/ingest/mapping/observation-type";
import { computeCost } from "../../../src/local/ingest/prices";
import { RESOURCE, span } from "./span-fixtures";

const typeOf = (attrs: Record<string, string | number | boolean>, over = {}) => resolveObservationType(span(attrs, over));
const meta = (m: { metadata: string }) => JSON.parse(m.metadata) as Record<string, unknown>;

describe("observation type resolution (priorities)", () => {
  test("langfuse.observation.type wins and maps every type", () => {
    for (const t of ["span", "generation", "event", "embedding", "agent", "tool", "chain", "retriever", "guardrail", "evaluator"])
      expect(typeOf({ "langfuse.observation.type": t, "openinference.span.kind": "LLM" })).toBe(t.toUpperCase());
  });

  test("an unknown langfuse type falls through to OpenInference, then gen_ai.operation.name", () => {
    expect(typeOf({ "langfuse.observation.type": "weird", "openinference.span.kind": "LLM" })).toBe("GENERATION");
    expect(typeOf({ "openinference.span.kind": "retriever" })).toBe("RETRIEVER");
    expect(typeOf({ "gen_ai.operation.name": "chat", "gen_ai.tool.name": "x" })).toBe("GENERATION");
    expect(typeOf({ "gen_ai.operation.name": "embeddings" })).toBe("EMBEDDING");
    expect(typeOf({ "gen_ai.operation.name": "invoke_agent" })).toBe("AGENT");
    expect(typeOf({ "gen_ai.operation.name": "execute_tool" })).toBe("TOOL");
  });

  test("genkit, Vercel AI SDK, tool hints, Flue, LiveKit, model fallback, default", () => {
    expect(typeOf({ "genkit:metadata:subtype": "embedder" })).toBe("EMBEDDING");
    expect(typeOf({ "ai.operationId": "ai.streamText.doStream", "ai.model.id": "gpt-4o" })).toBe("GENERATION");
    expect(typeOf({ "ai.operationId": "ai.streamText.doStream" })).toBe("SPAN");
    expect(typeOf({ "operation.name": "ai.embed.doEmbed my-fn", "gen_ai.request.model": "e" })).toBe("EMBEDDING");
    expect(typeOf({ "ai.operationId": "ai.toolCall" })).toBe("TOOL");
    expect(typeOf({ "gen_ai.tool.call.id": "c1" })).toBe("TOOL");
    expect(typeOf({ "flue.task.agent": "a" })).toBe("AGENT");
    expect(resolveObservationType(span({}, { name: "function_tool", scope: { name: "livekit-agents" } }))).toBe("TOOL");
    expect(typeOf({ "llm.model_name": "claude" })).toBe("GENERATION");
    expect(typeOf({})).toBe("SPAN");
  });

  test("Python SDK ≤ 3.3 'span' with generation keys is a GENERATION; newer versions are not", () => {
    const attrs = { "langfuse.observation.type": "span", "langfuse.observation.model.name": "gpt-4o" };
    const py = { ...RESOURCE, "telemetry.sdk.language": "python" };
    expect(resolveObservationType(span(attrs, { resource: py, scope: { name: "langfuse-sdk", version: "3.3.0" } }))).toBe("GENERATION");
    expect(resolveObservationType(span(attrs, { resource: py, scope: { name: "langfuse-sdk", version: "3.4.0" } }))).toBe("SPAN");
  });
});

describe("observation fields", () => {
  test("ids, times, name rules", () => {
    const s = span({ "ai.operationId": "ai.generateText", "ai.telemetry.functionId": "summarize" });
    const { observation: o } = mapSpan(s);
    expect(o).toMatchObject({ id: s.spanId, traceId: s.traceId, parentObservationId: s.parentSpanId, name: "summarize:ai.generateText" });
    expect(o.startTime).toBe("2026-03-01T10:00:00.000Z");
    expect(o.endTime).toBe("2026-03-01T10:00:01.500Z");
    expect(mapSpan(span({ "gen_ai.tool.name": "search" })).observation.name).toBe("search");
    expect(mapSpan(span({}, { name: "plain" })).observation.name).toBe("plain");
  });

  test("level aliases, error status, status message", () => {
    expect(mapSpan(span({ "langfuse.observation.level": "warn" })).observation.level).toBe("WARNING");
    expect(mapSpan(span({ "langfuse.observation.level": "Fatal" })).observation.level).toBe("ERROR");
    expect(mapSpan(span({ "langfuse.observation.level": "verbose" })).observation.level).toBe("DEBUG");
    const failed = mapSpan(span({}, { status: { code: 2, message: "boom" } })).observation;
    expect(failed).toMatchObject({ level: "ERROR", statusMessage: "boom" });
    expect(mapSpan(span({ "langfuse.observation.status_message": "explicit" }, { status: { code: 2, message: "boom" } })).observation.statusMessage).toBe(
      "explicit",
    );
  });

  test("environment: span then resource, normalized; version and release from resource fallbacks", () => {
    expect(mapSpan(span({ "langfuse.environment": "Langfuse-Prod" })).observation.environment).toBe("prod");
    expect(mapSpan(span({}, { resource: { ...RESOURCE, "deployment.environment.name": "staging" } })).observation.environment).toBe("staging");
    expect(mapSpan(span({ "langfuse.environment": "has spaces!" })).observation.environment).toBe("default");
    const o = mapSpan(span({}, { resource: { ...RESOURCE, "service.version": "1.2.3", "langfuse.release": "r9" } })).observation;
    expect(o.version).toBe("1.2.3");
    const root = mapSpan(span({ "langfuse.release": "r10" }, { parentSpanId: undefined }));
    expect(root.trace.release).toBe("r10");
  });

  test("IO: Langfuse keys kept raw; Vercel, input.value and gen_ai messages as fallbacks", () => {
    const o = mapSpan(span({ "langfuse.observation.input": '{"a":1}', "langfuse.observation.output": "plain text", "input.value": "ignored" })).observation;
    expect(o).toMatchObject({ input: '{"a":1}', output: "plain text" });
    const v = mapSpan(span({ "ai.prompt": '{"prompt":"hi"}', "ai.response.text": "yo" }, { scope: { name: "ai" } })).observation;
    expect(v).toMatchObject({ input: '{"prompt":"hi"}', output: "yo" });
    expect(mapSpan(span({ "input.value": "in", "output.value": "out" })).observation).toMatchObject({ input: "in", output: "out" });
    const g = mapSpan(span({ "gen_ai.input.messages": JSON.stringify([{ role: "user", content: "q" }]), "gen_ai.system_instructions": "be nice" })).observation;
    expect(JSON.parse(g.input!)).toEqual([
      { role: "system", content: "be nice" },
      { role: "user", content: "q" },
    ]);
  });

  test("metadata: object + flattened keys (not re-nested), resource and scope; foreign attributes only for non-SDK scopes", () => {
    const sdk = mapSpan(
      span({ "langfuse.observation.metadata": '{"a":1,"b":{"c":2}}', "langfuse.observation.metadata.x.y": "z", "langfuse.observation.input": "i" }),
    ).observation;
    expect(meta(sdk)).toEqual({ a: 1, b: { c: 2 }, "x.y": "z" });
    expect(JSON.parse(sdk.resourceJson)).toEqual({ resourceAttributes: RESOURCE, scope: { name: "langfuse-sdk", version: "0.1.0" } });
    const foreign = mapSpan(span({ "http.method": "GET", "input.value": "q", retries: 3 }, { scope: { name: "my-lib" } })).observation;
    expect(meta(foreign).attributes).toEqual({ "http.method": "GET", retries: "3" });
  });

  test("usage: langfuse usage_details, generic gen_ai.usage with cache/reasoning subtraction, total added", () => {
    const lf = mapSpan(span({ "langfuse.observation.usage_details": '{"input":10,"output":5,"bad":-1,"frac":1.5}' })).observation;
    expect(lf.usageDetails).toEqual({ input: 10, output: 5, total: 15 });
    const generic = mapSpan(
      span({
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 50,
        "gen_ai.usage.cache_read_input_tokens": 30,
        "gen_ai.usage.completion_details.reasoning": 20,
      }),
    ).observation;
    expect(generic.usageDetails).toEqual({ input: 70, output: 30, input_cached_tokens: 30, output_reasoning_tokens: 20, total: 150 });
    expect(mapSpan(span({ "langfuse.observation.usage_details": "[1,2]", "gen_ai.usage.input_tokens": 5 })).observation.usageDetails).toEqual({});
  });

  test("cost: given costs are authoritative; gen_ai.usage.cost; else computed from the price table with tiers", () => {
    const given = mapSpan(
      span({ "langfuse.observation.model.name": "gpt-4o", "langfuse.observation.usage_details": '{"input":1000}', "langfuse.observation.cost_details": '{"input":0.5,"output":0.25}' }),
    ).observation;
    expect(given.costDetails).toEqual({ input: 0.5, output: 0.25, total: 0.75 });
    expect(mapSpan(span({ "gen_ai.usage.cost": 0.02 })).observation.totalCost).toBe(0.02);
    const computed = mapSpan(
      span({ "langfuse.observation.type": "generation", "langfuse.observation.model.name": "openai/GPT-4o", "langfuse.observation.usage_details": '{"input":1000,"output":100}' }),
    ).observation;
    expect(computed.costDetails.input).toBeCloseTo(1000 * 2.5e-6, 12);
    expect(computed.costDetails.output).toBeCloseTo(100 * 10e-6, 12);
    expect(computed.totalCost).toBeCloseTo(0.0035, 12);
    const fast = computeCost("gpt-4o", { input: 1000, total: 1000 }, { service_tier: "priority" });
    expect(fast?.tierName).toBe("Fast mode");
    expect(fast?.costDetails.input).toBeCloseTo(1000 * 4.25e-6, 12);
    expect(computeCost("no-such-model-xyz", { input: 1 })).toBeUndefined();
  });

  test("model parameters, completion start time (JSON-quoted ISO), prompt link only on generations", () => {
    const g = mapSpan(
      span({
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.parameters": '{"temperature":0.2,"stop":["a"]}',
        "langfuse.observation.completion_start_time": '"2026-03-01T10:00:00.250Z"',
        "langfuse.observation.prompt.name": "greeter",
        "langfuse.observation.prompt.version": 3,
      }),
    ).observation;
    expect(JSON.parse(g.modelParameters!)).toEqual({ temperature: 0.2, stop: '["a"]' });
    expect(g.completionStartTime).toBe("2026-03-01T10:00:00.250Z");
    expect(g).toMatchObject({ promptName: "greeter", promptVersion: 3 });
    const s = mapSpan(span({ "langfuse.observation.prompt.name": "greeter", "langfuse.observation.prompt.version": 3 })).observation;
    expect(s).toMatchObject({ promptName: null, promptVersion: null });
    expect(JSON.parse(mapSpan(span({ "gen_ai.request.temperature": 0.5, "gen_ai.request.model": "m" })).observation.modelParameters!)).toEqual({ temperature: 0.5 });
  });

  test("experiment attributes are kept (item version only when it is a date)", () => {
    const o = mapSpan(
      span({
        "langfuse.experiment.id": "e1",
        "langfuse.experiment.name": "exp",
        "langfuse.experiment.item.id": "i1",
        "langfuse.experiment.item.version": "2026-01-01T00:00:00Z",
        "langfuse.experiment.metadata.model": "m",
      }),
    ).observation;
    expect(JSON.parse(o.experiment!)).toEqual({ id: "e1", name: "exp", itemId: "i1", itemVersion: "2026-01-01T00:00:00.000Z", metadata: { model: "m" } });
    expect(JSON.parse(mapSpan(span({ "langfuse.experiment.id": "e", "langfuse.experiment.item.version": "v3" })).observation.experiment!)).toEqual({ id: "e" });
  });
});

describe("trace derivation", () => {
  test("a root span gives a full trace: span name and IO as fallbacks, trace attributes explicit", () => {
    const { trace } = mapSpan(span({ "langfuse.observation.input": "q", "langfuse.observation.output": "a", "user.id": "u" }, { parentSpanId: undefined, name: "root" }));
    expect(trace).toMatchObject({ isRoot: true, name: "root", nameExplicit: false, input: "q", output: "a", inputExplicit: false, userId: "u" });
    const explicit = mapSpan(span({ "langfuse.trace.name": "T", "langfuse.trace.input": "TI", "langfuse.observation.input": "q" }, { parentSpanId: undefined })).trace;
    expect(explicit).toMatchObject({ name: "T", nameExplicit: true, input: "TI", inputExplicit: true });
  });

  test("langfuse.internal.as_root makes a child a root; plain children are shallow", () => {
    expect(mapSpan(span({ "langfuse.internal.as_root": "true" })).trace.isRoot).toBe(true);
    const shallow = mapSpan(span({ "langfuse.observation.input": "q" })).trace;
    expect(shallow).toMatchObject({ isRoot: false });
    expect(shallow.name).toBeUndefined();
    expect(shallow.input).toBeUndefined();
  });

  test("tags in every accepted form; public; session from gen_ai.conversation.id", () => {
    expect(mapSpan(span({ "langfuse.trace.tags": ["a", "b"] } as never)).trace.tags).toEqual(["a", "b"]);
    expect(mapSpan(span({ "langfuse.trace.tags": '["x","y"]' })).trace.tags).toEqual(["x", "y"]);
    expect(mapSpan(span({ "tag.tags": "p, q" })).trace.tags).toEqual(["p", "q"]);
    expect(mapSpan(span({ "langfuse.trace.public": "true" })).trace.public).toBe(true);
    expect(mapSpan(span({ "gen_ai.conversation.id": "conv", "langfuse.trace.name": "t" })).trace.sessionId).toBe("conv");
  });

  test("trace metadata from flattened keys on a non-root span", () => {
    const { trace } = mapSpan(span({ "langfuse.trace.metadata.team": "core" }));
    expect(trace.metadata).toEqual({ team: "core" });
  });
});

describe("fast path for spans with only Langfuse keys", () => {
  test("adding an unrelated foreign attribute changes nothing but the foreign-attributes blob", () => {
    const attrs = {
      "langfuse.observation.type": "generation",
      "langfuse.observation.model.name": "gpt-4o",
      "langfuse.observation.usage_details": '{"input":10,"output":5}',
      "langfuse.observation.input": "q",
      "langfuse.environment": "prod",
      "user.id": "u",
      "session.id": "s",
      "langfuse.trace.tags": '["a"]',
    };
    const base = span(attrs, { spanId: "00000000000000aa" });
    const plain = mapSpan(base);
    const withForeign = mapSpan({ ...base, attributes: { ...attrs, "http.route": "/x" } });
    expect({ ...withForeign.observation, metadata: undefined }).toEqual({ ...plain.observation, metadata: undefined });
    expect(withForeign.trace).toEqual(plain.trace);
  });
});

describe("IO from other instrumentations", () => {
  test("flattened OpenLLMetry gen_ai.prompt.N.* and OpenInference llm.*_messages.N.message.* become message arrays", () => {
    const ol = mapSpan(
      span({ "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "be brief", "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "hi", "gen_ai.completion.0.content": "hello" }),
    ).observation;
    expect(JSON.parse(ol.input!)).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ]);
    expect(JSON.parse(ol.output!)).toEqual([{ content: "hello" }]);
    const oi = mapSpan(span({ "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "q", "llm.output_messages.0.message.content": "a" })).observation;
    expect(JSON.parse(oi.input!)).toEqual([{ role: "user", content: "q" }]);
    expect(JSON.parse(oi.output!)).toEqual([{ content: "a" }]);
  });

  test("GenAI span events: role messages → input, one choice → output object; operation details event wins", () => {
    const ev = (name: string, attributes: Record<string, string>) => ({ name, timeMs: 0, attributes });
    const msgs = mapSpan(
      span({}, { events: [ev("gen_ai.system.message", { content: "sys" }), ev("gen_ai.user.message", { content: "q" }), ev("gen_ai.choice", { message: '{"content":"a"}' })] }),
    ).observation;
    expect(JSON.parse(msgs.input!)).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "q" },
    ]);
    expect(JSON.parse(msgs.output!)).toEqual({ message: { content: "a" } });
    const details = mapSpan(
      span({}, { events: [ev("gen_ai.user.message", { content: "ignored" }), ev("gen_ai.client.inference.operation.details", { "gen_ai.input.messages": "[1]", "gen_ai.output.messages": "[2]" })] }),
    ).observation;
    expect(details).toMatchObject({ input: "[1]", output: "[2]" });
  });
});

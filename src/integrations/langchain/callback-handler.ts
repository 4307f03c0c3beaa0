import { AsyncLocalStorage } from "node:async_hooks";
import { context, createContextKey, trace as otelTrace, type Context, type SpanContext } from "@opentelemetry/api";
import type { AgentAction, AgentFinish } from "@langchain/core/agents";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import type { ChainValues } from "@langchain/core/utils/types";
import "../../client/get-client";
import { errorMessage } from "../../errors";
import type { Langfuse } from "../../client/langfuse";
import type { LangfuseGenerationAttributes, PromptLink } from "../../tracing/attributes";
import type { ObservationType } from "../../tracing/constants";
import { registerAmbientContextResolver } from "../../tracing/ambient";
import { startObservation } from "../../tracing/free-functions";
import { logger } from "../../logger";
import type { LangfuseObservation, StartObservationOptions } from "../../tracing/observations";

/** Options of the LangChain / LangGraph `CallbackHandler`. */
export interface CallbackHandlerOptions {
  /** Trace attributes, set on every observation the handler creates (not only the root). */
  userId?: string;
  sessionId?: string;
  tags?: string[];
  /** Version of every observation and of the trace. */
  version?: string;
  /** Trace metadata (set with the root run). */
  traceMetadata?: Record<string, unknown>;
  /** Trace name when the handler starts the trace (default: the root run's name). */
  traceName?: string;
  /** The client that records (default: the default client, `getClient()`). */
  langfuse?: Langfuse;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Metadata keys that steer the handler and are not stored as metadata. */
const CONTROL_KEYS = new Set(["langfusePrompt", "langfuse_prompt", "langfuseUserId", "langfuseSessionId", "langfuseTags", "langfuse_user_id", "langfuse_session_id", "langfuse_tags"]);

interface RunState {
  runId: string;
  obs: LangfuseObservation;
  /** The trace attributes in force for this run and its children. */
  trace: TraceAttrs;
  isRoot: boolean;
  /**
   * The OTel span that was current when this run's root run started (undefined: none). Code
   * inside the run that still sees it as current runs in the run (see `runContext`).
   */
  outerSpanId: string | undefined;
  /** Set on a generation at its first streamed token. */
  firstToken?: boolean;
}
interface TraceAttrs {
  userId?: string;
  sessionId?: string;
  tags?: string[];
}

function isPromptLink(v: unknown): v is PromptLink {
  return isObj(v) && typeof v.name === "string" && (typeof v.version === "number" || typeof v.version === "string");
}

/** The role a LangChain message type maps to in chat-message form. */
const ROLES: Record<string, string> = { human: "user", ai: "assistant", system: "system", tool: "tool", function: "function", generic: "user", developer: "developer" };

function messageType(m: BaseMessage): string {
  const t = (m as unknown as { type?: unknown; _getType?: () => string }).type;
  if (typeof t === "string") return t;
  const g = (m as unknown as { _getType?: () => string })._getType;
  return typeof g === "function" ? g.call(m) : "generic";
}

/** A LangChain message as the chat message Langfuse renders: role, content, tool calls. */
export function toChatMessage(m: BaseMessage): Obj {
  const out: Obj = { role: ROLES[messageType(m)] ?? messageType(m), content: m.content };
  const any = m as unknown as Obj;
  if (Array.isArray(any.tool_calls) && any.tool_calls.length) out.tool_calls = any.tool_calls;
  if (typeof any.tool_call_id === "string") out.tool_call_id = any.tool_call_id;
  if (typeof m.name === "string" && m.name) out.name = m.name;
  return out;
}

/** Keys of invocation params recorded as model parameters. */
const PARAMETER_KEYS = ["temperature", "max_tokens", "maxTokens", "max_completion_tokens", "top_p", "topP", "top_k", "topK", "frequency_penalty", "presence_penalty", "seed", "stop", "n", "stream", "reasoning_effort", "service_tier"];

function modelParameters(invocation: Obj): Record<string, string | number | boolean | null> | undefined {
  let out: Record<string, string | number | boolean | null> | undefined;
  for (const k of PARAMETER_KEYS) {
    const v = invocation[k];
    if (v === undefined) continue;
    out ??= {};
    out[k] = v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v);
  }
  return out;
}

function modelName(llm: Serialized, invocation: Obj, metadata: Obj | undefined): string | undefined {
  for (const v of [invocation.model, invocation.model_name, invocation.modelName, metadata?.ls_model_name]) if (typeof v === "string" && v) return v;
  const kwargs = (llm as unknown as { kwargs?: Obj }).kwargs;
  for (const v of [kwargs?.model, kwargs?.model_name, kwargs?.modelName]) if (typeof v === "string" && v) return v;
  return undefined;
}

/**
 * Marks a context `runContext` gave out: the run whose code it runs in. Spans started there
 * (an `@Observe` method in a tool) make contexts derived from it, so the mark reaches the
 * LangChain runs started inside them, which then nest under that span (see `start`).
 */
const RUN_KEY = createContextKey("langfuse-decorators.langchain.run");

/** The recorded run of each handler by run id (hidden runs resolve to their recorded ancestor). */
const runLookups = new WeakMap<object, (runId: string) => RunState | undefined>();

/**
 * Observations started inside a run's own code (a tool's function, a RunnableLambda, a
 * LangGraph node: an `@Observe` method, an `observeOpenAI` call, `startObservation`) nest
 * under that run, not under the span that was current when the graph was invoked.
 *
 * LangChain cannot make a handler's span the OTel active context: callbacks are notifications
 * (`handleToolStart` is awaited, then returns), and the function runs afterwards inside
 * LangChain's own AsyncLocalStorage (`runWithConfig`), with a child callback manager whose
 * parent run id is the run's. So the tracing layer asks this resolver for a more specific
 * context: the run's span when the current config's parent run is one this handler records
 * and the OTel current span is still the one that was current when its root run started (a
 * span started inside the run, e.g. an `@Observe` method called by the tool, is more specific
 * and stays in force).
 */
function runContext(active: Context): Context | undefined {
  const callbacks = (AsyncLocalStorageProviderSingleton.getRunnableConfig() as { callbacks?: unknown } | undefined)?.callbacks as
    | { getParentRunId?: () => string | undefined; handlers?: unknown[] }
    | undefined;
  if (!callbacks || typeof callbacks.getParentRunId !== "function" || !Array.isArray(callbacks.handlers)) return undefined;
  const runId = callbacks.getParentRunId();
  if (runId === undefined) return undefined;
  for (const h of callbacks.handlers) {
    const lookup = typeof h === "object" && h !== null ? runLookups.get(h) : undefined;
    const run = lookup?.(runId);
    if (!run) continue;
    if (otelTrace.getSpan(active)?.spanContext().spanId !== run.outerSpanId) return undefined;
    return otelTrace.setSpan(active, run.obs.otelSpan).setValue(RUN_KEY, run);
  }
  return undefined;
}

let resolverInstalled = false;
function installRunContext(): void {
  if (resolverInstalled) return;
  resolverInstalled = true;
  // LangChain's Node entry points set this up too; a no-op when already there.
  AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());
  registerAmbientContextResolver(runContext);
}

/**
 * LangChain / LangGraph callback handler: every chain, LLM / chat model, tool, retriever and
 * agent run (LangGraph nodes are chain runs) becomes a nested observation of the current
 * trace: under the run's parent run, and the root run under the current span (an `@Observe`
 * method, `startAsCurrentObservation`), else a new trace. Model runs are generations with
 * model, parameters, input messages, output (tool calls included), usage in Langfuse keys
 * (from `usage_metadata` or `llmOutput`) and cost; errors are level ERROR. Trace attributes
 * (`userId`, `sessionId`, `tags`, or `metadata.langfuseUserId` / `langfuseSessionId` /
 * `langfuseTags` on a run) are set on every observation. A prompt client in
 * `metadata.langfusePrompt` of a prompt template links the generation that follows it.
 * Internal runs LangChain marks `langsmith:hidden` are not recorded; their children attach to
 * the nearest recorded ancestor.
 */
export class CallbackHandler extends BaseCallbackHandler {
  name = "langfuse-decorators";
  /** Callbacks run inline, so the root run sees the caller's current span as its parent. */
  override awaitHandlers = true;
  /** The trace id of the most recent root run. */
  lastTraceId: string | undefined;

  private readonly options: CallbackHandlerOptions;
  private readonly runs = new Map<string, RunState>();
  /** Hidden runs: their recorded ancestor (or undefined: none). */
  private readonly skipped = new Map<string, string | undefined>();
  /** Prompts registered by prompt-template runs, keyed by the template's parent run. */
  private readonly prompts = new Map<string, PromptLink>();

  constructor(options: CallbackHandlerOptions = {}) {
    super();
    this.options = options;
    runLookups.set(this, (runId) => this.parentOf(runId));
    try {
      installRunContext();
    } catch (err) {
      logger.warnOnce("langchain-run-context", `CallbackHandler: observations inside tools will nest under the invoking span: ${errorMessage(err)}`);
    }
  }

  /**
   * LangChain may copy handlers when it derives child callback managers; a copy would lose the
   * run map that nests child runs under their parents, so the handler is its own copy.
   */
  override copy(): this {
    return this;
  }

  /** The recorded run a new run with `parentRunId` hangs under (skipping hidden runs). */
  private parentOf(parentRunId: string | undefined): RunState | undefined {
    let id = parentRunId;
    for (let i = 0; i < 1000 && id !== undefined; i++) {
      const run = this.runs.get(id);
      if (run) return run;
      if (!this.skipped.has(id)) return undefined;
      id = this.skipped.get(id);
    }
    return undefined;
  }

  private traceAttrs(parent: RunState | undefined, metadata: Obj | undefined): TraceAttrs {
    const base: TraceAttrs = parent?.trace ?? { userId: this.options.userId, sessionId: this.options.sessionId, tags: this.options.tags };
    if (!metadata) return base;
    const userId = metadata.langfuseUserId ?? metadata.langfuse_user_id;
    const sessionId = metadata.langfuseSessionId ?? metadata.langfuse_session_id;
    const tags = metadata.langfuseTags ?? metadata.langfuse_tags;
    if (userId === undefined && sessionId === undefined && tags === undefined) return base;
    return {
      userId: typeof userId === "string" ? userId : base.userId,
      sessionId: typeof sessionId === "string" ? sessionId : base.sessionId,
      tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : base.tags,
    };
  }

  private userMetadata(metadata: Obj | undefined): Obj | undefined {
    if (!metadata) return undefined;
    let out: Obj | undefined;
    for (const [k, v] of Object.entries(metadata)) {
      if (CONTROL_KEYS.has(k) || v === undefined) continue;
      (out ??= {})[k] = v;
    }
    return out;
  }

  /** Starts the observation of one run. Never throws. */
  private start(
    runId: string,
    parentRunId: string | undefined,
    asType: ObservationType,
    name: string,
    attrs: LangfuseGenerationAttributes,
    tags: string[] | undefined,
    metadata: Obj | undefined,
  ): RunState | undefined {
    try {
      if (tags?.includes("langsmith:hidden")) {
        const parent = this.parentOf(parentRunId);
        this.skipped.set(runId, parent?.runId);
        return undefined;
      }
      const parent = this.parentOf(parentRunId);
      let parentSpanContext = parent ? (parent.obs.otelSpan.spanContext() as SpanContext) : undefined;
      if (parent) {
        // A run started inside a span that the parent run's own code started (a chain invoked
        // from an @Observe method in a tool) nests under that span, not beside it.
        const active = context.active();
        const inner = active.getValue(RUN_KEY) === parent ? otelTrace.getSpan(active)?.spanContext() : undefined;
        if (inner && otelTrace.isSpanContextValid(inner)) parentSpanContext = inner;
      }
      const trace = this.traceAttrs(parent, metadata);
      const md = this.userMetadata(metadata);
      const options = {
        name,
        asType,
        ...attrs,
        metadata: md && attrs.metadata ? { ...md, ...(attrs.metadata as Obj) } : (md ?? attrs.metadata),
        version: this.options.version,
        parentSpanContext,
      } as StartObservationOptions<"generation">;
      const obs = (this.options.langfuse ? this.options.langfuse.startObservation(options) : startObservation(options)) as LangfuseObservation;
      const isRoot = parent === undefined;
      const traceUpdate: Obj = {};
      if (trace.userId !== undefined) traceUpdate.userId = trace.userId;
      if (trace.sessionId !== undefined) traceUpdate.sessionId = trace.sessionId;
      if (trace.tags !== undefined) traceUpdate.tags = trace.tags;
      if (isRoot) {
        if (this.options.version !== undefined) traceUpdate.version = this.options.version;
        if (this.options.traceMetadata !== undefined) traceUpdate.metadata = this.options.traceMetadata;
        if (this.options.traceName !== undefined) traceUpdate.name = this.options.traceName;
        this.lastTraceId = obs.traceId;
      }
      if (Object.keys(traceUpdate).length) obs.updateTrace(traceUpdate);
      const outerSpanId = parent ? parent.outerSpanId : otelTrace.getSpan(context.active())?.spanContext().spanId;
      const state: RunState = { runId, obs, trace, isRoot, outerSpanId };
      this.runs.set(runId, state);
      return state;
    } catch (err) {
      logger.warnOnce("langchain-start", `CallbackHandler: a run could not be recorded: ${errorMessage(err)}`);
      return undefined;
    }
  }

  private end(runId: string, attrs: LangfuseGenerationAttributes): void {
    const run = this.runs.get(runId);
    this.skipped.delete(runId);
    this.prompts.delete(runId);
    if (!run) return;
    this.runs.delete(runId);
    try {
      run.obs.update(attrs as never);
    } catch (err) {
      logger.warnOnce("langchain-end", `CallbackHandler: a run's result could not be recorded: ${errorMessage(err)}`);
    }
    run.obs.end();
  }

  private fail(runId: string, err: unknown): void {
    this.end(runId, { level: "ERROR", statusMessage: errorMessage(err) });
  }

  // ---------------------------------------------------------------- chains, LangGraph nodes

  /**
   * The declared signature names the 4th argument `runType` and the 8th `parentRunId`, but
   * @langchain/core's CallbackManager calls `(chain, inputs, runId, parentRunId, tags,
   * metadata, runType, runName)`: the parameters are read in that runtime order.
   */
  override handleChainStart(
    chain: Serialized,
    inputs: ChainValues,
    runId: string,
    parentRunIdArg?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    _runTypeArg?: string,
    runNameArg?: string,
  ): void {
    const parentRunId = parentRunIdArg;
    const name = runNameArg ?? chain?.id?.[chain.id.length - 1] ?? "chain";
    const prompt = metadata?.langfusePrompt ?? metadata?.langfuse_prompt;
    if (parentRunId !== undefined && isPromptLink(prompt)) this.prompts.set(parentRunId, prompt);
    const asType: ObservationType = name === "LangGraph" || /agent/i.test(name) ? "agent" : "chain";
    this.start(runId, parentRunId, asType, name, { input: inputs }, tags, metadata);
  }

  override handleChainEnd(outputs: ChainValues, runId: string): void {
    this.end(runId, { output: outputs });
  }

  override handleChainError(err: Error, runId: string): void {
    this.fail(runId, err);
  }

  // ---------------------------------------------------------------- models

  private startGeneration(
    llm: Serialized,
    input: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: Record<string, unknown> | undefined,
    tags: string[] | undefined,
    metadata: Record<string, unknown> | undefined,
    runName: string | undefined,
  ): void {
    const invocation = isObj(extraParams?.invocation_params) ? extraParams.invocation_params : {};
    const own = metadata?.langfusePrompt ?? metadata?.langfuse_prompt;
    let prompt: PromptLink | undefined = isPromptLink(own) ? own : undefined;
    // A prompt template registered its prompt for its parent; the model run is its sibling.
    for (let id = parentRunId, i = 0; !prompt && id !== undefined && i < 1000; i++) {
      prompt = this.prompts.get(id);
      id = this.skipped.has(id) ? this.skipped.get(id) : undefined;
    }
    const tools = invocation.tools;
    this.start(
      runId,
      parentRunId,
      "generation",
      runName ?? llm?.id?.[llm.id.length - 1] ?? "llm",
      {
        input: Array.isArray(tools) && tools.length ? { messages: input, tools } : input,
        model: modelName(llm, invocation, metadata),
        modelParameters: modelParameters(invocation),
        prompt,
      },
      tags,
      metadata,
    );
  }

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    const input = messages.length === 1 ? messages[0]!.map(toChatMessage) : messages.map((ms) => ms.map(toChatMessage));
    this.startGeneration(llm, input, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.startGeneration(llm, prompts.length === 1 ? prompts[0] : prompts, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  override handleLLMNewToken(_token: string, _idx: unknown, runId: string): void {
    const run = this.runs.get(runId);
    if (!run || run.firstToken) return;
    run.firstToken = true;
    run.obs.update({ completionStartTime: new Date() } as never);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    try {
      const gens = output.generations?.map((g) => g[0]).filter(Boolean) ?? [];
      const outputs = gens.map((g) => {
        const message = (g as { message?: BaseMessage }).message;
        return message ? toChatMessage(message) : g!.text;
      });
      const first = gens[0] as { message?: Obj } | undefined;
      const message = first?.message;
      const responseMeta = isObj(message?.response_metadata) ? message.response_metadata : undefined;
      const llmOutput = isObj(output.llmOutput) ? output.llmOutput : undefined;
      const usage = message?.usage_metadata ?? llmOutput?.tokenUsage ?? llmOutput?.usage ?? responseMeta?.usage ?? responseMeta?.tokenUsage;
      const model = responseMeta?.model_name ?? responseMeta?.model;
      this.end(runId, {
        output: outputs.length === 1 ? outputs[0] : outputs,
        usageDetails: isObj(usage) ? (usage as Record<string, number>) : undefined,
        model: typeof model === "string" ? model : undefined,
      });
    } catch (err) {
      logger.warnOnce("langchain-llm-end", `CallbackHandler: a model result could not be recorded: ${errorMessage(err)}`);
      this.end(runId, {});
    }
  }

  override handleLLMError(err: Error, runId: string): void {
    this.fail(runId, err);
  }

  // ---------------------------------------------------------------- tools, retrievers, agents

  override handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    let parsed: unknown = input;
    if (typeof input === "string" && (input.startsWith("{") || input.startsWith("["))) {
      try {
        parsed = JSON.parse(input);
      } catch {
        parsed = input;
      }
    }
    const md = toolCallId ? { ...(metadata ?? {}), toolCallId } : metadata;
    this.start(runId, parentRunId, "tool", runName ?? tool?.id?.[tool.id.length - 1] ?? "tool", { input: parsed }, tags, md);
  }

  override handleToolEnd(output: unknown, runId: string): void {
    // A ToolMessage's content is the tool's result.
    const content = isObj(output) && "content" in output && (output as { lc_kwargs?: unknown }).lc_kwargs !== undefined ? output.content : output;
    this.end(runId, { output: content });
  }

  override handleToolError(err: Error, runId: string): void {
    this.fail(runId, err);
  }

  override handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.start(runId, parentRunId, "retriever", name ?? retriever?.id?.[retriever.id.length - 1] ?? "retriever", { input: query }, tags, metadata);
  }

  override handleRetrieverEnd(documents: DocumentInterface[], runId: string): void {
    this.end(runId, { output: documents.map((d) => ({ pageContent: d.pageContent, metadata: d.metadata })) });
  }

  override handleRetrieverError(err: Error, runId: string): void {
    this.fail(runId, err);
  }

  override handleAgentAction(action: AgentAction, runId: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    try {
      run.obs.startObservation({ name: `action:${action.tool}`, asType: "event", input: action.toolInput, metadata: { log: action.log } });
    } catch {
      /* an agent step that cannot be recorded must not disturb the agent */
    }
  }

  override handleAgentEnd(action: AgentFinish, runId: string): void {
    const run = this.runs.get(runId);
    if (run) run.obs.update({ output: action.returnValues });
  }
}

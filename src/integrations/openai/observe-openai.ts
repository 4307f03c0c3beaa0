import type { SpanContext } from "@opentelemetry/api";
import { getClient } from "../../client/get-client";
import { errorMessage } from "../../errors";
import type { FlushReport, Flushable } from "../../flushable";
import type { Langfuse } from "../../client/langfuse";
import type { PromptLink } from "../../tracing/attributes";
import { Attr } from "../../tracing/constants";
import { startObservation } from "../../tracing/free-functions";
import { logger } from "../../logger";
import type { LangfuseGeneration } from "../../tracing/observations";
import {
  accumulatorFor,
  isContentChunk,
  isObj,
  modelParameters,
  requestInput,
  responseFields,
  type Obj,
  type Operation,
  type StreamAccumulator,
} from "./extract";

/** Options of `observeOpenAI`. Every field is optional. */
export interface ObserveOpenAIOptions {
  /** Generation name (default `OpenAI.<resource path>`, e.g. `OpenAI.chat.completions.create`). */
  name?: string;
  /** Metadata on every generation. */
  metadata?: Record<string, unknown>;
  /** Trace-level attributes set by every call. */
  sessionId?: string;
  userId?: string;
  tags?: string[];
  traceName?: string;
  /** Links each generation to this prompt version (a prompt client or `{ name, version }`). */
  langfusePrompt?: PromptLink;
  /**
   * The parent: an observation (`{ otelSpan }`) or a span context. Default: the current span
   * (an `@Observe` method, `startAsCurrentObservation`, ...), else a new trace.
   */
  parent?: { otelSpan: { spanContext(): SpanContext } } | SpanContext;
  /** The client that records (default: the default client, `getClient()`). */
  langfuse?: Langfuse;
}

type Kind = "promise" | "runner";
interface MethodSpec {
  op: Operation;
  kind: Kind;
}

/** The SDK methods that become generations; everything else on the client passes through. */
const METHODS: Record<string, MethodSpec> = {
  "chat.completions.create": { op: "chat", kind: "promise" },
  "chat.completions.parse": { op: "chat", kind: "promise" },
  "chat.completions.stream": { op: "chat", kind: "runner" },
  "beta.chat.completions.parse": { op: "chat", kind: "promise" },
  "beta.chat.completions.stream": { op: "chat", kind: "runner" },
  "responses.create": { op: "responses", kind: "promise" },
  "responses.parse": { op: "responses", kind: "promise" },
  "responses.stream": { op: "responses", kind: "runner" },
  "embeddings.create": { op: "embeddings", kind: "promise" },
  "completions.create": { op: "completions", kind: "promise" },
};
const RESOURCES = new Set(["chat", "chat.completions", "responses", "embeddings", "completions", "beta", "beta.chat", "beta.chat.completions"]);

/** The parts of openai's APIPromise we hook (public fields and methods in openai 5 to 7). */
interface APIPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (client: unknown, props: unknown) => unknown;
  asResponse: () => Promise<unknown>;
}
function isAPIPromise(v: unknown): v is APIPromiseLike {
  const p = v as Partial<APIPromiseLike> | null;
  return (
    typeof p === "object" &&
    p !== null &&
    typeof p.parseResponse === "function" &&
    typeof p.asResponse === "function" &&
    typeof (p.responsePromise as Promise<unknown> | undefined)?.then === "function"
  );
}
/** openai's `Stream`: a public `iterator` factory behind `[Symbol.asyncIterator]`, `tee()` and `toReadableStream()`. */
interface StreamLike {
  iterator: () => AsyncIterator<unknown>;
}
function isStream(v: unknown): v is StreamLike {
  return isObj(v) && typeof v.iterator === "function" && typeof v.tee === "function";
}
/** openai's EventStream runners (`chat.completions.stream()`, `responses.stream()`): every event goes through `_emit`. */
interface RunnerLike {
  _emit: (event: string, ...args: unknown[]) => unknown;
}
function isRunner(v: unknown): v is RunnerLike {
  return isObj(v) && typeof v._emit === "function";
}

/**
 * Request bodies and parsed responses are plain JSON (the SDK sends and parses them as JSON),
 * so plain JSON.stringify gives the same text as the general serializer, whose replacer walk
 * (cycles, Maps, Errors, BigInts) costs several microseconds per call. Strings stay raw; a value
 * JSON.stringify rejects goes to the general serializer unchanged.
 */
function jsonText(value: unknown): unknown {
  if (value === undefined || typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? value;
  } catch {
    return value;
  }
}

/**
 * One generation's recording. Every method is idempotent after the end and never throws:
 * tracing must not change what the OpenAI SDK does.
 */
class Recorder {
  private ended = false;
  private acc: StreamAccumulator | undefined;
  private started = false;
  /** The consumer has asked for the stream's iterator (for await, tee, toReadableStream). */
  iterated = false;
  /** A flush found this stream not iterated; the next flush ends it. */
  seenByFlush = false;
  /** Called once when the generation ends (takes the recorder out of its client's open streams). */
  onEnd: (() => void) | undefined;

  get isEnded(): boolean {
    return this.ended;
  }

  private close(): void {
    this.gen.end();
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }

  constructor(
    private readonly gen: LangfuseGeneration,
    private readonly op: Operation,
  ) {}

  chunk(value: unknown): void {
    if (this.ended) return;
    try {
      (this.acc ??= accumulatorFor(this.op)).add(value);
      if (!this.started && isContentChunk(this.op, value)) {
        this.started = true;
        this.gen.update({ completionStartTime: new Date() });
      }
    } catch (err) {
      logger.warnOnce("openai-chunk", `observeOpenAI: a stream chunk could not be recorded: ${String(err)}`);
    }
  }

  /** A whole response (non-streamed, or a runner's final completion). */
  finishData(data: unknown): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const f = responseFields(this.op, data);
      this.gen.update({
        output: jsonText(f.output),
        usageDetails: isObj(f.usage) ? (f.usage as Obj as Record<string, number>) : (this.acc?.usage as Record<string, number> | undefined),
        model: f.model,
      });
    } catch (err) {
      logger.warnOnce("openai-output", `observeOpenAI: the response could not be recorded: ${String(err)}`);
    }
    this.close();
  }

  /**
   * A stream ended: completed, or abandoned (`early`: then it records what it got, with
   * `statusMessage` saying how it was abandoned).
   */
  finishStream(early: boolean, statusMessage = "stream closed before its end"): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const acc = this.acc ?? accumulatorFor(this.op);
      const failed = "failed" in acc ? acc.failed : undefined;
      this.gen.update({
        output: jsonText(acc.output()),
        usageDetails: isObj(acc.usage) ? (acc.usage as Record<string, number>) : undefined,
        model: acc.model,
        ...(failed ? { level: "ERROR" as const, statusMessage: failed } : early ? { statusMessage } : {}),
      });
    } catch (err) {
      logger.warnOnce("openai-output", `observeOpenAI: the stream output could not be recorded: ${String(err)}`);
    }
    this.close();
  }

  /** Ends without output (the raw `Response` went to the caller through `.asResponse()`). */
  finishBare(statusMessage?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (statusMessage) this.gen.update({ statusMessage });
    this.close();
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const message = errorMessage(err);
      const e = err as { status?: unknown; code?: unknown; type?: unknown };
      const details: Obj = {};
      if (e && typeof e === "object") {
        if (e.status !== undefined) details.status = e.status;
        if (e.code !== undefined && e.code !== null) details.code = e.code;
        if (e.type !== undefined && e.type !== null) details.type = e.type;
      }
      this.gen.update({ level: "ERROR", statusMessage: message, ...(Object.keys(details).length ? { metadata: { error: details } } : {}) });
    } catch {
      /* recording must not hide the caller's error */
    }
    this.close();
  }
}

/** An async iterator over `source` that records every chunk and ends the generation however iteration stops. */
async function* observedIterator(source: AsyncIterator<unknown>, rec: Recorder): AsyncGenerator<unknown, void, undefined> {
  let done = false;
  let threw = false;
  try {
    for (let r = await source.next(); !r.done; r = await source.next()) {
      rec.chunk(r.value);
      yield r.value;
    }
    done = true;
  } catch (err) {
    threw = true;
    rec.fail(err);
    throw err;
  } finally {
    if (!done && !threw) {
      // The consumer stopped early (break, return, cancel): close the source so the SDK aborts
      // the request, and record what arrived.
      try {
        await source.return?.();
      } catch {
        /* closing an aborted request may reject; the consumer has already moved on */
      }
    }
    if (!threw) rec.finishStream(!done);
  }
}

/**
 * Streams whose generation is still open, per client. A stream the consumer never iterates
 * would otherwise keep its generation open forever; it ends, with what it got and a
 * statusMessage saying so, at the first of:
 *  - the stream (or, once iterated, its iterator) being garbage-collected: the consumer
 *    dropped it (FinalizationRegistry; no timer, nothing keeps the stream alive);
 *  - the client's shutdown (every open stream: not consumed, or not finished);
 *  - the second flush that finds it still not iterated. The first only marks it: a concurrent
 *    request may be between receiving its stream and iterating it.
 */
class OpenStreams implements Flushable {
  readonly name = "openai-streams";
  private readonly open = new Set<Recorder>();

  add(rec: Recorder): void {
    this.open.add(rec);
    rec.onEnd = () => {
      this.open.delete(rec);
      collected.unregister(rec);
    };
  }

  settle(reason: "flush" | "shutdown"): void {
    for (const rec of [...this.open]) {
      if (reason === "shutdown") rec.finishStream(true, rec.iterated ? "stream not finished by its consumer before shutdown" : "stream never consumed (ended at shutdown)");
      else if (!rec.iterated) {
        if (rec.seenByFlush) rec.finishStream(true, "stream never consumed (ended at the second flush that found it untouched)");
        else rec.seenByFlush = true;
      }
    }
  }

  flush(): Promise<FlushReport> {
    return Promise.resolve({ name: this.name, delivered: 0, dropped: 0, failed: 0, errors: [] });
  }

  shutdown(): Promise<FlushReport> {
    return this.flush();
  }
}
const openStreamsByClient = new WeakMap<Langfuse, OpenStreams>();

interface Collected {
  rec: Recorder;
  what: "stream" | "iterator";
}
const collected = new FinalizationRegistry<Collected>(({ rec, what }) => {
  // The stream object may go once iteration has started (for await holds only the iterator).
  if (what === "stream" && rec.iterated) return;
  rec.finishStream(true, what === "stream" ? "stream never consumed (dropped unread)" : "stream dropped by its consumer before its end");
});

function instrumentStream(stream: StreamLike, rec: Recorder, options: ObserveOpenAIOptions): void {
  try {
    const client = options.langfuse ?? getClient();
    let streams = openStreamsByClient.get(client);
    if (!streams) {
      streams = new OpenStreams();
      openStreamsByClient.set(client, streams);
      client.registerFlushable(streams);
    }
    streams.add(rec);
    collected.register(stream, { rec, what: "stream" }, rec);
  } catch (err) {
    logger.warnOnce("openai-stream-watch", `observeOpenAI: an unconsumed stream will not be ended: ${String(err)}`);
  }
  const original = stream.iterator;
  stream.iterator = function observedStreamIterator(this: unknown) {
    rec.iterated = true;
    const it = observedIterator(original.call(this), rec);
    if (!rec.isEnded) collected.register(it, { rec, what: "iterator" }, rec);
    return it;
  };
}

/** Hooks an APIPromise without replacing it: `withResponse()`, `asResponse()` and `_thenUnwrap` keep working. */
function instrumentPromise(p: APIPromiseLike, rec: Recorder, streaming: boolean, options: ObserveOpenAIOptions): void {
  let parsed = false;
  p.responsePromise = p.responsePromise.then(undefined, (err: unknown) => {
    rec.fail(err);
    throw err;
  });
  const parseResponse = p.parseResponse;
  p.parseResponse = function observedParseResponse(this: unknown, client: unknown, props: unknown) {
    parsed = true;
    let result: unknown;
    try {
      result = parseResponse.call(this, client, props);
    } catch (err) {
      rec.fail(err);
      throw err;
    }
    return Promise.resolve(result).then(
      (data) => {
        if (isStream(data)) instrumentStream(data, rec, options);
        else rec.finishData(data);
        return data;
      },
      (err: unknown) => {
        rec.fail(err);
        throw err;
      },
    );
  };
  const asResponse = p.asResponse;
  p.asResponse = function observedAsResponse(this: unknown) {
    const result = asResponse.call(this);
    // withResponse() parses and asks for the Response: its parse callback is registered first,
    // so `parsed` is set by the time this one runs. Only a bare asResponse() leaves the body to
    // the caller; a non-streamed body is then read from a clone.
    result.then(
      (response) => {
        if (parsed) return;
        const r = response as { clone?: () => { json(): Promise<unknown> } };
        if (streaming || typeof r?.clone !== "function") return rec.finishBare("raw response returned to the caller");
        r.clone()
          .json()
          .then(
            (data) => rec.finishData(data),
            () => rec.finishBare("raw response returned to the caller"),
          );
      },
      () => undefined,
    );
    return result;
  };
}

function instrumentRunner(runner: RunnerLike, rec: Recorder, op: Operation): void {
  const emit = runner._emit;
  runner._emit = function observedEmit(this: unknown, event: string, ...args: unknown[]) {
    try {
      if (event === "chunk" && op === "chat") rec.chunk(args[0]);
      else if (event === "event" && op === "responses") rec.chunk(args[0]);
      else if (event === "finalChatCompletion") rec.finishData(args[0]);
      else if (event === "error") rec.fail(args[0]);
      else if (event === "abort") rec.finishStream(true);
      else if (event === "end") rec.finishStream(false);
    } catch {
      /* never disturb the runner's events */
    }
    return emit.call(this, event, ...args);
  };
}

function parentContext(parent: ObserveOpenAIOptions["parent"]): SpanContext | undefined {
  if (!parent) return undefined;
  if ("otelSpan" in parent && parent.otelSpan) return parent.otelSpan.spanContext();
  return parent as SpanContext;
}

function startGeneration(options: ObserveOpenAIOptions, path: string, spec: MethodSpec, body: Obj): LangfuseGeneration | undefined {
  try {
    const start = {
      name: options.name ?? `OpenAI.${path}`,
      asType: (spec.op === "embeddings" ? "embedding" : "generation") as "generation",
      model: typeof body.model === "string" ? body.model : undefined,
      input: jsonText(requestInput(spec.op, body)),
      metadata: options.metadata,
      prompt: options.langfusePrompt,
      parentSpanContext: parentContext(options.parent),
    };
    const gen = options.langfuse ? options.langfuse.startObservation(start) : startObservation(start);
    if (!gen.isRecording()) return undefined;
    // Flat scalars (modelParameters() makes them so): plain JSON is the wire text.
    const params = modelParameters(body);
    if (params) gen.otelSpan.setAttribute(Attr.OBSERVATION_MODEL_PARAMETERS, JSON.stringify(params));
    if (options.userId !== undefined || options.sessionId !== undefined || options.tags !== undefined || options.traceName !== undefined) {
      gen.updateTrace({ userId: options.userId, sessionId: options.sessionId, tags: options.tags, name: options.traceName });
    }
    return gen;
  } catch (err) {
    logger.warnOnce("openai-start", `observeOpenAI: the generation could not be started; the call runs untraced: ${String(err)}`);
    return undefined;
  }
}

function wrapMethod(target: object, original: (...args: unknown[]) => unknown, path: string, spec: MethodSpec, options: ObserveOpenAIOptions) {
  return function observedOpenAIMethod(...args: unknown[]): unknown {
    const body = isObj(args[0]) ? args[0] : {};
    const gen = startGeneration(options, path, spec, body);
    if (!gen) return original.apply(target, args);
    const rec = new Recorder(gen, spec.op);
    let result: unknown;
    try {
      result = original.apply(target, args);
    } catch (err) {
      rec.fail(err);
      throw err;
    }
    try {
      if (spec.kind === "runner" && isRunner(result)) instrumentRunner(result, rec, spec.op);
      else if (isAPIPromise(result)) instrumentPromise(result, rec, body.stream === true, options);
      else if (result && typeof (result as Promise<unknown>).then === "function") {
        // Not an APIPromise (an OpenAI-compatible SDK): observe it beside the caller.
        (result as Promise<unknown>).then(
          (data) => (isStream(data) ? instrumentStream(data, rec, options) : rec.finishData(data)),
          (err: unknown) => rec.fail(err),
        );
      } else rec.finishData(result);
    } catch (err) {
      logger.warnOnce("openai-instrument", `observeOpenAI: the call's result could not be observed: ${String(err)}`);
    }
    return result;
  };
}

function proxyFor<T extends object>(target: T, prefix: string, options: ObserveOpenAIOptions): T {
  // Wrapped members per property, kept while the underlying value is the same object, so
  // `client.chat === client.chat` and a hot call path allocates nothing.
  const cache = new Map<PropertyKey, { source: unknown; out: unknown }>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      const hit = cache.get(prop);
      if (hit !== undefined && hit.source === value) return hit.out;
      let out: unknown = value;
      if (typeof prop === "string") {
        const path = prefix ? `${prefix}.${prop}` : prop;
        const spec = METHODS[path];
        if (spec && typeof value === "function") out = wrapMethod(obj, value as (...a: unknown[]) => unknown, path, spec, options);
        else if (RESOURCES.has(path) && isObj(value)) out = proxyFor(value, path, options);
        else if (path === "withOptions" && typeof value === "function")
          out = (...args: unknown[]) => observeOpenAI((value as (...a: unknown[]) => object).apply(obj, args), options);
        // Other methods run on the real object (the client keeps #private fields a proxy lacks).
        else if (typeof value === "function") out = (value as (...a: unknown[]) => unknown).bind(obj);
      } else if (typeof value === "function") out = (value as (...a: unknown[]) => unknown).bind(obj);
      if (out !== value) cache.set(prop, { source: value, out });
      return out;
    },
  });
}

/**
 * Traces an OpenAI client: chat completions (plain, streamed, `parse`, the `stream()` helper),
 * the Responses API (plain, streamed, `parse`, `stream()`), embeddings and legacy completions
 * each become a generation (embedding) with model, parameters, input, output, usage in
 * Langfuse keys, cost and, for streams, the completion start time; nested under the current
 * span. Returns the same client type; the SDK's objects are hooked, not replaced, so
 * `.withResponse()`, `.asResponse()`, `Stream.tee()`, `toReadableStream()` and the stream
 * helpers keep working. A stream abandoned early still ends its generation; API errors are
 * recorded at level ERROR and reach the caller unchanged.
 */
export function observeOpenAI<T extends object>(client: T, options: ObserveOpenAIOptions = {}): T {
  if (typeof client !== "object" || client === null) return client;
  return proxyFor(client, "", options);
}

import { context, SpanStatusCode, type Context, type Span } from "@opentelemetry/api";
import { finished } from "node:stream";
import { errorMessage } from "../errors";
import { Attr } from "./constants";
import { serializeValue } from "./serialize";

/** How a traced call records and ends its span. */
export interface CallOptions {
  /** End the span when the call returns, throws, settles, or its stream is consumed. */
  endOnExit: boolean;
  /** false: no output; true: the value; a function: its result (mapping, redaction). */
  captureOutput: boolean | ((output: unknown) => unknown);
  maxFieldChars: number;
}

/** Stream/generator output keeps at most this many chunks (the serializer caps characters too). */
export const MAX_STREAM_CHUNKS = 1000;
const CANCELLED = "Cancelled: the consumer stopped before the end of the stream";
const NOT_CONSUMED = "Not consumed: the stream was garbage-collected before it was read to the end";

/**
 * A returned stream that is dropped without being read to the end would keep its span open
 * forever (never exported). When the stream object is garbage-collected, end the span with a
 * status message instead. Callbacks hold only the span side, never the stream.
 */
const droppedStreams = new FinalizationRegistry<() => void>((finish) => {
  try {
    finish();
  } catch {
    /* never throw from a finalizer */
  }
});


/** Exception event + OTel ERROR status + Langfuse level ERROR with status message. Never throws. */
export function recordError(span: Span, err: unknown): void {
  try {
    const message = errorMessage(err);
    span.recordException(err instanceof Error ? err : message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(Attr.OBSERVATION_LEVEL, "ERROR");
    span.setAttribute(Attr.OBSERVATION_STATUS_MESSAGE, message);
  } catch {
    // A broken span implementation must not turn a user error into a different one.
  }
}

function setOutput(span: Span, value: unknown, o: CallOptions): void {
  if (o.captureOutput === false) return;
  try {
    const out = typeof o.captureOutput === "function" ? o.captureOutput(value) : value;
    const s = serializeValue(out, o.maxFieldChars);
    if (s !== undefined) span.setAttribute(Attr.OBSERVATION_OUTPUT, s);
  } catch (err) {
    try {
      span.setAttribute(Attr.OBSERVATION_OUTPUT, `<failed to capture output: ${errorMessage(err)}>`);
    } catch {
      /* never throw into user code */
    }
  }
}

function safeEnd(span: Span): void {
  try {
    span.end();
  } catch {
    /* never throw into user code */
  }
}

/**
 * Runs `fn` inside `ctx` and finishes `span` according to what comes back, without changing
 * how the value is returned: sync stays sync, native promises are chained, promise subclasses
 * and other promise-likes keep their identity, generators and streams are traced lazily.
 * Errors are recorded and rethrown unchanged.
 */
export function runInSpan<R>(span: Span, ctx: Context, fn: (...a: never[]) => R, thisArg: unknown, args: unknown[], o: CallOptions): R {
  let result: R;
  try {
    // Through a shared trampoline instead of context.with(ctx, fn, thisArg, ...args): the
    // context manager would fn.bind(thisArg) on every call (a bound function per call) and
    // the argument list would be spread and collected again at each of its layers.
    result = context.with(ctx, applyFn, undefined, fn as (...a: unknown[]) => unknown, thisArg, args) as R;
  } catch (err) {
    recordError(span, err);
    if (o.endOnExit) safeEnd(span);
    throw err;
  }
  return finishWithResult(span, ctx, result, o);
}

function applyFn(fn: (...a: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown {
  return Reflect.apply(fn, thisArg, args);
}

export function finishWithResult<R>(span: Span, ctx: Context, result: R, o: CallOptions): R {
  if (result === null || (typeof result !== "object" && typeof result !== "function")) {
    setOutput(span, result, o);
    if (o.endOnExit) safeEnd(span);
    return result;
  }
  try {
    if (typeof (result as { then?: unknown }).then === "function") return handleThenable(span, ctx, result, o);
    if (o.endOnExit) {
      const wrapped = wrapIterable(span, ctx, result, o);
      if (wrapped !== undefined) return wrapped as R;
    }
  } catch {
    // Fall through: record what we can and end; the user's value is returned untouched.
  }
  setOutput(span, result, o);
  if (o.endOnExit) safeEnd(span);
  return result;
}

function handleThenable<R>(span: Span, ctx: Context, result: R, o: CallOptions): R {
  const onOk = (value: unknown): unknown => {
    if (o.endOnExit && value !== null && typeof value === "object") {
      try {
        const wrapped = wrapIterable(span, ctx, value, o);
        if (wrapped !== undefined) return wrapped;
      } catch {
        /* fall back to ending now */
      }
    }
    setOutput(span, value, o);
    if (o.endOnExit) safeEnd(span);
    return value;
  };
  const isNativePromise = Object.getPrototypeOf(result) === Promise.prototype;
  if (isNativePromise) {
    // Chaining lets us hand back a traced stream when the promise resolves to one.
    return (result as unknown as Promise<unknown>).then(onOk, (err: unknown) => {
      recordError(span, err);
      if (o.endOnExit) safeEnd(span);
      throw err;
    }) as R;
  }
  if (Object.prototype.toString.call(result) === "[object Promise]") {
    // Promise subclasses (e.g. an SDK's APIPromise with extra methods) are eager, so observing
    // them on the side is safe and the caller keeps the very same object.
    (result as unknown as Promise<unknown>).then(
      (v) => void onOk(v),
      (err: unknown) => {
        recordError(span, err);
        if (o.endOnExit) safeEnd(span);
      },
    );
    return result;
  }
  // Other thenables may be lazy (query builders run on then()), so call then() exactly once
  // and hand back a real promise (their then() may not even return one).
  return new Promise<unknown>((resolve, reject) => {
    (result as unknown as PromiseLike<unknown>).then(
      (v) => resolve(onOk(v)),
      (err: unknown) => {
        recordError(span, err);
        if (o.endOnExit) safeEnd(span);
        reject(err);
      },
    );
  }) as unknown as R;
}

/**
 * A cheap, bounded estimate of how many characters `v` adds to the recorded output: string
 * lengths, keys, a few characters per other value; visits at most 1,000 nodes.
 */
function estimateChars(v: unknown): number {
  let total = 0;
  let visited = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0 && visited < 1000) {
    const x = stack.pop();
    visited++;
    if (typeof x === "string") total += x.length + 2;
    else if (x === null || typeof x !== "object") total += 8;
    else if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) total += 32;
    else {
      total += 2;
      try {
        if (Array.isArray(x)) {
          for (let i = 0; i < x.length && stack.length < 1000; i++) stack.push(x[i]);
        } else {
          for (const k of Object.keys(x)) {
            if (stack.length >= 1000) break;
            total += k.length + 4;
            stack.push((x as Record<string, unknown>)[k]);
          }
        }
      } catch {
        /* a hostile object: count what we saw */
      }
    }
  }
  return total;
}

/**
 * Collects chunks and turns them into the recorded output (strings joined, else an array).
 * Bounded by chunk count and by size (`maxChars`, the field cap): past it, chunks are only
 * counted. Byte chunks of a stream are decoded with one streaming TextDecoder, so a
 * multi-byte character split across chunks is decoded whole.
 */
class ChunkCollector {
  private readonly chunks: unknown[] = [];
  private more = 0;
  private size = 0;
  private decoder: TextDecoder | undefined;
  constructor(
    private readonly enabled: boolean,
    maxFieldChars: number = Number.POSITIVE_INFINITY,
  ) {
    // Leave room for the "...[N more chunks]" marker within the field cap.
    this.maxChars = Math.max(1, maxFieldChars - 64);
  }

  private readonly maxChars: number;

  private get full(): boolean {
    return this.chunks.length >= MAX_STREAM_CHUNKS || this.size >= this.maxChars;
  }

  add(chunk: unknown): void {
    if (!this.enabled) return;
    if (this.full) {
      this.more++;
      return;
    }
    if (typeof chunk === "string") {
      const room = this.maxChars - this.size;
      if (chunk.length > room) {
        this.chunks.push(chunk.slice(0, room));
        this.size = this.maxChars;
        this.more++; // partly recorded
        return;
      }
      this.size += chunk.length;
    } else {
      this.size += estimateChars(chunk);
    }
    this.chunks.push(chunk);
  }

  /** A chunk of an encoded text stream (web ReadableStream<Uint8Array>). */
  addBytes(bytes: Uint8Array): void {
    if (!this.enabled) return;
    if (this.full) {
      this.more++;
      return;
    }
    this.decoder ??= new TextDecoder();
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      text = `<${bytes.byteLength} bytes>`;
    }
    if (text.length > 0) this.add(text);
  }

  output(): unknown {
    if (this.decoder) {
      // End of stream: flush an incomplete trailing sequence (as U+FFFD), once.
      const tail = this.full ? "" : this.decoder.decode();
      this.decoder = undefined;
      if (tail.length > 0) this.add(tail);
    }
    if (this.chunks.length > 0 && this.chunks.every((c) => typeof c === "string")) {
      return (this.chunks as string[]).join("") + (this.more ? `...[${this.more} more chunks]` : "");
    }
    return this.more ? [...this.chunks, `...[${this.more} more chunks]`] : this.chunks;
  }
}

/** Ends a streamed span exactly once. */
/*
 * Finalizer callbacks are built in these tiny functions on purpose: a closure created inside
 * a wrapper function shares V8's context with the wrapper's other closures, which reference
 * the stream itself, and the stream would then never be collected.
 */
function onDropped(finish: Finish): () => void {
  return () => finish({ dropped: true });
}

function onDroppedUnlessUsed(finish: Finish, state: { used: boolean }): () => void {
  return () => {
    if (!state.used) finish({ dropped: true });
  };
}

type Finish = (status?: { error?: unknown; cancelled?: boolean; dropped?: boolean }) => void;

function makeFinisher(span: Span, o: CallOptions, collector: ChunkCollector): Finish {
  let finished = false;
  return (status) => {
    if (finished) return;
    finished = true;
    if (status?.error !== undefined) recordError(span, status.error);
    else if (status?.cancelled || status?.dropped) {
      try {
        span.setAttribute(Attr.OBSERVATION_STATUS_MESSAGE, status.dropped ? NOT_CONSUMED : CANCELLED);
      } catch {
        /* ignore */
      }
    }
    if (o.captureOutput !== false) setOutput(span, collector.output(), { ...o, captureOutput: o.captureOutput });
    safeEnd(span);
  };
}

function tag(v: object): string {
  return Object.prototype.toString.call(v);
}

/** Returns a traced replacement for generators / async iterables / streams, or undefined. */
function wrapIterable(span: Span, ctx: Context, value: object, o: CallOptions): unknown {
  const t = tag(value);
  if (t === "[object Generator]") return wrapSyncGenerator(span, ctx, value as Generator, o);
  if (t === "[object AsyncGenerator]") return wrapAsyncIterator(span, ctx, value as AsyncGenerator, o, value);
  if (typeof ReadableStream !== "undefined" && value instanceof ReadableStream) return wrapWebStream(span, ctx, value, o);
  const maybeNode = value as { pipe?: unknown; on?: unknown; [Symbol.asyncIterator]?: unknown };
  if (typeof maybeNode.pipe === "function" && typeof maybeNode.on === "function") return traceNodeStream(span, value, o);
  if (typeof maybeNode[Symbol.asyncIterator] === "function") return patchAsyncIterable(span, ctx, value as AsyncIterable<unknown>, o);
  return undefined;
}

function wrapSyncGenerator(span: Span, ctx: Context, gen: Generator, o: CallOptions): Generator {
  const collector = new ChunkCollector(o.captureOutput !== false, o.maxFieldChars);
  const finish = makeFinisher(span, o, collector);
  const step = (call: () => IteratorResult<unknown>): IteratorResult<unknown> => {
    let r: IteratorResult<unknown>;
    try {
      r = context.with(ctx, call);
    } catch (err) {
      finish({ error: err });
      throw err;
    }
    if (r.done) finish();
    else collector.add(r.value);
    return r;
  };
  // Same prototype as the original, so `instanceof` and toStringTag still say "Generator".
  const wrapper = Object.create(Object.getPrototypeOf(gen)) as Generator;
  Object.defineProperties(wrapper, {
    next: { value: (v?: unknown) => step(() => gen.next(v as never)), configurable: true, writable: true },
    throw: { value: (e?: unknown) => step(() => gen.throw(e)), configurable: true, writable: true },
    return: {
      value: (v?: unknown) => {
        let r: IteratorResult<unknown>;
        try {
          r = context.with(ctx, () => gen.return(v as never));
        } catch (err) {
          finish({ error: err });
          throw err;
        }
        finish({ cancelled: true });
        return r;
      },
      configurable: true,
      writable: true,
    },
    [Symbol.iterator]: { value: () => wrapper, configurable: true, writable: true },
  });
  droppedStreams.register(wrapper, onDropped(finish));
  return wrapper;
}

function wrapAsyncIterator(
  span: Span,
  ctx: Context,
  it: AsyncIterator<unknown>,
  o: CallOptions,
  protoSource: object | undefined,
): AsyncGenerator {
  const collector = new ChunkCollector(o.captureOutput !== false, o.maxFieldChars);
  const finish = makeFinisher(span, o, collector);
  const step = async (call: () => Promise<IteratorResult<unknown>>, cancelling: boolean): Promise<IteratorResult<unknown>> => {
    let r: IteratorResult<unknown>;
    try {
      r = await context.with(ctx, call);
    } catch (err) {
      finish({ error: err });
      throw err;
    }
    if (cancelling) finish({ cancelled: true });
    else if (r.done) finish();
    else collector.add(r.value);
    return r;
  };
  const wrapper = (protoSource ? Object.create(Object.getPrototypeOf(protoSource)) : {}) as AsyncGenerator;
  Object.defineProperties(wrapper, {
    next: { value: (v?: unknown) => step(() => it.next(v as never), false), configurable: true, writable: true },
    throw: {
      value: (e?: unknown) => (it.throw ? step(() => it.throw!(e), false) : Promise.reject(e)),
      configurable: true,
      writable: true,
    },
    return: {
      value: (v?: unknown) =>
        it.return ? step(() => it.return!(v as never), true) : (finish({ cancelled: true }), Promise.resolve({ done: true, value: v })),
      configurable: true,
      writable: true,
    },
    [Symbol.asyncIterator]: { value: () => wrapper, configurable: true, writable: true },
  });
  droppedStreams.register(wrapper, onDropped(finish));
  return wrapper;
}

/**
 * Non-generator async iterables (SDK stream objects with extra methods): replace their
 * Symbol.asyncIterator in place so the caller keeps the same object. Frozen objects cannot be
 * patched: the span then ends right away.
 */
function patchAsyncIterable(span: Span, ctx: Context, iterable: AsyncIterable<unknown>, o: CallOptions): unknown {
  const original = iterable[Symbol.asyncIterator];
  const state = { used: false };
  try {
    Object.defineProperty(iterable, Symbol.asyncIterator, {
      configurable: true,
      writable: true,
      value: function tracedAsyncIterator(this: unknown): AsyncIterator<unknown> {
        const inner = context.with(ctx, () => original.call(iterable));
        if (state.used) return inner; // a second iteration is not part of the traced call
        state.used = true;
        return wrapAsyncIterator(span, ctx, inner, o, undefined);
      },
    });
  } catch {
    return undefined;
  }
  droppedStreams.register(iterable, onDroppedUnlessUsed(makeFinisher(span, { ...o, captureOutput: false }, new ChunkCollector(false)), state));
  return iterable;
}

function wrapWebStream(span: Span, ctx: Context, stream: ReadableStream<unknown>, o: CallOptions): ReadableStream<unknown> {
  const collector = new ChunkCollector(o.captureOutput !== false, o.maxFieldChars);
  const finish = makeFinisher(span, o, collector);
  const reader = stream.getReader();
  const traced = new ReadableStream<unknown>({
    async pull(controller) {
      try {
        const r = await context.with(ctx, () => reader.read());
        if (r.done) {
          finish();
          controller.close();
        } else {
          if (typeof r.value === "object" && r.value instanceof Uint8Array) collector.addBytes(r.value);
          else collector.add(r.value);
          controller.enqueue(r.value);
        }
      } catch (err) {
        finish({ error: err });
        controller.error(err);
      }
    },
    async cancel(reason) {
      finish({ cancelled: true });
      await reader.cancel(reason);
    },
  });
  droppedStreams.register(traced, onDropped(finish));
  return traced;
}

/** Node streams are piped, not iterated: end the span when the stream finishes or fails. */
function traceNodeStream(span: Span, stream: object, o: CallOptions): unknown {
  const collector = new ChunkCollector(false);
  const finish = makeFinisher(span, { ...o, captureOutput: false }, collector);
  try {
    finished(stream as NodeJS.ReadableStream, (err) => {
      if (err && (err as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE") finish({ cancelled: true });
      else if (err) finish({ error: err });
      else finish();
    });
  } catch {
    return undefined;
  }
  return stream;
}

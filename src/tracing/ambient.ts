import { context, trace, type Context, type Span } from "@opentelemetry/api";

/**
 * Finds a more specific parent than the OTel context for code that runs inside a framework's
 * own unit of work whose span the framework cannot make current: LangChain runs a tool's
 * function (or a chain's, or a LangGraph node's) after the callbacks returned, inside its own
 * AsyncLocalStorage, so the CallbackHandler's run span can never be the OTel active span
 * there. Given the OTel active context, returns the context to use instead, or undefined.
 */
export type AmbientContextResolver = (active: Context) => Context | undefined;

const resolvers: AmbientContextResolver[] = [];

/** Registers a resolver once (integrations call this when first used). */
export function registerAmbientContextResolver(resolver: AmbientContextResolver): void {
  if (!resolvers.includes(resolver)) resolvers.push(resolver);
}

/**
 * The context a new observation starts in, and the one whose span is "current": the OTel
 * active context unless a registered resolver knows a more specific one. A resolver that
 * throws is skipped: tracing never throws into user code.
 */
export function activeContext(): Context {
  const active = context.active();
  for (let i = 0; i < resolvers.length; i++) {
    try {
      const ctx = resolvers[i]!(active);
      if (ctx !== undefined) return ctx;
    } catch {
      /* a broken resolver leaves the OTel context in force */
    }
  }
  return active;
}

/** The current span: the span of `activeContext()`. */
export function activeSpan(): Span | undefined {
  return resolvers.length === 0 ? trace.getActiveSpan() : trace.getSpan(activeContext());
}

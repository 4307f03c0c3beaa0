/**
 * `@Observe()` and `@Observable()`: method and class decorators that trace calls as Langfuse
 * observations. One factory serves both decorator modes: legacy (`experimentalDecorators`,
 * which NestJS and tsyringe need) and TC39 (TypeScript 5 standard decorators), chosen at
 * runtime from the arguments the decorator receives.
 *
 * Contract (reference/peers-and-style.md §1.5): `this`, name, length and other decorators'
 * reflect-metadata are preserved in either order; wrapping is idempotent; sync stays sync;
 * thenables are chained; generators and streams are traced lazily; errors are recorded and
 * rethrown unchanged; input never includes `this`; default name `ClassName.method`.
 * An overriding method in a subclass is a new function: decorate it again (or use
 * `@Observable()` on the subclass), since inherited decoration does not carry over.
 */
import "../src/client/get-client"; // installs the default-client resolver used at call time
import { LangfuseError } from "../src/errors";
import { isTraced, traceFunction, type ObserveConfig } from "../src/tracing/observe";
import { copyFunctionMetadata, defineFunctionMetadata, OBSERVE_OPTIONS_METADATA } from "./metadata";

export { observe, type ObserveOptions, type ObserveConfig, type DynamicObserveOptions } from "../src/tracing/observe";

type AnyMethod = (this: unknown, ...args: never[]) => unknown;

/** A decorator usable in both modes. */
export interface ObserveMethodDecorator {
  /** TC39 (standard) method decorator. */
  <F extends AnyMethod>(value: F, context: ClassMethodDecoratorContext): F;
  /** Legacy (experimentalDecorators) method decorator. */
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor | void;
}

interface DecoratorContextLike {
  kind: string;
  name: string | symbol;
  static?: boolean;
}

function isTc39Context(x: unknown): x is DecoratorContextLike {
  return typeof x === "object" && x !== null && "kind" in x && "name" in x;
}

function className(thisArg: unknown): string {
  if (typeof thisArg === "function") return thisArg.name || "AnonymousClass";
  if (thisArg !== null && typeof thisArg === "object") return (thisArg as object).constructor?.name || "Object";
  return "";
}

/** Wraps one method; keeps foreign metadata and stores our options on both functions. */
function wrapMethod<F extends AnyMethod>(method: F, methodName: string, fixedClass: string | undefined, config: ObserveConfig | undefined): F {
  if (isTraced(method)) return method;
  let cacheKey: unknown;
  let cacheName = "";
  const nameOf = (thisArg: unknown): string => {
    if (fixedClass !== undefined) return `${fixedClass}.${methodName}`;
    // TC39 gives no class at decoration time: derive it from the receiver, cached per class.
    const key = typeof thisArg === "function" ? thisArg : (thisArg as object | null)?.constructor;
    if (key !== cacheKey) {
      cacheKey = key;
      const cls = className(thisArg);
      cacheName = cls ? `${cls}.${methodName}` : methodName;
    }
    return cacheName;
  };
  const wrapped = traceFunction(method, config, nameOf);
  copyFunctionMetadata(method, wrapped);
  const recorded = { ...(typeof config === "object" ? config : typeof config === "string" ? { asType: config } : {}) };
  defineFunctionMetadata(OBSERVE_OPTIONS_METADATA, recorded, wrapped);
  defineFunctionMetadata(OBSERVE_OPTIONS_METADATA, recorded, method);
  return wrapped;
}

/**
 * Traces every call of the decorated method as an observation.
 *   @Observe()                 a span named `ClassName.method`
 *   @Observe("generation")     with a type
 *   @Observe({ name, asType, captureInput, captureOutput, endOnExit })
 *   @Observe((self, ...args) => ({ name: ... }))  options computed per call
 */
export function Observe(config?: ObserveConfig): ObserveMethodDecorator {
  const decorator = (target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): unknown => {
    if (isTc39Context(keyOrContext)) {
      if (keyOrContext.kind !== "method") {
        throw new LangfuseError("CONFIG", `@Observe can only decorate methods, not the ${keyOrContext.kind} '${String(keyOrContext.name)}'`);
      }
      if (typeof target !== "function") throw new LangfuseError("CONFIG", `@Observe: '${String(keyOrContext.name)}' is not a function`);
      return wrapMethod(target as AnyMethod, String(keyOrContext.name), undefined, config);
    }
    const key = String(keyOrContext as string | symbol);
    if (!descriptor || typeof descriptor.value !== "function") {
      const what = descriptor && (descriptor.get || descriptor.set) ? "an accessor" : "a field";
      throw new LangfuseError("CONFIG", `@Observe can only decorate methods; '${key}' is ${what}`);
    }
    const cls = typeof target === "function" ? target.name : (target as object).constructor?.name;
    descriptor.value = wrapMethod(descriptor.value as AnyMethod, key, cls, config);
    return descriptor;
  };
  return decorator as ObserveMethodDecorator;
}

/** A class decorator usable in both modes. */
export interface ObservableClassDecorator {
  <C extends abstract new (...args: never[]) => unknown>(value: C, context: ClassDecoratorContext<C>): C | void;
  <C extends abstract new (...args: never[]) => unknown>(target: C): C | void;
}

/**
 * Observes every own prototype method of the class (not inherited ones, not accessors, not
 * the constructor). Methods with their own `@Observe` keep their options.
 */
export function Observable(config?: Exclude<ObserveConfig, string> | ObserveConfig): ObservableClassDecorator {
  const decorator = (target: unknown, ctx?: unknown): void => {
    if (ctx !== undefined && isTc39Context(ctx) && ctx.kind !== "class") {
      throw new LangfuseError("CONFIG", `@Observable can only decorate classes, not the ${ctx.kind} '${String(ctx.name)}'`);
    }
    if (typeof target !== "function") throw new LangfuseError("CONFIG", "@Observable can only decorate classes");
    const proto = (target as { prototype?: object }).prototype;
    if (!proto) return;
    const cls = (target as { name: string }).name;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor") continue;
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      if (!desc || typeof desc.value !== "function" || isTraced(desc.value)) continue;
      Object.defineProperty(proto, key, { ...desc, value: wrapMethod(desc.value as AnyMethod, key, cls, config) });
    }
  };
  return decorator as ObservableClassDecorator;
}

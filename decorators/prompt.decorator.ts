/**
 * `@Prompt(name, { label | version, type, cacheTtlSeconds, fallback })` injects a `PromptRef`.
 *
 * Where it can go:
 *  - a constructor parameter of a tsyringe `@injectable()` class: the container resolves it
 *    with its own client (`registerLangfuse(container)` must have run on it or a parent);
 *  - a field, with no container at all: the ref uses the default client (`getClient()`).
 *
 * THE FIELD RULE. Write the field with `declare` (or `accessor`):
 *
 *     @Prompt("movie-critic") declare critic: PromptRef<TextPromptClient>;
 *
 * Why: with `useDefineForClassFields: true` (the default for target ES2022+) a plain field
 * `critic!: PromptRef` is defined on every instance as `undefined`, which hides the accessor a
 * legacy property decorator installs on the prototype. A `declare` field emits nothing, so the
 * accessor is seen under both settings (tsc, ts-node, ts-jest, esbuild/tsx). A plain field
 * works only with `useDefineForClassFields: false`. With TC39 (standard) decorators, any
 * field form works: the decorator returns the field's initializer.
 */
import { getClient } from "../src/client/get-client";
import { LANGFUSE_CLIENT, LANGFUSE_PROMPT_REF_TRANSFORM, promptRefToken } from "../src/di/tokens";
import type { Prompt as WirePrompt } from "../src/api/types";
import { LangfuseError, LangfuseValidationError } from "../src/errors";
import { PromptRef, type PromptRefOptions, type PromptSource, validatePromptRef } from "../src/prompts/prompt-ref";

/** reflect-metadata key listing the `@Prompt` injections of a class (on the constructor). */
export const PROMPT_INJECTIONS_METADATA = "langfuse:prompt:injections";

/** One `@Prompt` use: a constructor parameter (`parameterIndex`) or a field (`propertyKey`). */
export interface PromptInjection {
  name: string;
  options: PromptRefOptions;
  parameterIndex?: number;
  propertyKey?: string | symbol;
}

interface Tc39Context {
  kind: string;
  name: string | symbol;
}

/** `@Prompt` works as a constructor-parameter, field or accessor decorator (legacy and TC39). */
export interface PromptDecorator {
  /** Legacy constructor parameter (tsyringe). */
  (target: object, propertyKey: string | symbol | undefined, parameterIndex: number): void;
  /** Legacy field / accessor. */
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
  /** TC39 field (the field's declared PromptRef type is kept). */
  <This, V>(value: undefined, context: ClassFieldDecoratorContext<This, V>): (this: This, initial: V) => V;
  /** TC39 accessor. */
  <This, V>(value: ClassAccessorDecoratorTarget<This, V>, context: ClassAccessorDecoratorContext<This, V>): ClassAccessorDecoratorResult<This, V>;
}

// Resolved at use time, so a field can be declared before any client exists.
const defaultSource = (): PromptSource => getClient();

type ReflectWithMetadata = typeof Reflect & {
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
};
const R = Reflect as ReflectWithMetadata;

// tsyringe reads constructor-parameter tokens from this reflect-metadata key (what its own
// `@inject` / `@injectWithTransform` write). Writing it here keeps tsyringe out of decorators/.
const TSYRINGE_PARAM_TOKENS = "injectionTokens";
// NestJS reads explicit constructor-parameter tokens from this key (what its `@Inject(token)`
// writes); the token is deterministic per prompt name and options, and `LangfuseModule`
// provides one PromptRef per token in use.
const NEST_PARAM_TOKENS = "self:paramtypes";

/**
 * As a type, `Prompt` stays the API's prompt object (`TextPrompt | ChatPrompt`), so the package
 * can export the decorator and the wire type under the one name.
 */
export type Prompt = WirePrompt;

export function Prompt(name: string, options?: PromptRefOptions): PromptDecorator {
  validatePromptRef(name, options);
  const frozen: PromptRefOptions = Object.freeze({ ...(options ?? {}) });

  function decorator(target: unknown, keyOrContext: unknown, indexOrDescriptor?: unknown): unknown {
    // TC39 standard decorators: (value, context)
    if (typeof keyOrContext === "object" && keyOrContext !== null && "kind" in keyOrContext) {
      const context = keyOrContext as Tc39Context;
      if (context.kind === "field") return (initial: unknown) => initial ?? new PromptRef(name, frozen, defaultSource);
      if (context.kind === "accessor") return { init: (initial: unknown) => initial ?? new PromptRef(name, frozen, defaultSource) };
      throw new LangfuseValidationError(`@Prompt('${name}') can decorate fields, accessors and constructor parameters, not a ${context.kind}`);
    }

    // Legacy constructor parameter: (constructor, undefined, index)
    if (typeof indexOrDescriptor === "number") {
      if (keyOrContext !== undefined || typeof target !== "function") {
        throw new LangfuseValidationError(`@Prompt('${name}') on a parameter must be on a constructor parameter (method parameters are not injected)`);
      }
      defineParameterInjection(target, indexOrDescriptor, name, frozen);
      return undefined;
    }

    // Legacy field (`declare` or plain) or `accessor`: (prototype, key, descriptor?)
    if ((typeof keyOrContext === "string" || typeof keyOrContext === "symbol") && typeof target === "object" && target !== null) {
      const descriptor = promptAccessor(keyOrContext, name, frozen);
      recordInjection(target.constructor, { name, options: frozen, propertyKey: keyOrContext });
      if (indexOrDescriptor === undefined) {
        Object.defineProperty(target, keyOrContext, descriptor);
        return undefined;
      }
      return descriptor; // `accessor` field: replaces the generated get/set
    }
    if (typeof target === "function") {
      throw new LangfuseValidationError(`@Prompt('${name}') cannot decorate static members`);
    }
    throw new LangfuseValidationError(`@Prompt('${name}') can decorate fields, accessors and constructor parameters`);
  }
  return decorator as PromptDecorator;
}

/** The `@Prompt` injections recorded on a class (fields and constructor parameters). */
export function getPromptInjections(target: Function): PromptInjection[] {
  const own = R.getOwnMetadata?.(PROMPT_INJECTIONS_METADATA, target) as PromptInjection[] | undefined;
  return own ? [...own] : [];
}

function promptAccessor(key: string | symbol, name: string, options: PromptRefOptions): PropertyDescriptor {
  // Per-instance storage under a private symbol: the ref is made on first read, and an explicit
  // assignment (tests, manual wiring) replaces it.
  const slot = Symbol(`@Prompt(${String(key)})`);
  return {
    configurable: true,
    enumerable: false,
    get(this: Record<symbol, unknown>): unknown {
      const existing = Object.prototype.hasOwnProperty.call(this, slot) ? this[slot] : undefined;
      if (existing !== undefined) return existing;
      const ref = new PromptRef(name, options, defaultSource);
      Object.defineProperty(this, slot, { value: ref, writable: true, configurable: true, enumerable: false });
      return ref;
    },
    set(this: Record<symbol, unknown>, value: unknown): void {
      Object.defineProperty(this, slot, { value, writable: true, configurable: true, enumerable: false });
    },
  };
}

function defineParameterInjection(ctor: Function, index: number, name: string, options: PromptRefOptions): void {
  if (typeof R.defineMetadata !== "function" || typeof R.getOwnMetadata !== "function") {
    throw new LangfuseError("CONFIG", `@Prompt('${name}') on a constructor parameter needs reflect-metadata: import "reflect-metadata" (or this package) before your classes`);
  }
  const tokens = (R.getOwnMetadata(TSYRINGE_PARAM_TOKENS, ctor) as Record<number, unknown> | undefined) ?? {};
  tokens[index] = { token: LANGFUSE_CLIENT, transform: LANGFUSE_PROMPT_REF_TRANSFORM, transformArgs: [name, options] };
  R.defineMetadata(TSYRINGE_PARAM_TOKENS, tokens, ctor);
  const nestDeps = (R.getOwnMetadata(NEST_PARAM_TOKENS, ctor) as Array<{ index: number; param: unknown }> | undefined) ?? [];
  R.defineMetadata(NEST_PARAM_TOKENS, [...nestDeps, { index, param: promptRefToken(name, options) }], ctor);
  recordInjection(ctor, { name, options, parameterIndex: index });
}

function recordInjection(ctor: Function, injection: PromptInjection): void {
  if (typeof R.defineMetadata !== "function" || typeof R.getOwnMetadata !== "function") return;
  const list = (R.getOwnMetadata(PROMPT_INJECTIONS_METADATA, ctor) as PromptInjection[] | undefined) ?? [];
  R.defineMetadata(PROMPT_INJECTIONS_METADATA, [...list, injection], ctor);
}

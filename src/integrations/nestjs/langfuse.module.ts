import { Module, type DynamicModule, type Provider } from "@nestjs/common";
import { APP_INTERCEPTOR, DiscoveryModule } from "@nestjs/core";
import { Langfuse } from "../../client/langfuse";
import { LANGFUSE_CLIENT, getPromptRefTokens } from "../../di/tokens";
import { LangfuseValidationError } from "../../errors";
import { PromptRef } from "../../prompts/prompt-ref";
import { LangfuseExperiments } from "./langfuse-experiments";
import { LangfuseLifecycle } from "./langfuse-lifecycle";
import { LangfuseInterceptor } from "./langfuse.interceptor";
import type { LangfuseModuleAsyncOptions, LangfuseModuleOptions, LangfuseModuleRegistration } from "./options";
import { LANGFUSE_MODULE_OPTIONS } from "./tokens";

function createClient(options: LangfuseModuleOptions): Langfuse {
  if (options === null || typeof options !== "object") {
    throw new LangfuseValidationError("LangfuseModule: the options (or forRootAsync's useFactory result) must be an object");
  }
  // `interceptor` configures LangfuseInterceptor, not the client.
  const { client, interceptor: _interceptorOptions, ...clientOptions } = options;
  if (client !== undefined) {
    if (!(client instanceof Langfuse)) throw new LangfuseValidationError("LangfuseModule: `client` must be a Langfuse instance");
    return client;
  }
  return new Langfuse(clientOptions);
}

/**
 * One provider per `@Prompt(name, options)` constructor parameter defined so far: `@Prompt`
 * tags the parameter with a deterministic token (Nest's `@Inject(token)` metadata), and each
 * token resolves to a PromptRef on the module's client. Read when Nest scans the module (the
 * getter below), so classes defined after `forRoot()` was evaluated are covered too.
 */
function promptRefProviders(): Provider[] {
  return getPromptRefTokens().map(({ token, name, options }) => ({
    provide: token,
    useFactory: (client: Langfuse) => new PromptRef(name, options, client),
    inject: [Langfuse],
  }));
}

function build(optionsProvider: Provider, registration: LangfuseModuleRegistration, imports: DynamicModule["imports"]): DynamicModule {
  const fixed: Provider[] = [
    optionsProvider,
    { provide: Langfuse, useFactory: createClient, inject: [LANGFUSE_MODULE_OPTIONS] },
    { provide: LANGFUSE_CLIENT, useExisting: Langfuse },
    LangfuseLifecycle,
    LangfuseInterceptor,
    LangfuseExperiments,
  ];
  if (registration.traceRequests) fixed.push({ provide: APP_INTERCEPTOR, useExisting: LangfuseInterceptor });
  const fixedExports = [Langfuse, LANGFUSE_CLIENT, LANGFUSE_MODULE_OPTIONS, LangfuseInterceptor, LangfuseExperiments];
  const mod: DynamicModule = {
    module: LangfuseModule,
    global: registration.isGlobal !== false,
    imports: [DiscoveryModule, ...(imports ?? [])],
  };
  Object.defineProperty(mod, "providers", { enumerable: true, get: () => [...fixed, ...promptRefProviders()] });
  Object.defineProperty(mod, "exports", { enumerable: true, get: () => [...fixedExports, ...getPromptRefTokens().map((t) => t.token)] });
  return mod;
}

/**
 * The Langfuse client for a Nest app, global by default:
 *
 *     @Module({ imports: [LangfuseModule.forRoot({ publicKey, secretKey, baseUrl })] })
 *     @Module({ imports: [LangfuseModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService],
 *                   useFactory: (config: ConfigService) => ({ publicKey: config.get("LANGFUSE_PUBLIC_KEY") }) })] })
 *
 * Provides the `Langfuse` client (inject it by class, or with `@Inject(LANGFUSE_CLIENT)`), a
 * `PromptRef` for every `@Prompt(name)` constructor parameter, `LangfuseInterceptor` (one trace
 * per HTTP request; global with `traceRequests: true`) and `LangfuseExperiments` (runs the
 * `@ExperimentSuite` providers). On application shutdown the client is flushed (and shut
 * down when the module created it).
 */
// Not @Global(): the class decorator would win over `isGlobal: false`; the dynamic module's
// `global` flag decides.
@Module({})
export class LangfuseModule {
  static forRoot(options: LangfuseModuleOptions = {}, registration: LangfuseModuleRegistration = {}): DynamicModule {
    return build({ provide: LANGFUSE_MODULE_OPTIONS, useValue: options }, registration, []);
  }

  static forRootAsync(options: LangfuseModuleAsyncOptions): DynamicModule {
    if (!options || typeof options.useFactory !== "function") {
      throw new LangfuseValidationError("LangfuseModule.forRootAsync needs a useFactory function");
    }
    const optionsProvider: Provider = {
      provide: LANGFUSE_MODULE_OPTIONS,
      useFactory: options.useFactory as (...args: unknown[]) => LangfuseModuleOptions | Promise<LangfuseModuleOptions>,
      inject: (options.inject ?? []) as never[],
    };
    return build(optionsProvider, options, options.imports);
  }
}

import type { ExecutionContext, ModuleMetadata } from "@nestjs/common";
import type { Langfuse } from "../../client/langfuse";
import type { LangfuseOptions } from "../../config/options";

/** What the request trace records about who made the request. */
export interface RequestTraceAttributes {
  userId?: string;
  sessionId?: string;
  tags?: string[];
  /** String values only (they propagate to every observation of the request). */
  metadata?: Record<string, string>;
}

export interface LangfuseInterceptorOptions {
  /**
   * Who made the request. Default: `req.user.id` (or `sub` / `userId`) when a string, and the
   * `x-session-id` header as the session. Return undefined to record neither.
   */
  extract?: (context: ExecutionContext) => RequestTraceAttributes | undefined;
  /** Record `{ params, query, body }` as the trace input (default true). */
  captureInput?: boolean;
  /** Record the handler's return value as the trace output (default true). */
  captureOutput?: boolean;
}

export interface LangfuseModuleOptions extends LangfuseOptions {
  /** Use this client instead of creating one from the options (the module then only flushes it on shutdown). */
  client?: Langfuse;
  /** Options of `LangfuseInterceptor` (applied wherever the interceptor is used). */
  interceptor?: LangfuseInterceptorOptions;
}

/** Static (module-definition time) settings shared by forRoot and forRootAsync. */
export interface LangfuseModuleRegistration {
  /** Register the module globally (default true): every module can inject the client. */
  isGlobal?: boolean;
  /** Register `LangfuseInterceptor` as a global interceptor (APP_INTERCEPTOR): one trace per HTTP request. */
  traceRequests?: boolean;
}

export interface LangfuseModuleAsyncOptions extends LangfuseModuleRegistration, Pick<ModuleMetadata, "imports"> {
  useFactory: (...args: never[]) => LangfuseModuleOptions | Promise<LangfuseModuleOptions>;
  inject?: Array<string | symbol | Function>;
}

/**
 * NestJS integration (`langfuse-decorators/nestjs`): `LangfuseModule`, `LangfuseInterceptor`,
 * `LangfuseExperiments`. `@nestjs/common` and `@nestjs/core` are optional peers of the package.
 */
export { LangfuseModule } from "./langfuse.module";
export { LangfuseInterceptor } from "./langfuse.interceptor";
export { LangfuseExperiments, type NestRunSuitesOptions } from "./langfuse-experiments";
export { LangfuseLifecycle } from "./langfuse-lifecycle";
export { LANGFUSE_MODULE_OPTIONS } from "./tokens";
export { LANGFUSE_CLIENT, promptRefToken } from "../../di/tokens";
export type { LangfuseModuleOptions, LangfuseModuleAsyncOptions, LangfuseModuleRegistration, LangfuseInterceptorOptions, RequestTraceAttributes } from "./options";
export { nestSuiteContainer, type NestSuiteContainer } from "./suite-container";

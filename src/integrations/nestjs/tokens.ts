/** Injection token of the options `LangfuseModule.forRoot` / `forRootAsync` resolved. */
export const LANGFUSE_MODULE_OPTIONS = Symbol.for("langfuse-decorators:nestjs:LangfuseModuleOptions");

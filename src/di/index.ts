export { registerLangfuse, resolveLangfuse } from "./register-langfuse";
export type { RegisterLangfuseOptions } from "./register-langfuse";
export { LANGFUSE_CLIENT, LANGFUSE_PROMPT_REF_TRANSFORM } from "./tokens";
export type { TypedToken, PromptRefTransform } from "./tokens";

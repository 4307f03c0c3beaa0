/**
 * `langfuse-decorators/langchain`: a LangChain / LangGraph callback handler
 * (`@langchain/core` is an optional peer dependency). The main entry never loads this module.
 */
export { CallbackHandler, toChatMessage } from "./callback-handler";
export type { CallbackHandlerOptions } from "./callback-handler";

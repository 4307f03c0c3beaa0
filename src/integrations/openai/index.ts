/**
 * `langfuse-decorators/openai`: tracing for the official `openai` SDK (an optional peer
 * dependency, versions 6 and 7). The main entry never loads this module.
 */
export { observeOpenAI } from "./observe-openai";
export type { ObserveOpenAIOptions } from "./observe-openai";

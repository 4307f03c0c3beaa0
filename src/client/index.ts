export { Langfuse, type FlushResult } from "./langfuse";
export { getClient } from "./get-client";
export type { Flushable, FlushReport } from "../flushable";

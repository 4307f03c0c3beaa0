import type { ResolvedConfig } from "../../config/types";
import { setStandaloneExportTarget } from "../../tracing/span-processor";
import type { Backend } from "./backend";
import { createHttpBackend } from "./http-backend";
import { createLocalBackend } from "./local-backend";

/**
 * The one place that reads `config.mode`: keys set → a Langfuse server over HTTP; no keys → the
 * embedded store. Throws a LangfuseError("CONFIG") when the embedded store cannot be opened.
 */
export function createBackend(config: ResolvedConfig): Backend {
  return config.mode === "http" ? createHttpBackend(config) : createLocalBackend(config);
}

// A `new LangfuseSpanProcessor()` built without a client (your own NodeSDK) exports where a
// client with the same options would.
setStandaloneExportTarget((config) => {
  const backend = createBackend(config);
  return { exporter: backend.createSpanExporter(), describe: () => backend.describe(), shutdown: () => backend.shutdown() };
});

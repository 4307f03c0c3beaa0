import type { LangfuseApi } from "../../api/langfuse-api";
import type * as T from "../../api/types";
import { PROJECT_ID } from "./datasets";

/**
 * The embedded store is one project: "local", the projectId every local record reports
 * (datasets, traces' htmlPath, sessions). The local server's GET /api/public/projects answers
 * this same object through LocalApi, so the embedded and the served mode agree.
 */
export const LOCAL_PROJECT: Readonly<T.Project> = Object.freeze({
  id: PROJECT_ID,
  name: "Local project",
  organization: Object.freeze({ id: "local", name: "Local" }),
  metadata: Object.freeze({}),
});

export function localProjects(): LangfuseApi["projects"] {
  return {
    // A fresh copy per call: callers may mutate what they get.
    get: async () => ({
      data: [{ ...LOCAL_PROJECT, organization: { ...LOCAL_PROJECT.organization }, metadata: {} }],
    }),
  };
}

/**
 * Where `npx langfuse-decorators serve` listens by default (`--host 127.0.0.1 --port 3000`).
 * In local mode `getTraceUrl()` builds on it: `http://127.0.0.1:3000/project/local/traces/<id>`,
 * which the local server answers with the trace (Basic auth with its keys).
 */
export const LOCAL_SERVER_DEFAULT_URL = "http://127.0.0.1:3000";

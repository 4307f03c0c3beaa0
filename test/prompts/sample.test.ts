/**
 * `npm run sample:prompts` works: the sample runs as its own process on a fresh embedded store
 * and reports the generation links it made.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tempDir } from "./helpers";

describe("samples/prompts", () => {
  it("runs twice on the embedded store, promoting a new version each time", () => {
    const tmp = tempDir("lf-sample-");
    try {
      const run = () =>
        spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), join(__dirname, "../../samples/prompts/main.ts")], {
          cwd: tmp.dir,
          env: { ...process.env, LANGFUSE_LOCAL_DB: join(tmp.dir, "sample.db"), LANGFUSE_PUBLIC_KEY: "", LANGFUSE_SECRET_KEY: "", TS_NODE_PROJECT: join(__dirname, "../../tsconfig.json") },
          encoding: "utf8",
          timeout: 120_000,
        });
      const first = run();
      expect(first.status).toBe(0);
      expect(first.stdout).toContain("movie-critic: version 2 promoted to production");
      expect(first.stdout).toContain("MovieCriticService.review: movie-critic v2");
      expect(first.stdout).toContain("SupportService.answer: support/assistant v1");
      expect(first.stdout).toContain("SupportService.escalate: (not linked: fallback prompt)");
      const second = run();
      expect(second.status).toBe(0);
      expect(second.stdout).toContain("MovieCriticService.review: movie-critic v4");
    } finally {
      tmp.remove();
    }
  }, 240_000);
});

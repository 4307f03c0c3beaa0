import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

describe("npm run demo", () => {
  it("traces the sample app into the embedded store and prints the stored tree", () => {
    const dir = mkdtempSync(join(tmpdir(), "lf-demo-"));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, LANGFUSE_LOCAL_DB: join(dir, "demo.db") };
      delete env.LANGFUSE_PUBLIC_KEY;
      delete env.LANGFUSE_SECRET_KEY;
      const run = spawnSync("npm", ["run", "--silent", "demo"], { cwd: ROOT, encoding: "utf8", env, timeout: 120_000 });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/trace id: [0-9a-f]{32}/);
      expect(run.stdout).toContain("spans delivered: 5, dropped: 0, failed: 0");
      expect(run.stdout).toContain('stored trace "support-question" for user demo-user');
      expect(run.stdout).toMatch(/- agent SupportAgent\.answer\n\s+- tool DocSearch\.search\n\s+- generation FakeChatModel\.complete {2}model=demo-chat-1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

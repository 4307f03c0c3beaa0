import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExperimentCli } from "../../../src/cli/experiment";
import { LocalApi, openLocalStore } from "../../../src/local";

test("langfuse-decorators experiment runs a suite resolved through a Nest app context and records with the app's client", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lf-nestcli-"));
  const saved = { ...process.env };
  delete process.env.LANGFUSE_PUBLIC_KEY;
  delete process.env.LANGFUSE_SECRET_KEY;
  process.env.LANGFUSE_LOCAL_DB = join(dir, "langfuse.db");
  const info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  try {
    let stdout = "";
    let stderr = "";
    const code = await runExperimentCli([join(__dirname, "fixtures", "nest-suite.fixture.ts"), "--no-progress"], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: join(__dirname, "..", "..", ".."),
      env: {},
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("━━ nest-shout ━━");
    expect(stdout).toContain("✔ nest-shout: PASSED");
    const store = openLocalStore(join(dir, "langfuse.db"));
    try {
      const traces = (await new LocalApi(store).traces.list({ limit: 10 })).data;
      expect(traces.length).toBe(2);
    } finally {
      store.close();
    }
  } finally {
    process.env = saved;
    info.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
});

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExperimentCli, type ExperimentCliIo } from "../../src/cli/experiment";

const ROOT = join(__dirname, "..", "..");
const FIX = join(__dirname, "fixtures");

let dir: string;
const savedEnv = { ...process.env };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lf-cli-"));
  // No keys: the default client records to an embedded store in the temp dir.
  delete process.env.LANGFUSE_PUBLIC_KEY;
  delete process.env.LANGFUSE_SECRET_KEY;
  process.env.LANGFUSE_LOCAL_DB = join(dir, "langfuse.db");
});
afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const io: ExperimentCliIo = { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: ROOT, env };
  const code = await runExperimentCli(argv, io);
  return { code, stdout, stderr };
}

describe("langfuse-decorators experiment (in process)", () => {
  it("exit 0 when every gate passes; writes JSON, JUnit and the GitHub step summary", async () => {
    const summary = join(dir, "summary.md");
    const r = await cli([join(FIX, "passing.fixture.ts"), "--json", join(dir, "out/report.json"), "--junit", join(dir, "out/junit.xml"), "--no-progress"], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("━━ shout-suite ━━");
    expect(r.stdout).toContain("  exact  2  1.000  1.000  1.000");
    expect(r.stdout).toMatch(/exact_rate\s+min\s+1\.000\s+0\.9\s+pass/);
    expect(r.stdout).toContain("✔ shout-suite: PASSED\nPASS: 1 suite(s) passed");

    const json = JSON.parse(readFileSync(join(dir, "out/report.json"), "utf8"));
    expect(json).toMatchObject({ exitCode: 0, passed: true, suites: [{ name: "shout-suite", status: "passed", items: 2, failedItems: 0 }] });
    expect(json.suites[0].checks.map((c: { score: string; kind: string }) => `${c.score}.${c.kind}`)).toEqual(["exact.mean", "exact.min", "exact_rate.min"]);
    const junit = readFileSync(join(dir, "out/junit.xml"), "utf8");
    expect(junit).toContain('<testsuite name="shout-suite" tests="3" failures="0" errors="0"');
    expect(junit).toContain('<testcase classname="shout-suite" name="exact mean"/>');
    expect(readFileSync(summary, "utf8")).toContain("## Experiments: ✅ passed");
  });

  it("exit 1 when a gate fails; the verdict names the failing check", async () => {
    const r = await cli([join(FIX, "failing.fixture.ts"), "--json", join(dir, "r.json"), "--junit", join(dir, "j.xml"), "--no-progress"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✖ length-suite: FAILED\n    - short passRate: 1/3 items >= 1 (33.3%), needs >= 50.0% (missing or non-numeric on 1 of 3)");
    expect(r.stderr).toContain("✔ always-fine: PASSED");
    expect(r.stderr).toContain("FAIL: a quality gate failed (exit 1)");
    expect(r.stdout).toContain("• item 3: task failed: model timed out");
    const json = JSON.parse(readFileSync(join(dir, "r.json"), "utf8"));
    expect(json.exitCode).toBe(1);
    expect(json.suites[0].itemErrors).toEqual([expect.objectContaining({ index: 2, error: "model timed out" })]);
    expect(readFileSync(join(dir, "j.xml"), "utf8")).toContain('<failure message="1/3 items &gt;= 1 (33.3%), needs &gt;= 50.0% (missing or non-numeric on 1 of 3)"/>');
  });

  it("--fail-on-error turns task errors into a gate failure; --filter selects suites", async () => {
    const onlyFine = await cli([join(FIX, "failing.fixture.ts"), "--filter", "/^always/", "--no-progress"]);
    expect(onlyFine.code).toBe(0);
    expect(onlyFine.stdout).not.toContain("length-suite");
    const strict = await cli([join(FIX, "failing.fixture.ts"), "--filter", "length", "--fail-on-error", "--no-progress"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("    - 1 item(s) failed");
  });

  it("exit 2 for load errors, unknown options, no files and no matching suite", async () => {
    const broken = await cli([join(FIX, "broken.fixture.ts"), "--json", join(dir, "e.json")]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/✖ ERROR: loading .*broken\.fixture\.ts failed: Invalid @ExperimentSuite\("broken"\): dataset: give exactly one of dataset or data \(exit 2\)/);
    expect(JSON.parse(readFileSync(join(dir, "e.json"), "utf8"))).toMatchObject({ exitCode: 2, passed: false, suites: [] });

    expect((await cli(["--bogus"])).code).toBe(2);
    expect((await cli(["--json"])).stderr).toContain("--json needs a value");
    const none = await cli([join(dir, "nothing-here/*.eval.ts")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no suite files found");
    const unmatched = await cli([join(FIX, "failing.fixture.ts"), "--filter", "zzz"]);
    expect(unmatched.code).toBe(2);
    expect(unmatched.stderr).toContain("No experiment suites matched");
  });

  it("exit 2 when a threshold is malformed, at declaration or when run; the verdict names the path", async () => {
    const header = `import { ExperimentSuite, Task, Evaluator, getSuiteOptions } from ${JSON.stringify(join(ROOT, "src"))};`;
    // acc is 0 on every item: a gate that silently passed would be visible as exit 0.
    const body = (thresholds: string) => `
      @ExperimentSuite({ name: "zero-acc", data: [{ input: 1 }], thresholds: ${thresholds} })
      export class S { @Task() run() { return 1; } @Evaluator() acc() { return { name: "acc", value: 0 }; } }`;
    const declared = join(dir, "declared.eval.ts");
    writeFileSync(declared, `${header}\n${body("{ acc: {} as never }")}`);
    const atLoad = await cli([declared, "--no-progress", "--json", join(dir, "d.json")]);
    expect(atLoad.code).toBe(2);
    expect(atLoad.stderr).toMatch(/✖ ERROR: loading .*declared\.eval\.ts failed: Invalid @ExperimentSuite\("zero-acc"\): thresholds\.acc: needs at least one condition/);
    expect(JSON.parse(readFileSync(join(dir, "d.json"), "utf8"))).toMatchObject({ exitCode: 2, passed: false });

    const typo = join(dir, "typo.eval.ts");
    writeFileSync(typo, `${header}\n${body("{ acc: { meen: 0.9 } as never }")}`);
    const misspelt = await cli([typo, "--no-progress"]);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain("thresholds.acc.meen: unknown condition");

    // Declared valid, changed before the run: runSuites rejects it and decideVerdict says exit 2.
    const mutated = join(dir, "mutated.eval.ts");
    writeFileSync(mutated, `${header}\n${body("{ acc: { mean: 0.9 } }")}\n(getSuiteOptions(S) as any).thresholds = { acc: { mean: "0.9" } };`);
    const atRun = await cli([mutated, "--no-progress"]);
    expect(atRun.code).toBe(2);
    expect(atRun.stderr).toContain('✖ zero-acc: ERROR Invalid thresholds of suite "zero-acc": thresholds.acc.mean: must be a finite number');
    expect(atRun.stderr).toContain("ERROR: a suite could not run (exit 2)");
  });

  it("finds **/*.eval.ts by default, skipping node_modules", async () => {
    const project = join(dir, "project");
    const suite = (name: string) => `
      import { ExperimentSuite, Task, Evaluator } from ${JSON.stringify(join(ROOT, "src"))};
      @ExperimentSuite({ name: ${JSON.stringify(name)}, data: [{ input: 1 }], thresholds: { ok: { mean: 1 } } })
      export class S { @Task() run() { return 1; } @Evaluator() ok() { return { name: "ok", value: 1 }; } }
    `;
    mkdirSync(join(project, "src/evals"), { recursive: true });
    mkdirSync(join(project, "node_modules/dep"), { recursive: true });
    writeFileSync(join(project, "src/evals/found.eval.ts"), suite("found-by-glob"));
    writeFileSync(join(project, "node_modules/dep/hidden.eval.ts"), suite("must-not-run"));
    let stdout = "";
    const code = await runExperimentCli(["--no-progress"], { stdout: (t) => (stdout += t), stderr: (t) => (stdout += t), cwd: project, env: {} });
    expect(code).toBe(0);
    expect(stdout).toContain("✔ found-by-glob: PASSED");
    expect(stdout).not.toContain("must-not-run");
  });

  it("prints usage with --help", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: langfuse-decorators experiment");
  });
});

describe("langfuse-decorators experiment (real processes)", () => {
  const env = () => ({ ...process.env, LANGFUSE_LOCAL_DB: join(dir, "proc.db"), TS_NODE_PROJECT: join(ROOT, "tsconfig.json"), TS_NODE_TRANSPILE_ONLY: "true" });

  it("the binary's exit code is the verdict's (0 and 1) under ts-node", () => {
    const pass = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "src/cli/main.ts", "experiment", "test/cli/fixtures/passing.fixture.ts", "--no-progress"], { cwd: ROOT, env: env(), encoding: "utf8", timeout: 120_000 });
    expect(pass.stdout).toContain("PASS: 1 suite(s) passed");
    expect(pass.status).toBe(0);
    const fail = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "src/cli/main.ts", "experiment", "test/cli/fixtures/failing.fixture.ts"], { cwd: ROOT, env: env(), encoding: "utf8", timeout: 120_000 });
    expect(fail.stderr).toContain("FAIL: a quality gate failed (exit 1)");
    expect(fail.status).toBe(1);
  });

  it("the built-in TypeScript loader keeps decorator metadata (constructor injection without @injectable)", () => {
    // ts-node compiles the CLI itself, then its .ts hook is removed so suite files go through
    // registerTypeScriptLoader's transpileModule path.
    const boot = join(dir, "boot.js");
    writeFileSync(
      boot,
      `require(${JSON.stringify(join(ROOT, "node_modules/ts-node"))}).register({ transpileOnly: true, project: ${JSON.stringify(join(ROOT, "tsconfig.json"))} });
       const { runExperimentCli } = require(${JSON.stringify(join(ROOT, "src/cli/experiment.ts"))});
       const { registerTypeScriptLoader } = require(${JSON.stringify(join(ROOT, "src/cli/ts-loader.ts"))});
       delete require.extensions[".ts"];
       const mode = registerTypeScriptLoader(${JSON.stringify(ROOT)});
       process.stdout.write("loader=" + mode + "\\n");
       runExperimentCli([${JSON.stringify(join(FIX, "injected.fixture.ts"))}, "--no-progress"], {
         stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), cwd: ${JSON.stringify(ROOT)}, env: process.env,
       }).then((code) => { process.exitCode = code; });`,
    );
    const r = spawnSync(process.execPath, [boot], { cwd: ROOT, env: env(), encoding: "utf8", timeout: 120_000 });
    expect(r.stdout).toContain("loader=typescript");
    expect(r.stdout).toContain("✔ double-suite: PASSED");
    expect(r.status).toBe(0);
  });
});

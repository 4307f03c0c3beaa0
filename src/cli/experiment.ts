import { appendFileSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { globSync } from "tinyglobby";
import { getRegisteredSuites, getSuiteOptions, type SuiteClass } from "../experiments/suites/suite-registry";
import type { Langfuse } from "../client/langfuse";
import { resolveClient } from "../di/resolve-client";
import {
  decideVerdict,
  errorVerdict,
  formatGateTable,
  toJsonReport,
  toJUnit,
  toMarkdownSummary,
  type Verdict,
} from "../experiments/suites/suite-report";
import { runSuites, type DiContainer, type SuiteRunReport } from "../experiments/suites/suite-runner";
import type { CliCommand } from "./command";
import { registerTypeScriptLoader } from "./ts-loader";
import { errorMessage } from "../errors";

/** Suite files looked for when no files or globs are given. */
export const DEFAULT_SUITE_GLOBS = ["**/*.eval.ts", "**/*.experiment.ts"];

const USAGE = `Usage: langfuse-decorators experiment [files or globs...] [options]

Loads TypeScript (or JavaScript) files declaring @ExperimentSuite classes, runs every suite,
prints its results and threshold checks, and exits with:
  0  every suite passed its thresholds
  1  a quality gate failed (threshold not met, a score missing, no results,
     or with --fail-on-error a task/evaluator error)
  2  a runtime or configuration error (a file failed to load, a suite could not run,
     no suite matched)

Default files: ${DEFAULT_SUITE_GLOBS.join(", ")} (node_modules and dist ignored).
A suite file may export \`container\` (any object with resolve(token), or a promise of one;
a close() method is called at the end) to resolve suites through your DI container (Nest:
nestSuiteContainer from langfuse-decorators/nestjs); otherwise suites are constructed without
arguments.
Data goes to the client configured by LANGFUSE_* (the embedded store when no keys are set).

Options:
  --filter <text|/regex/>  run only suites whose name contains the text / matches the regex
  --fail-on-error          task or evaluator errors fail the gate
  --json <file>            write a JSON report
  --junit <file>           write a JUnit XML report
  --no-progress            no progress bars
  -h, --help               this help

GITHUB_STEP_SUMMARY, when set, receives a Markdown summary.`;

export interface ExperimentCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

interface ParsedArgs {
  patterns: string[];
  filter?: string | RegExp;
  failOnError: boolean;
  json?: string;
  junit?: string;
  progress?: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { patterns: [], failOnError: false, help: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") out.help = true;
    else if (a === "--fail-on-error") out.failOnError = true;
    else if (a === "--no-progress") out.progress = false;
    else if (a === "--filter") {
      const v = value(i++, a);
      const m = /^\/(.+)\/([a-z]*)$/.exec(v);
      out.filter = m ? new RegExp(m[1], m[2]) : v;
    } else if (a === "--json") out.json = value(i++, a);
    else if (a === "--junit") out.junit = value(i++, a);
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else out.patterns.push(a);
  }
  return out;
}

/** Files named explicitly are taken as they are; everything else is a glob. */
function findFiles(patterns: string[], cwd: string): string[] {
  const files = new Set<string>();
  const globs: string[] = [];
  for (const p of patterns.length ? patterns : DEFAULT_SUITE_GLOBS) {
    const abs = isAbsolute(p) ? p : resolve(cwd, p);
    if (existsSync(abs) && statSync(abs).isFile()) files.add(abs);
    else globs.push(p);
  }
  if (globs.length) {
    for (const f of globSync(globs, { cwd, absolute: true, ignore: ["**/node_modules/**", "**/dist/**"] })) files.add(f);
  }
  return [...files].sort();
}

function isContainer(x: unknown): x is DiContainer {
  return typeof x === "object" && x !== null && typeof (x as { resolve?: unknown }).resolve === "function";
}

/**
 * `langfuse-decorators experiment`: resolves to the exit code. Every outcome (including load
 * errors) goes through a Verdict, so what is printed and the exit code always agree.
 */
export async function runExperimentCli(argv: string[], io: ExperimentCliIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.stderr(`langfuse-decorators experiment: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }

  let report: SuiteRunReport | undefined;
  let verdict: Verdict;
  let client: Langfuse | undefined;
  let container: DiContainer | undefined;
  try {
    const files = findFiles(args.patterns, io.cwd);
    if (files.length === 0) throw new Error(`no suite files found for ${(args.patterns.length ? args.patterns : DEFAULT_SUITE_GLOBS).join(", ")}`);
    registerTypeScriptLoader(io.cwd);

    const before = new Set(getRegisteredSuites().map((s) => s.target));
    // Suites are the classes these files registered, plus any they export (a module served
    // from a cache does not register again).
    const exportedSuites = new Set<SuiteClass>();
    for (const file of files) {
      let mod: Record<string, unknown>;
      try {
        // A fresh load each run, so suites are registered again when called twice in one process.
        delete require.cache[require.resolve(file)];
        mod = require(file) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`loading ${file} failed: ${errorMessage(error)}`);
      }
      for (const value of Object.values(mod)) {
        if (typeof value === "function" && getSuiteOptions(value)) exportedSuites.add(value as SuiteClass);
      }
      // A container may be a promise (a DI framework that boots asynchronously, e.g. Nest).
      const exported: unknown = await (mod.container ?? (mod.default as Record<string, unknown> | undefined)?.container);
      if (!container && isContainer(exported)) container = exported;
    }
    const suites: SuiteClass[] = getRegisteredSuites()
      .map((s) => s.target)
      .filter((t) => !before.has(t) || exportedSuites.has(t));
    if (suites.length === 0) throw new Error(`no @ExperimentSuite classes in ${files.length} file(s)`);

    client = resolveClient(container);
    report = await runSuites({
      langfuse: client,
      suites,
      failOnError: args.failOnError,
      ...(container ? { container } : {}),
      ...(args.filter !== undefined ? { filter: args.filter } : {}),
      ...(args.progress !== undefined ? { progress: args.progress } : {}),
    });
    for (const o of report.outcomes) {
      io.stdout(`\n━━ ${o.name} ━━\n`);
      if (o.result) io.stdout(`${o.result.format()}\n\n${formatGateTable(o)}\n`);
      if (o.error) io.stdout(`✖ could not run: ${o.error}\n`);
    }
    verdict = decideVerdict(report);
  } catch (error) {
    verdict = errorVerdict(errorMessage(error));
  } finally {
    // The CLI owns the process: deliver everything and release the store so it can exit; a
    // container with close() (an application context) is closed too.
    if (client) await client.shutdown();
    const closable = container as { close?: () => unknown } | undefined;
    if (typeof closable?.close === "function") await Promise.resolve(closable.close()).catch(() => undefined);
  }

  (verdict.exitCode === 0 ? io.stdout : io.stderr)(`\n${verdict.text}\n`);
  const empty: SuiteRunReport = { outcomes: [], passed: false };
  try {
    if (args.json) writeOut(resolve(io.cwd, args.json), JSON.stringify({ ...toJsonReport(report ?? empty, verdict), ...(report ? {} : { error: verdict.text }) }, null, 2) + "\n");
    if (args.junit) writeOut(resolve(io.cwd, args.junit), toJUnit(report ?? empty));
    if (io.env.GITHUB_STEP_SUMMARY) appendFileSync(io.env.GITHUB_STEP_SUMMARY, toMarkdownSummary(report ?? empty, verdict) + (report ? "" : `\n${verdict.text}\n`));
  } catch (error) {
    io.stderr(`langfuse-decorators experiment: writing a report failed: ${errorMessage(error)}\n`);
    return 2;
  }
  return verdict.exitCode;
}

function writeOut(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

export const experimentCommand: CliCommand = {
  summary: "run @ExperimentSuite files and gate on their thresholds (exit 0 pass, 1 gate failed, 2 error)",
  run: (argv: string[]): Promise<number> =>
    runExperimentCli(argv, {
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(s),
      cwd: process.cwd(),
      env: process.env,
    }),
};

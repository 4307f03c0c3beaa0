import type { SuiteOutcome, SuiteRunReport } from "./suite-runner";

/** 0: every gate passed. 1: a gate failed. 2: a suite could not run (runtime/config error) or none was selected. */
export type ExitCode = 0 | 1 | 2;

export interface Verdict {
  exitCode: ExitCode;
  /** The human verdict, exactly what the CLI prints last. */
  text: string;
}

/**
 * The one place that decides the outcome of a suite run: the printed verdict and the exit code
 * come from the same computation, so they cannot disagree.
 */
export function decideVerdict(report: SuiteRunReport): Verdict {
  const lines: string[] = [];
  let exitCode: ExitCode = 0;
  if (report.outcomes.length === 0) {
    return { exitCode: 2, text: "✖ No experiment suites matched: nothing was run (exit 2)" };
  }
  for (const o of report.outcomes) {
    const status = suiteStatus(o);
    if (status === "error") exitCode = 2;
    else if (status === "failed" && exitCode === 0) exitCode = 1;
    lines.push(`${status === "passed" ? "✔" : "✖"} ${o.name}: ${status === "error" ? `ERROR ${o.error}` : status.toUpperCase()}`);
    if (o.gate && !o.gate.passed) {
      for (const p of o.gate.problems) lines.push(`    - ${p}`);
      for (const c of o.gate.checks) if (!c.passed) lines.push(`    - ${c.score} ${c.kind}: ${c.detail}`);
    }
  }
  const summary =
    exitCode === 0
      ? `PASS: ${report.outcomes.length} suite(s) passed`
      : exitCode === 1
        ? `FAIL: a quality gate failed (exit 1)`
        : `ERROR: a suite could not run (exit 2)`;
  lines.push(summary);
  return { exitCode, text: lines.join("\n") };
}

/** The verdict when suites could not even be loaded (bad files, bad options): always exit 2. */
export function errorVerdict(message: string): Verdict {
  return { exitCode: 2, text: `✖ ERROR: ${message} (exit 2)` };
}

export function suiteStatus(o: SuiteOutcome): "passed" | "failed" | "error" {
  if (o.error !== undefined || !o.result) return "error";
  return o.gate?.passed ? "passed" : "failed";
}

/** The gate table of one suite: one row per check. */
export function formatGateTable(o: SuiteOutcome): string {
  if (!o.gate) return "";
  const rows = o.gate.checks.map((c) => [c.score, c.kind, c.actual === undefined ? "missing" : c.actual.toFixed(3), c.expected.toString(), c.passed ? "pass" : "FAIL"]);
  const lines: string[] = [];
  if (rows.length) {
    const header = ["threshold", "check", "actual", "required", "result"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    lines.push(line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line));
  } else {
    lines.push("(no thresholds)");
  }
  for (const p of o.gate.problems) lines.push(`! ${p}`);
  return lines.join("\n");
}

/** Machine-readable report (`--json FILE`). */
export function toJsonReport(report: SuiteRunReport, verdict: Verdict): Record<string, unknown> {
  return {
    exitCode: verdict.exitCode,
    passed: verdict.exitCode === 0,
    suites: report.outcomes.map((o) => ({
      name: o.name,
      status: suiteStatus(o),
      error: o.error,
      runName: o.result?.runName,
      datasetRunId: o.result?.datasetRunId,
      items: o.result?.itemResults.length ?? 0,
      failedItems: o.result?.failedItems.length ?? 0,
      evaluatorErrors: o.result?.evaluatorErrorCount ?? 0,
      durationMs: o.result?.durationMs,
      scores: o.result?.scoreSummaries() ?? [],
      runEvaluations: o.result?.runEvaluations.map((e) => ({ name: e.name, value: e.value, comment: e.comment })) ?? [],
      checks: o.gate?.checks ?? [],
      problems: o.gate?.problems ?? [],
      itemErrors:
        o.result?.itemResults
          .filter((r) => r.error !== undefined || r.evaluatorErrors.length)
          .map((r) => ({ index: r.index, traceId: r.traceId, error: r.error, evaluatorErrors: r.evaluatorErrors })) ?? [],
    })),
  };
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** JUnit XML (`--junit FILE`): one testsuite per experiment suite, one testcase per gate check. */
export function toJUnit(report: SuiteRunReport): string {
  const suites = report.outcomes.map((o) => {
    const cases: string[] = [];
    const seconds = ((o.result?.durationMs ?? 0) / 1000).toFixed(3);
    if (o.error !== undefined || !o.result) {
      cases.push(`    <testcase classname="${xml(o.name)}" name="run"><error message="${xml(o.error ?? "suite did not run")}"/></testcase>`);
    } else {
      for (const p of o.gate?.problems ?? []) {
        cases.push(`    <testcase classname="${xml(o.name)}" name="${xml(p)}"><failure message="${xml(p)}"/></testcase>`);
      }
      for (const c of o.gate?.checks ?? []) {
        const name = `${c.score} ${c.kind}`;
        cases.push(
          c.passed
            ? `    <testcase classname="${xml(o.name)}" name="${xml(name)}"/>`
            : `    <testcase classname="${xml(o.name)}" name="${xml(name)}"><failure message="${xml(c.detail)}"/></testcase>`,
        );
      }
      if (cases.length === 0) cases.push(`    <testcase classname="${xml(o.name)}" name="run"/>`);
    }
    const failures = cases.filter((c) => c.includes("<failure")).length;
    const errors = cases.filter((c) => c.includes("<error")).length;
    return `  <testsuite name="${xml(o.name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds}">\n${cases.join("\n")}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="langfuse-decorators experiments">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** Markdown for `$GITHUB_STEP_SUMMARY`. */
export function toMarkdownSummary(report: SuiteRunReport, verdict: Verdict): string {
  const out = [`## Experiments: ${verdict.exitCode === 0 ? "✅ passed" : verdict.exitCode === 1 ? "❌ gate failed" : "⚠️ error"}`, ""];
  out.push("| suite | status | items | failed | score | value | required |", "|---|---|---|---|---|---|---|");
  for (const o of report.outcomes) {
    const status = suiteStatus(o);
    const items = o.result?.itemResults.length ?? 0;
    const failed = o.result?.failedItems.length ?? 0;
    const checks = o.gate?.checks ?? [];
    if (checks.length === 0) out.push(`| ${o.name} | ${status}${o.error ? `: ${o.error.replace(/\|/g, "\\|")}` : ""} | ${items} | ${failed} | | | |`);
    for (const c of checks) {
      out.push(`| ${o.name} | ${c.passed ? "pass" : "FAIL"} | ${items} | ${failed} | ${c.score} ${c.kind} | ${c.actual === undefined ? "missing" : c.actual.toFixed(3)} | ${c.expected} |`);
    }
  }
  return out.join("\n") + "\n";
}

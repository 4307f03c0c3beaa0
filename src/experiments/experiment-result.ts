import type { Evaluation } from "./evaluation";
import type { EvaluatorError, ExperimentItem, ExperimentItemResult } from "./types";

const SEPARATOR = "─".repeat(50);

/** Aggregate of one score name over the items that produced it. */
export interface ScoreSummary {
  name: string;
  /** Items with this score. */
  count: number;
  /** Numeric values only (booleans as 0/1); undefined for categorical scores. */
  mean?: number;
  min?: number;
  max?: number;
  /** Categorical values and how often each occurred. */
  categories?: Record<string, number>;
}

export interface ExperimentResultInit<I extends ExperimentItem, O> {
  name: string;
  runName: string;
  description?: string;
  experimentId: string;
  itemResults: ExperimentItemResult<I, O>[];
  runEvaluations: Evaluation[];
  runEvaluatorErrors: EvaluatorError[];
  datasetRunId?: string;
  datasetRunUrl?: string;
  durationMs: number;
}

/** The outcome of `runExperiment`: every item in input order, failures included. */
export class ExperimentResult<I extends ExperimentItem = ExperimentItem, O = unknown> {
  readonly name: string;
  readonly runName: string;
  readonly description?: string;
  /** Stable id of this run (the dataset run id for dataset experiments). */
  readonly experimentId: string;
  readonly itemResults: ExperimentItemResult<I, O>[];
  readonly runEvaluations: Evaluation[];
  readonly runEvaluatorErrors: EvaluatorError[];
  readonly datasetRunId?: string;
  readonly datasetRunUrl?: string;
  readonly durationMs: number;

  constructor(init: ExperimentResultInit<I, O>) {
    this.name = init.name;
    this.runName = init.runName;
    if (init.description !== undefined) this.description = init.description;
    this.experimentId = init.experimentId;
    this.itemResults = init.itemResults;
    this.runEvaluations = init.runEvaluations;
    this.runEvaluatorErrors = init.runEvaluatorErrors;
    if (init.datasetRunId !== undefined) this.datasetRunId = init.datasetRunId;
    if (init.datasetRunUrl !== undefined) this.datasetRunUrl = init.datasetRunUrl;
    this.durationMs = init.durationMs;
  }

  /** Items whose task failed. */
  get failedItems(): ExperimentItemResult<I, O>[] {
    return this.itemResults.filter((r) => r.error !== undefined);
  }

  /** Number of evaluator failures (item and run level). */
  get evaluatorErrorCount(): number {
    return this.itemResults.reduce((n, r) => n + r.evaluatorErrors.length, 0) + this.runEvaluatorErrors.length;
  }

  /** Per score name, in first-seen order: count, mean/min/max (numeric) or category counts. */
  scoreSummaries(): ScoreSummary[] {
    const byName = new Map<string, { count: number; nums: number[]; cats: Record<string, number> }>();
    for (const r of this.itemResults) {
      for (const e of r.evaluations) {
        let s = byName.get(e.name);
        if (!s) byName.set(e.name, (s = { count: 0, nums: [], cats: {} }));
        s.count++;
        const n = e.numericValue;
        if (n !== undefined) s.nums.push(n);
        else s.cats[String(e.value)] = (s.cats[String(e.value)] ?? 0) + 1;
      }
    }
    return [...byName].map(([name, s]) => {
      const out: ScoreSummary = { name, count: s.count };
      if (s.nums.length) {
        out.mean = s.nums.reduce((a, b) => a + b, 0) / s.nums.length;
        out.min = Math.min(...s.nums);
        out.max = Math.max(...s.nums);
      }
      if (Object.keys(s.cats).length) out.categories = s.cats;
      return out;
    });
  }

  /**
   * A readable report: per-item details (optional), then the experiment, a score table
   * (n, mean, min, max per score), run evaluations, failures and the dataset run link.
   */
  format(options: { includeItemResults?: boolean } = {}): string {
    if (this.itemResults.length === 0) return "No experiment results to display.";
    const lines: string[] = [];
    if (options.includeItemResults) {
      lines.push("");
      for (const r of this.itemResults) lines.push(...formatItem(r), "");
    } else {
      lines.push(`Individual Results: Hidden (${this.itemResults.length} items)`);
      lines.push("💡 Call format({ includeItemResults: true }) to view them", "");
    }

    lines.push(SEPARATOR);
    lines.push(`🧪 Experiment: ${this.name}`);
    lines.push(`📋 Run name: ${this.runName}${this.description ? ` - ${this.description}` : ""}`);
    const failed = this.failedItems.length;
    lines.push(`${this.itemResults.length} items${failed ? ` (${failed} failed)` : ""} in ${(this.durationMs / 1000).toFixed(2)}s`);

    const summaries = this.scoreSummaries();
    if (summaries.length) {
      lines.push("", "Scores:");
      // Categorical scores get a "values" column (value×count) instead of numbers.
      const hasCategories = summaries.some((s) => s.categories);
      const header = ["score", "n", "mean", "min", "max", ...(hasCategories ? ["values"] : [])];
      const rows = summaries.map((s) => [
        s.name,
        String(s.count),
        s.mean === undefined ? "-" : fmt(s.mean),
        s.min === undefined ? "-" : fmt(s.min),
        s.max === undefined ? "-" : fmt(s.max),
        ...(hasCategories ? [categories(s.categories)] : []),
      ]);
      lines.push(...table(header, rows, hasCategories).map((l) => `  ${l}`));
    }

    if (this.runEvaluations.length) {
      lines.push("", "Run Evaluations:");
      for (const e of this.runEvaluations) {
        lines.push(`  • ${e.name}: ${fmtValue(e.value)}`);
        if (e.comment) lines.push(`    💭 ${e.comment}`);
      }
    }

    const errors: string[] = [];
    for (const r of this.itemResults) {
      if (r.error !== undefined) errors.push(`  • item ${r.index + 1}: task failed: ${r.error}`);
      for (const e of r.evaluatorErrors) errors.push(`  • item ${r.index + 1}: evaluator ${e.evaluator} failed: ${e.message}`);
    }
    for (const e of this.runEvaluatorErrors) errors.push(`  • run evaluator ${e.evaluator} failed: ${e.message}`);
    if (errors.length) lines.push("", `Errors (${errors.length}):`, ...errors);

    if (this.datasetRunUrl) lines.push("", "🔗 Dataset Run:", `   ${this.datasetRunUrl}`);
    else if (this.datasetRunId) lines.push("", `🔗 Dataset run id: ${this.datasetRunId}`);
    return lines.join("\n");
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      runName: this.runName,
      description: this.description,
      experimentId: this.experimentId,
      datasetRunId: this.datasetRunId,
      durationMs: this.durationMs,
      itemResults: this.itemResults.map((r) => ({ ...r, item: undefined })),
      runEvaluations: this.runEvaluations,
      runEvaluatorErrors: this.runEvaluatorErrors,
      scores: this.scoreSummaries(),
    };
  }
}

function formatItem(r: ExperimentItemResult<ExperimentItem, unknown>): string[] {
  const out = [`${r.index + 1}. Item ${r.index + 1}:`];
  if (r.input !== undefined && r.input !== null) out.push(`   Input:    ${short(r.input)}`);
  if (r.expectedOutput !== undefined && r.expectedOutput !== null) out.push(`   Expected: ${short(r.expectedOutput)}`);
  if (r.error !== undefined) out.push(`   Error:    ${short(r.error)}`);
  else out.push(`   Actual:   ${short(r.output)}`);
  if (r.evaluations.length) {
    out.push("   Scores:");
    for (const e of r.evaluations) {
      out.push(`     • ${e.name}: ${fmtValue(e.value)}`);
      if (e.comment) out.push(`       💭 ${e.comment}`);
    }
  }
  for (const e of r.evaluatorErrors) out.push(`   ⚠ evaluator ${e.evaluator} failed: ${short(e.message)}`);
  if (r.traceId) out.push("", `   Trace ID: ${r.traceId}`);
  return out;
}

/** Text columns (the first, and the last when `lastIsText`) align left, numbers right. */
function table(header: string[], rows: string[][], lastIsText = false): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const left = (i: number) => i === 0 || (lastIsText && i === header.length - 1);
  const line = (cells: string[]) =>
    cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

function categories(cats: Record<string, number> | undefined): string {
  if (!cats) return "-";
  return Object.entries(cats).map(([k, v]) => `${short(k, 20)}×${v}`).join(" ");
}

function fmt(n: number): string {
  return n.toFixed(3);
}

function fmtValue(v: unknown): string {
  if (typeof v === "number") return fmt(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return String(v);
}

/** One line, at most `max` characters (+ "..."), for any value. */
function short(v: unknown, max = 50): string {
  let s: string;
  if (typeof v === "string") s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  s = s.replace(/\s+/g, " ");
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

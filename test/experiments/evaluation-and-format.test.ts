import { LangfuseValidationError } from "../../src/errors";
import { Evaluation, normalizeEvaluations } from "../../src/experiments/evaluation";
import { ExperimentResult } from "../../src/experiments/experiment-result";
import type { ExperimentItemResult } from "../../src/experiments/types";
import { evaluateGate, validateThresholds, type Thresholds } from "../../src/experiments/gate";

function item(index: number, input: unknown, output: unknown, evaluations: Evaluation[], extra: Partial<ExperimentItemResult> = {}): ExperimentItemResult {
  return { index, item: { input }, input, expectedOutput: undefined, output, evaluations, evaluatorErrors: [], traceId: `trace-${index}`, ...extra };
}

function result(items: ExperimentItemResult[], runEvaluations: Evaluation[] = []): ExperimentResult {
  return new ExperimentResult({
    name: "Euro capitals",
    runName: "Euro capitals - 2025-01-01T00:00:00.000Z",
    description: "Country capital experiment",
    experimentId: "e1",
    itemResults: items,
    runEvaluations,
    runEvaluatorErrors: [],
    durationMs: 1234,
  });
}

describe("Evaluation", () => {
  it("validates with class-validator and accepts plain objects", () => {
    const e = Evaluation.from({ name: "accuracy", value: 0.5, comment: "half", dataType: "NUMERIC", metadata: { k: 1 } });
    expect(e).toBeInstanceOf(Evaluation);
    expect(e).toMatchObject({ name: "accuracy", value: 0.5, comment: "half", dataType: "NUMERIC" });
    expect(Evaluation.from(new Evaluation({ name: "ok", value: true })).numericValue).toBe(1);
    expect(Evaluation.from({ name: "label", value: "good" }).numericValue).toBeUndefined();
  });

  it("rejects malformed evaluations with the failing fields", () => {
    const err = (() => {
      try {
        Evaluation.from({ name: "", value: Number.NaN, dataType: "PERCENT" });
      } catch (e) {
        return e as LangfuseValidationError;
      }
    })();
    expect(err).toBeInstanceOf(LangfuseValidationError);
    expect(err!.issues.map((i) => i.path).sort()).toEqual(["dataType", "name", "value"]);
    expect(() => Evaluation.from(42)).toThrow(LangfuseValidationError);
  });

  it("normalizes one, many or no evaluations", () => {
    expect(normalizeEvaluations(undefined)).toEqual([]);
    expect(normalizeEvaluations(null)).toEqual([]);
    expect(normalizeEvaluations({ name: "a", value: 1 })).toHaveLength(1);
    expect(normalizeEvaluations([{ name: "a", value: 1 }, new Evaluation({ name: "b", value: "x" })]).map((e) => e.name)).toEqual(["a", "b"]);
    expect(() => normalizeEvaluations("nope")).toThrow(/Invalid evaluation/);
  });
});

describe("ExperimentResult.format", () => {
  const items = [
    item(0, "Germany", "Capital of Germany", [new Evaluation({ name: "accuracy", value: 1, comment: "Correct answer found" }), new Evaluation({ name: "label", value: "good" })], { expectedOutput: "Berlin" }),
    item(1, "France", "Capital of France", [new Evaluation({ name: "accuracy", value: 0 })], { expectedOutput: "Paris" }),
  ];

  it("prints the summary with a score table and real newlines", () => {
    const text = result(items, [new Evaluation({ name: "average_length", value: 17.5, comment: "avg" })]).format();
    expect(text).toBe(
      [
        "Individual Results: Hidden (2 items)",
        "💡 Call format({ includeItemResults: true }) to view them",
        "",
        "─".repeat(50),
        "🧪 Experiment: Euro capitals",
        "📋 Run name: Euro capitals - 2025-01-01T00:00:00.000Z - Country capital experiment",
        "2 items in 1.23s",
        "",
        "Scores:",
        "  score     n   mean    min    max  values",
        "  --------  -  -----  -----  -----  ------",
        "  accuracy  2  0.500  0.000  1.000  -",
        "  label     1      -      -      -  good×1",
        "",
        "Run Evaluations:",
        "  • average_length: 17.500",
        "    💭 avg",
      ].join("\n"),
    );
  });

  it("prints item details on request, cutting long values", () => {
    const long = "x".repeat(80);
    const text = result([...items, item(2, long, undefined, [], { error: "timeout" })]).format({ includeItemResults: true });
    expect(text.startsWith("\n1. Item 1:\n   Input:    Germany\n   Expected: Berlin\n   Actual:   Capital of Germany\n   Scores:\n     • accuracy: 1.000\n       💭 Correct answer found\n     • label: good\n\n   Trace ID: trace-0\n")).toBe(true);
    expect(text).toContain(`   Input:    ${"x".repeat(50)}...\n   Error:    timeout\n`);
    expect(text).toContain("3 items (1 failed)");
    expect(text).toContain("Errors (1):\n  • item 3: task failed: timeout");
  });

  it("says so when there is nothing to show", () => {
    expect(result([]).format()).toBe("No experiment results to display.");
  });
});

describe("evaluateGate", () => {
  const ev = (name: string, value: number | string) => new Evaluation({ name, value });
  const r = result([
    item(0, "a", "A", [ev("acc", 1), ev("len", 3)]),
    item(1, "b", "B", [ev("acc", 0.5), ev("len", 3)]),
    item(2, "c", "C", [ev("acc", 0.9)]),
  ], [ev("avg_acc", 0.8)]);

  it("checks mean, min and pass rate per score", () => {
    const g = evaluateGate(r, { acc: { mean: 0.7, min: 0.4, passRate: { score: 0.9, rate: 0.6 } } });
    expect(g.passed).toBe(true);
    expect(g.checks.map((c) => [c.kind, c.passed, Number(c.actual?.toFixed(3))])).toEqual([
      ["mean", true, 0.8],
      ["min", true, 0.5],
      ["passRate", true, 0.667],
    ]);
    const failing = evaluateGate(r, { acc: { mean: 0.9, min: 0.6 } });
    expect(failing.passed).toBe(false);
    expect(failing.checks.map((c) => c.passed)).toEqual([false, false]);
  });

  it("fails closed when a score is missing on some item or entirely", () => {
    const partial = evaluateGate(r, { len: { mean: 1 } });
    expect(partial.passed).toBe(false);
    expect(partial.checks[0].detail).toContain("missing or non-numeric on 1 of 3");
    const absent = evaluateGate(r, { nope: { mean: 0 } });
    expect(absent.checks).toEqual([expect.objectContaining({ score: "nope", kind: "present", passed: false })]);
    expect(evaluateGate(result([]), {}).problems).toEqual(["the experiment produced no results"]);
    expect(evaluateGate(result([]), {}).passed).toBe(false);
  });

  it("fails closed on malformed thresholds: a LangfuseValidationError naming the path, never a pass", () => {
    // Every item scores acc = 0, so any real condition on acc would fail.
    const zero = result([item(0, "a", "A", [ev("acc", 0)]), item(1, "b", "B", [ev("acc", 0)])]);
    const bad: Array<[unknown, RegExp]> = [
      [{ acc: {} }, /thresholds\.acc: needs at least one condition/],
      [{ acc: { meen: 0.9 } }, /thresholds\.acc\.meen: unknown condition/],
      [{ acc: { mean: "0.9" } }, /thresholds\.acc\.mean: must be a finite number, got the string "0\.9"/],
      [{ acc: { mean: NaN } }, /thresholds\.acc\.mean: must be a finite number/],
      [{ acc: { min: Infinity } }, /thresholds\.acc\.min: must be a finite number/],
      [{ acc: { passRate: { score: 1, rate: 1.5 } } }, /thresholds\.acc\.passRate\.rate: must be between 0 and 1/],
      [{ acc: { passRate: { score: 1 } } }, /thresholds\.acc\.passRate\.rate: must be a finite number/],
      [{ acc: { passRate: { score: 1, rate: 0.5, cut: 2 } } }, /thresholds\.acc\.passRate\.cut: unknown field/],
      [{ acc: { mean: 0 }, len: null }, /thresholds\.len: must be an object/],
      [[{ mean: 1 }], /thresholds: must be an object keyed by score name/],
    ];
    for (const [thresholds, message] of bad) {
      expect(() => evaluateGate(zero, thresholds as Thresholds)).toThrow(LangfuseValidationError);
      expect(() => evaluateGate(zero, thresholds as Thresholds)).toThrow(message);
      expect(validateThresholds(thresholds).length).toBeGreaterThan(0);
    }
    // Well-formed thresholds still gate as before.
    expect(validateThresholds({ acc: { mean: 0, min: -1, passRate: { score: 0, rate: 0 } } })).toEqual([]);
    expect(evaluateGate(zero, { acc: { mean: 0.9 } }).passed).toBe(false);
    expect(evaluateGate(zero, { acc: { mean: 0 } }).passed).toBe(true);
  });

  it("gates on a run evaluation by name, and on errors with failOnError", () => {
    expect(evaluateGate(r, { avg_acc: { min: 0.75 } }).passed).toBe(true);
    expect(evaluateGate(r, { avg_acc: { min: 0.85 } }).passed).toBe(false);
    const withError = result([item(0, "a", "A", [ev("acc", 1)]), item(1, "b", undefined, [], { error: "boom" })]);
    expect(evaluateGate(withError, {}).passed).toBe(true);
    expect(evaluateGate(withError, {}, { failOnError: true })).toMatchObject({ passed: false, problems: ["1 item(s) failed"] });
    // A failed item has no score: a threshold on it fails closed even without failOnError.
    expect(evaluateGate(withError, { acc: { mean: 0.5 } }).passed).toBe(false);
  });
});

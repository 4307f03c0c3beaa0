import { ExactMatch, LevenshteinScorer, NumericDiff } from "autoevals";
import { createEvaluatorFromAutoevals } from "../../src/experiments/autoevals";
import { openClient, type ClientUnderTest } from "./helpers";

describe("createEvaluatorFromAutoevals with the real autoevals scorers", () => {
  let c: ClientUnderTest;
  beforeAll(async () => {
    c = await openClient("local");
  });
  afterAll(() => c.close());

  it("maps LevenshteinScorer, ExactMatch and NumericDiff results to scores on item traces", async () => {
    const data = [
      { input: "q1", expectedOutput: "hallo" },
      { input: "q2", expectedOutput: "world" },
    ];
    const outputs: Record<string, string> = { q1: "hello", q2: "world" };
    const result = await c.langfuse.runExperiment({
      name: "autoevals",
      data,
      task: ({ input }) => outputs[String(input)],
      evaluators: [createEvaluatorFromAutoevals(LevenshteinScorer), createEvaluatorFromAutoevals(ExactMatch)],
    });
    const expectedLev = await LevenshteinScorer({ output: "hello", expected: "hallo" });
    expect(result.itemResults[0].evaluations.map((e) => [e.name, e.value])).toEqual([
      ["Levenshtein", expectedLev.score],
      ["ExactMatch", 0],
    ]);
    expect(result.itemResults[1].evaluations.map((e) => [e.name, e.value])).toEqual([
      ["Levenshtein", 1],
      ["ExactMatch", 1],
    ]);
    const scores = await c.langfuse.api.scores.list({ traceId: result.itemResults[0].traceId, name: "Levenshtein" });
    expect(scores.data[0].value).toBeCloseTo(0.8);
    expect(result.itemResults.every((r) => r.evaluatorErrors.length === 0)).toBe(true);
  });

  it("passes numbers through NumericDiff and names the evaluator after the scorer", async () => {
    const evaluator = createEvaluatorFromAutoevals(NumericDiff);
    expect(evaluator.name).toBe("NumericDiff");
    const result = await c.langfuse.runExperiment({
      name: "numeric",
      data: [{ input: 3, expectedOutput: 4 }],
      task: ({ input }) => input,
      evaluators: [evaluator],
    });
    const direct = await NumericDiff({ output: 3, expected: 4 });
    expect(result.itemResults[0].evaluations[0]).toMatchObject({ name: "NumericDiff", value: direct.score });
  });
});

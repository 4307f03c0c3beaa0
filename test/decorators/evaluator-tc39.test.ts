/**
 * `@Evaluator` (and the other suite decorators) under TC39 standard decorators: the source below
 * is compiled by the real TypeScript compiler with `experimentalDecorators: false`, exactly as a
 * project on TypeScript 5 standard decorators would build it, then run against our modules.
 */
import { join } from "node:path";
import * as ts from "typescript";
import { getEvaluatorMetadata, isEvaluatorClass } from "../../src/experiments/suites/evaluator-registry";
import { clearRegisteredSuites } from "../../src/experiments/suites/suite-registry";
import { runSuites } from "../../src/experiments/suites/suite-runner";
import { openClient, type ClientUnderTest } from "../experiments/helpers";

const root = join(__dirname, "..", "..");
const SOURCE = `
import { Evaluator, RunEvaluator, Task } from ${JSON.stringify(join(root, "decorators/evaluator.decorator"))};
import { ExperimentSuite } from ${JSON.stringify(join(root, "decorators/experiment.decorator"))};

@Evaluator({ name: "positive-check" })
export class PositiveEvaluator {
  evaluate({ output }: { output: number }) {
    return { name: "positive", value: output > 0 ? 1 : 0 };
  }
}

@ExperimentSuite({ name: "tc39-suite", data: [{ input: 2, expectedOutput: 4 }, { input: -3, expectedOutput: -6 }], evaluators: [PositiveEvaluator] })
export class Tc39Suite {
  factor = 2;
  @Task()
  double({ input }: { input: number }) {
    return input * this.factor;
  }
  @Evaluator({ name: "is-correct" })
  correct({ output, expectedOutput }: { output: number; expectedOutput: number }) {
    return { name: "correct", value: output === expectedOutput };
  }
  @RunEvaluator()
  count({ itemResults }: { itemResults: unknown[] }) {
    return { name: "n", value: itemResults.length };
  }
}
`;

function loadTc39Module(): Record<string, Function> {
  const out = ts.transpileModule(SOURCE, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators: false },
    reportDiagnostics: true,
  });
  expect(out.diagnostics ?? []).toEqual([]);
  // Standard decorators compile to __esDecorate calls, not the legacy __decorate helper.
  expect(out.outputText).toContain("__esDecorate");
  expect(out.outputText).not.toContain("__decorate(");
  const module = { exports: {} as Record<string, Function> };
  new Function("require", "module", "exports", out.outputText)(require, module, module.exports);
  return module.exports;
}

describe("suite decorators with TC39 standard decorators", () => {
  let c: ClientUnderTest;
  beforeAll(async () => {
    c = await openClient("local");
  });
  afterAll(() => c.close());

  it("registers class evaluators and method markers, and runs the suite", async () => {
    clearRegisteredSuites();
    const { Tc39Suite, PositiveEvaluator } = loadTc39Module();
    expect(isEvaluatorClass(PositiveEvaluator)).toBe(true);

    const report = await runSuites({ langfuse: c.langfuse, suites: [Tc39Suite as never] });
    const outcome = report.outcomes[0];
    expect(outcome.error).toBeUndefined();
    // Method markers are recorded by addInitializer when the suite is instantiated.
    const meta = getEvaluatorMetadata(Tc39Suite);
    expect(meta.task?.method).toBe("double");
    expect(meta.evaluators.map((e) => e.name)).toEqual(["is-correct"]);
    expect(meta.runEvaluators.map((e) => e.name)).toEqual(["count"]);

    const r = outcome.result!;
    expect(r.itemResults.map((i) => i.output)).toEqual([4, -6]);
    expect(r.itemResults.map((i) => i.evaluations.map((e) => `${e.name}=${String(e.value)}`))).toEqual([
      ["correct=true", "positive=1"],
      ["correct=true", "positive=0"],
    ]);
    expect(r.runEvaluations.map((e) => [e.name, e.value])).toEqual([["n", 2]]);
  });

  it("rejects @Task on a static method and @Evaluator on a class without evaluate", () => {
    const bad = `
      import { Evaluator, Task } from ${JSON.stringify(join(root, "decorators/evaluator.decorator"))};
      export class A { @Task() static run() { return 1; } }
    `;
    const out = ts.transpileModule(bad, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators: false } });
    const module = { exports: {} };
    expect(() => new Function("require", "module", "exports", out.outputText)(require, module, module.exports)).toThrow("@Task cannot decorate a static method");

    const { Evaluator } = jest.requireActual("../../decorators/evaluator.decorator");
    class NoEvaluate {}
    expect(() => Evaluator()(NoEvaluate, { kind: "class", name: "NoEvaluate", addInitializer: () => undefined })).toThrow(
      "@Evaluator on class NoEvaluate needs an evaluate(args) method",
    );
  });
});

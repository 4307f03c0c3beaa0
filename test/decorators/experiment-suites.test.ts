import "reflect-metadata";
import { container as rootContainer, injectable } from "tsyringe";
import { Evaluator, RunEvaluator, Task } from "../../decorators/evaluator.decorator";
import { getEvaluatorMetadata, isEvaluatorClass } from "../../src/experiments/suites/evaluator-registry";
import { ExperimentSuite } from "../../decorators/experiment.decorator";
import { clearRegisteredSuites, getRegisteredSuites } from "../../src/experiments/suites/suite-registry";
import { Prompt } from "../../decorators/prompt.decorator";
import { registerLangfuse } from "../../src/di/register-langfuse";
import { LangfuseValidationError } from "../../src/errors";
import { Evaluation } from "../../src/experiments/evaluation";
import type { EvaluatorArgs, ExperimentItemResult } from "../../src/experiments/types";
import { decideVerdict } from "../../src/experiments/suites/suite-report";
import { runSuites, type DiContainer } from "../../src/experiments/suites/suite-runner";
import type { PromptRef } from "../../src/prompts/prompt-ref";
import { openClient, type ClientUnderTest } from "../experiments/helpers";

/** A service the suites get through constructor injection. */
class CapitalService {
  readonly calls: string[] = [];
  capitalOf(country: string): string {
    this.calls.push(country);
    return ({ Germany: "Berlin", France: "Paris", Italy: "Milan" } as Record<string, string>)[country] ?? "unknown";
  }
}

/** Reusable evaluator class, with its own injected dependency. */
class Normalizer {
  norm(s: unknown): string {
    return String(s).trim().toLowerCase();
  }
}

@Evaluator({ name: "case_insensitive_match" })
@injectable()
class CaseInsensitiveMatch {
  constructor(private readonly normalizer: Normalizer) {}
  evaluate({ output, expectedOutput }: EvaluatorArgs) {
    const answer = typeof output === "object" && output !== null ? (output as { answer: unknown }).answer : output;
    return { name: "ci_match", value: this.normalizer.norm(answer) === this.normalizer.norm(expectedOutput) ? 1 : 0 };
  }
}

const DATA = [
  { input: "Germany", expectedOutput: "berlin" },
  { input: "France", expectedOutput: "Paris" },
  { input: "Italy", expectedOutput: "Rome" },
];

let c: ClientUnderTest;
beforeAll(async () => {
  c = await openClient("local");
  await c.langfuse.createPrompt({ name: "capital-question", prompt: "What is the capital of {{country}}?", labels: ["production"] });
});
afterAll(() => c.close());
beforeEach(() => clearRegisteredSuites());

function defineSuites() {
  @ExperimentSuite({
    name: "capitals-injected",
    data: DATA,
    maxConcurrency: 2,
    metadata: { suite: "di" },
    thresholds: { ci_match: { mean: 0.5 } },
    evaluators: [CaseInsensitiveMatch],
  })
  @injectable()
  class CapitalsSuite {
    constructor(
      private readonly capitals: CapitalService,
      @Prompt("capital-question") private readonly question: PromptRef,
    ) {}

    @Task()
    async answer({ input }: { input: unknown }) {
      const prompt = await this.question.compile({ country: String(input) });
      return { prompt, answer: this.capitals.capitalOf(String(input)) };
    }

    @Evaluator()
    exact({ output, expectedOutput }: EvaluatorArgs) {
      return new Evaluation({ name: "exact", value: (output as { answer: string }).answer === expectedOutput ? 1 : 0 });
    }

    @Evaluator({ name: "asks-question" })
    async asksQuestion({ output }: EvaluatorArgs) {
      return { name: "asks_question", value: String((output as { prompt: unknown }).prompt).endsWith("?") };
    }

    @RunEvaluator()
    accuracy({ itemResults }: { itemResults: ExperimentItemResult[] }) {
      const hits = itemResults.filter((r) => r.evaluations.some((e) => e.name === "ci_match" && e.value === 1)).length;
      return { name: "accuracy", value: hits / itemResults.length };
    }
  }

  // No @injectable(): resolved through its emitted design:paramtypes instead.
  @ExperimentSuite({ name: "capitals-strict", data: DATA, thresholds: { exact: { mean: 0.9 } } })
  class StrictSuite {
    constructor(private readonly capitals: CapitalService) {}
    @Task()
    answer({ input }: { input: unknown }) {
      return this.capitals.capitalOf(String(input));
    }
    @Evaluator()
    exact({ output, expectedOutput }: EvaluatorArgs) {
      return { name: "exact", value: output === expectedOutput ? 1 : 0 };
    }
  }

  @ExperimentSuite({ name: "broken-no-task", data: DATA })
  class NoTaskSuite {
    @Evaluator()
    e() {
      return null;
    }
  }
  return { CapitalsSuite, StrictSuite, NoTaskSuite };
}

describe("decorator-registered experiment suites", () => {
  it("records metadata for tasks, evaluators, run evaluators and evaluator classes", () => {
    const { CapitalsSuite } = defineSuites();
    const meta = getEvaluatorMetadata(CapitalsSuite);
    expect(meta.task?.method).toBe("answer");
    expect(meta.evaluators.map((e) => e.name)).toEqual(["exact", "asks-question"]);
    expect(meta.runEvaluators.map((e) => e.name)).toEqual(["accuracy"]);
    expect(isEvaluatorClass(CaseInsensitiveMatch)).toBe(true);
    expect(isEvaluatorClass(CapitalService)).toBe(false);
    expect(getRegisteredSuites().map((s) => s.options.name)).toEqual(["capitals-injected", "capitals-strict", "broken-no-task"]);
  });

  it("resolves suites through a tsyringe container (services, @Prompt refs, evaluator classes) and applies thresholds", async () => {
    defineSuites();
    const child = rootContainer.createChildContainer();
    registerLangfuse(child, { client: c.langfuse });
    const service = new CapitalService();
    child.registerInstance(CapitalService, service);

    const report = await runSuites({ container: child, filter: /^capitals-/ });
    expect(report.outcomes.map((o) => o.name)).toEqual(["capitals-injected", "capitals-strict"]);
    const [injected, strict] = report.outcomes;

    expect(injected.error).toBeUndefined();
    const r = injected.result!;
    expect(r.itemResults.map((i) => (i.output as { prompt: string }).prompt)).toEqual([
      "What is the capital of Germany?",
      "What is the capital of France?",
      "What is the capital of Italy?",
    ]);
    expect(r.itemResults[0].evaluations.map((e) => `${e.name}=${String(e.value)}`)).toEqual(["exact=0", "asks_question=true", "ci_match=1"]);
    expect(r.runEvaluations.map((e) => [e.name, e.value])).toEqual([["accuracy", 2 / 3]]);
    expect(injected.gate).toMatchObject({ passed: true });
    expect(service.calls.sort()).toEqual(["France", "France", "Germany", "Germany", "Italy", "Italy"]);

    // The strict suite gates on exact (mean 1/3 < 0.9): a failed gate, not an error.
    expect(strict.error).toBeUndefined();
    expect(strict.gate?.passed).toBe(false);
    expect(report.passed).toBe(false);
    const verdict = decideVerdict(report);
    expect(verdict.exitCode).toBe(1);
    expect(verdict.text).toContain("✖ capitals-strict: FAILED\n    - exact mean: mean 0.333, needs >= 0.9");
    expect(verdict.text).toContain("✔ capitals-injected: PASSED");

    // Traces of the suite's items carry its metadata.
    const trace = await c.langfuse.api.traces.get(r.itemResults[0].traceId!);
    expect(trace.metadata).toMatchObject({ suite: "di" });
  });

  it("works with any { resolve } container and reports a suite without @Task as a config error (exit 2)", async () => {
    defineSuites();
    const instances = new Map<unknown, unknown>([[CapitalService, new CapitalService()]]);
    const plain: DiContainer = {
      resolve<T>(token: unknown): T {
        if (instances.has(token)) return instances.get(token) as T;
        throw new Error(`no provider for ${String((token as { name?: string }).name ?? token)}`);
      },
    };
    const report = await runSuites({ container: plain, langfuse: c.langfuse, filter: (n) => n !== "capitals-injected" });
    expect(report.outcomes.map((o) => [o.name, o.error ?? "ok"])).toEqual([
      ["capitals-strict", "ok"],
      ["broken-no-task", 'Suite "broken-no-task" (NoTaskSuite) has no @Task() method'],
    ]);
    expect(decideVerdict(report).exitCode).toBe(2);
  });

  it("runs a suite on a Langfuse dataset and passes when the thresholds hold", async () => {
    await c.langfuse.createDataset({ name: "suite-ds" });
    await c.langfuse.createDatasetItem({ datasetName: "suite-ds", id: "s1", input: "Germany", expectedOutput: "Berlin" });
    await c.langfuse.createDatasetItem({ datasetName: "suite-ds", id: "s2", input: "France", expectedOutput: "Paris" });

    @ExperimentSuite({ name: "dataset-suite", dataset: "suite-ds", runName: "dataset-suite-run", thresholds: { exact: { min: 1, passRate: { score: 1, rate: 1 } } } })
    class DatasetSuite {
      private readonly capitals = new CapitalService();
      @Task()
      answer({ input }: { input: unknown }) {
        return this.capitals.capitalOf(String(input));
      }
      @Evaluator()
      exact({ output, expectedOutput }: EvaluatorArgs) {
        return { name: "exact", value: output === expectedOutput ? 1 : 0 };
      }
    }
    const report = await runSuites({ langfuse: c.langfuse, suites: [DatasetSuite] });
    expect(report.passed).toBe(true);
    expect(decideVerdict(report)).toMatchObject({ exitCode: 0 });
    const run = await c.langfuse.api.datasets.getRun("suite-ds", "dataset-suite-run");
    expect(run.datasetRunItems.map((r) => r.datasetItemId).sort()).toEqual(["s1", "s2"]);
  });

  it("shares suite and evaluator metadata between two loaded copies of the decorators (built CLI + TS sources)", () => {
    let evaluatorCopy: typeof import("../../src/experiments/suites/evaluator-registry") | undefined;
    let suiteCopy: typeof import("../../src/experiments/suites/suite-registry") | undefined;
    jest.isolateModules(() => {
      evaluatorCopy = require("../../src/experiments/suites/evaluator-registry");
      suiteCopy = require("../../src/experiments/suites/suite-registry");
    });
    expect(evaluatorCopy!.getEvaluatorMetadata).not.toBe(getEvaluatorMetadata);
    const { CapitalsSuite } = defineSuites();
    expect(evaluatorCopy!.getEvaluatorMetadata(CapitalsSuite).task?.method).toBe("answer");
    expect(evaluatorCopy!.isEvaluatorClass(CaseInsensitiveMatch)).toBe(true);
    expect(suiteCopy!.getSuiteOptions(CapitalsSuite)?.name).toBe("capitals-injected");
  });

  it("validates suite options when the class is decorated", () => {
    expect(() => ExperimentSuite({ name: "x" })).toThrow(LangfuseValidationError);
    expect(() => ExperimentSuite({ name: "x", data: [], dataset: "d" })).toThrow(/give exactly one of dataset or data/);
    expect(() => ExperimentSuite({ name: "", data: [], maxConcurrency: 0 })).toThrow(/name: must be a non-empty string; maxConcurrency: must be an integer >= 1/);
  });

  it("rejects thresholds that would gate nothing when the class is decorated, naming the path", () => {
    const suite = (thresholds: unknown) => () => ExperimentSuite({ name: "gated", data: [{ input: 1 }], thresholds: thresholds as never });
    expect(suite({ acc: {} })).toThrow(LangfuseValidationError);
    expect(suite({ acc: {} })).toThrow(/thresholds\.acc: needs at least one condition: mean, min or passRate/);
    expect(suite({ acc: { meen: 0.9 } })).toThrow(/thresholds\.acc\.meen: unknown condition/);
    expect(suite({ acc: { mean: "0.9" } })).toThrow(/thresholds\.acc\.mean: must be a finite number/);
    expect(suite({ acc: { passRate: { score: 1, rate: -0.1 } } })).toThrow(/thresholds\.acc\.passRate\.rate: must be between 0 and 1/);
    expect(suite("acc >= 0.9")).toThrow(/thresholds: must be an object keyed by score name/);
    try {
      suite({ acc: { meen: 0.9 } })();
    } catch (error) {
      expect((error as LangfuseValidationError).issues.map((i) => i.path)).toEqual(["thresholds.acc.meen", "thresholds.acc"]);
    }
    expect(suite({ acc: { mean: 0.9 } })).not.toThrow();
  });

  it("runSuites checks thresholds again: a suite whose gate became malformed does not run and is a config error (exit 2)", async () => {
    let calls = 0;
    @ExperimentSuite({ name: "mutated-gate", data: [{ input: 1 }, { input: 2 }], thresholds: { acc: { mean: 0.9 } } })
    class MutatedGate {
      @Task()
      run() {
        calls++;
        return 0;
      }
      @Evaluator()
      acc() {
        return { name: "acc", value: 0 };
      }
    }
    // Options changed after declaration (or registered by an older copy of the package).
    (getRegisteredSuites().find((s) => s.target === MutatedGate)!.options as { thresholds: unknown }).thresholds = { acc: { meen: 0.9 } };
    const report = await runSuites({ langfuse: c.langfuse, suites: [MutatedGate], progress: false });
    expect(calls).toBe(0);
    expect(report.passed).toBe(false);
    expect(report.outcomes[0].gate).toBeUndefined();
    expect(report.outcomes[0].error).toMatch(/Invalid thresholds of suite "mutated-gate": thresholds\.acc\.meen: unknown condition/);
    const verdict = decideVerdict(report);
    expect(verdict.exitCode).toBe(2);
    expect(verdict.text).toContain("thresholds.acc.meen");
  });

  it("says clearly when nothing matched (exit 2)", async () => {
    defineSuites();
    const report = await runSuites({ langfuse: c.langfuse, filter: "no-such-suite" });
    expect(report.passed).toBe(false);
    expect(decideVerdict(report)).toEqual({ exitCode: 2, text: "✖ No experiment suites matched: nothing was run (exit 2)" });
  });
});

/**
 * The field rule of @Prompt under both class-field semantics. A fixture is compiled with the
 * real TypeScript compiler (ts.transpileModule) with useDefineForClassFields false and true,
 * and with TC39 decorators, then run against the real decorator module.
 */
import "reflect-metadata";
import * as ts from "typescript";
import * as decorators from "../../decorators/prompt.decorator";
import { PromptRef } from "../../src/prompts/prompt-ref";

const FIXTURE = `
import { Prompt, PromptRef } from "langfuse-decorators";
export class WithDeclare {
  @Prompt("declared", { label: "staging" }) declare critic: PromptRef;
}
export class WithAccessor {
  @Prompt("accessor-field", { version: 3 }) accessor critic!: PromptRef;
}
export class WithPlainField {
  @Prompt("plain") critic!: PromptRef;
}
`;

const TC39_FIXTURE = `
import { Prompt, PromptRef } from "langfuse-decorators";
export class Tc39Field {
  @Prompt("tc39-field") critic!: PromptRef;
}
export class Tc39Accessor {
  @Prompt("tc39-accessor", { type: "chat" }) accessor critic!: PromptRef;
}
`;

function load(source: string, compilerOptions: ts.CompilerOptions): Record<string, new () => { critic: unknown }> {
  const out = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, ...compilerOptions },
    reportDiagnostics: true,
  });
  expect(out.diagnostics ?? []).toEqual([]);
  const module = { exports: {} as Record<string, new () => { critic: unknown }> };
  const fakeRequire = (id: string): unknown => {
    if (id === "langfuse-decorators") return decorators;
    throw new Error(`unexpected import ${id}`);
  };
  new Function("require", "module", "exports", out.outputText)(fakeRequire, module, module.exports);
  return module.exports;
}

function refOf(instance: { critic: unknown }): PromptRef {
  expect(instance.critic).toBeInstanceOf(PromptRef);
  return instance.critic as PromptRef;
}

describe.each([false, true])("legacy decorators, useDefineForClassFields: %s", (useDefine) => {
  const classes = load(FIXTURE, { experimentalDecorators: true, useDefineForClassFields: useDefine });

  it("`declare` fields get their PromptRef", () => {
    const ref = refOf(new classes.WithDeclare());
    expect(ref.name).toBe("declared");
    expect(ref.options).toEqual({ label: "staging" });
  });

  it("`accessor` fields get their PromptRef", () => {
    const ref = refOf(new classes.WithAccessor());
    expect(ref.name).toBe("accessor-field");
    expect(ref.options).toEqual({ version: 3 });
  });

  it(`plain fields ${useDefine ? "are shadowed by the instance field (hence the rule)" : "work"}`, () => {
    const instance = new classes.WithPlainField();
    if (useDefine) {
      expect(instance.critic).toBeUndefined();
    } else {
      expect(refOf(instance).name).toBe("plain");
    }
  });
});

describe("TC39 (standard) decorators", () => {
  const classes = load(TC39_FIXTURE, { experimentalDecorators: false, useDefineForClassFields: true });

  it("plain fields get their PromptRef from the returned initializer", () => {
    expect(refOf(new classes.Tc39Field()).name).toBe("tc39-field");
  });

  it("accessor fields get their PromptRef", () => {
    const ref = refOf(new classes.Tc39Accessor());
    expect(ref.name).toBe("tc39-accessor");
    expect(ref.options).toEqual({ type: "chat" });
  });
});

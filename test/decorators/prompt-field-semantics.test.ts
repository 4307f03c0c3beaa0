/**
 * The field rule of @Prompt under both class-field semantics. A fixture is compiled with the
 * real TypeScript compiler (ts.transpileModule) with useDefineForClassFields false and true,
 * and with TC39 decorators, then run against the real decorator module.
 */
import "reflect-metadata";
import { join } from "node:path";
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

describe("type-checking the supported forms (real TypeScript program)", () => {
  const decoratorPath = join(__dirname, "../../decorators/prompt.decorator").replace(/\\/g, "/");
  const promptsPath = join(__dirname, "../../src/prompts/prompt-ref").replace(/\\/g, "/");
  const header = `import { Prompt } from "${decoratorPath}";\nimport type { PromptRef, TextPromptClient } from "${promptsPath}";\n`;

  function diagnosticsOf(source: string, options: ts.CompilerOptions): string[] {
    const fileName = join(__dirname, "__prompt_fixture__.ts");
    const compilerOptions: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, noEmit: true, esModuleInterop: true, resolveJsonModule: true, types: ["node"], ...options };
    const host = ts.createCompilerHost(compilerOptions);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (f) => (f === fileName ? header + source : readFile(f));
    host.fileExists = (f) => f === fileName || fileExists(f);
    const program = ts.createProgram([fileName], compilerOptions, host);
    return ts
      .getPreEmitDiagnostics(program, program.getSourceFile(fileName))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }

  it("legacy: declare / accessor / plain fields and constructor parameters", () => {
    const source = `export class Legacy {
  @Prompt("a") declare critic: PromptRef<TextPromptClient>;
  @Prompt("b", { label: "staging" }) accessor other!: PromptRef;
  @Prompt("c") plain!: PromptRef;
  constructor(@Prompt("d", { type: "chat" }) readonly injected: PromptRef) {}
}`;
    expect(diagnosticsOf(source, { experimentalDecorators: true, emitDecoratorMetadata: true, useDefineForClassFields: true })).toEqual([]);
    // and the checker does reject wrong options
    const bad = `export class Bad { @Prompt("a", { version: "1" }) declare critic: PromptRef; }`;
    expect(diagnosticsOf(bad, { experimentalDecorators: true }).join("\n")).toMatch(/not assignable to type .number./);
  });

  it("TC39: fields and accessors keep their declared ref type", () => {
    const source = `export class Tc39 {
  @Prompt("a") critic!: PromptRef<TextPromptClient>;
  @Prompt("b") accessor other!: PromptRef;
}`;
    expect(diagnosticsOf(source, { experimentalDecorators: false })).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as ts from "typescript";
import * as sdk from "../../src";
import { startHarness, type Harness } from "../tracing/helpers/harness";

const FIXTURE_DIR = join(__dirname, "..", "fixtures", "tc39");
const FIXTURE = join(FIXTURE_DIR, "observed-service.ts");

function loadCompilerOptions(): ts.CompilerOptions {
  const configPath = join(FIXTURE_DIR, "tsconfig.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath));
  return parsed.options;
}

// Written out by hand: importing the fixture's types would pull it into the repo's (legacy
// decorator) program, where its standard decorators do not type-check.
interface ServiceLike {
  syncM(a: number, b: number): number;
  asyncM(q: string): Promise<string>;
  throwM(): never;
  gen(n: number): Generator<number>;
  agen(): AsyncGenerator<string>;
}
interface Built {
  Service: (new () => ServiceLike) & { create(): ServiceLike; prototype: ServiceLike };
  Sub: new () => ServiceLike;
  Whole: new () => { one(): number; two(x: number): number };
  tagged: WeakSet<object>;
}
interface FixtureModule {
  build(s: typeof sdk): Built;
  buildBadField(s: typeof sdk): unknown;
}

/** Compiles the fixture with its own tsconfig (standard decorators) and evaluates the JS. */
function compileFixture(): { js: string; mod: FixtureModule } {
  const options = loadCompilerOptions();
  expect(options.experimentalDecorators).toBe(false);
  const out = ts.transpileModule(readFileSync(FIXTURE, "utf8"), { compilerOptions: { ...options, noEmit: false }, fileName: FIXTURE });
  const js = out.outputText;
  const module = { exports: {} as Record<string, unknown> };
  const requireNothing = (id: string) => {
    throw new Error(`fixture must not require at runtime: ${id}`);
  };
  new Function("exports", "require", "module", js)(module.exports, requireNothing, module);
  return { js, mod: module.exports as unknown as FixtureModule };
}

describe("@Observe with TC39 (standard) decorators", () => {
  let h: Harness;
  let built: Built;
  let js: string;

  beforeAll(() => {
    const compiled = compileFixture();
    js = compiled.js;
    built = compiled.mod.build(sdk);
  });
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("type-checks against the SDK's declarations with experimentalDecorators off", () => {
    const options = loadCompilerOptions();
    const program = ts.createProgram([FIXTURE], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === FIXTURE);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  });

  it("emits standard decorators (not the legacy __decorate helper)", () => {
    expect(js).toContain("__esDecorate");
    expect(js).not.toContain("__decorate(");
  });

  it("keeps this, sync-ness, name and length; names spans ClassName.method from the receiver", async () => {
    const s = new built.Service();
    const r = s.syncM(1, 2);
    expect(r).toBe(9);
    expect(built.Service.prototype.syncM.name).toBe("syncM");
    expect(built.Service.prototype.syncM.length).toBe(2);
    expect(built.Service.create()).toBeInstanceOf(built.Service);
    const span = await h.span("Service.syncM");
    expect(span.attributes["langfuse.observation.input"]).toBe("[1,2]");
    expect(span.attributes["langfuse.observation.output"]).toBe("9");
    expect((await h.span("Service.create")).attributes["langfuse.observation.type"]).toBe("span");
  });

  it("works with another decorator in either order and chains promises", async () => {
    expect(built.tagged.has(sdk.getOriginalFunction(built.Service.prototype.asyncM))).toBe(true);
    expect(await new built.Service().asyncM("q")).toBe("q!3");
    const span = await h.span("Service.asyncM");
    expect(span.attributes["langfuse.observation.type"]).toBe("generation");
    expect(span.attributes["langfuse.observation.output"]).toBe("q!3");
  });

  it("records errors and rethrows them unchanged", async () => {
    expect(() => new built.Service().throwM()).toThrow(TypeError);
    const span = await h.span("Service.throwM");
    expect(span.status.code).toBe(2);
    expect(span.attributes["langfuse.observation.level"]).toBe("ERROR");
    expect(span.attributes["langfuse.observation.status_message"]).toBe("tc39 boom");
  });

  it("traces generators lazily with children parented", async () => {
    const s = new built.Service();
    expect([...s.gen(2)]).toEqual([0, 1]);
    const g = await h.span("tc39-gen");
    expect(g.attributes["langfuse.observation.output"]).toBe("[0,1]");
    expect((await h.span("tc39-step-1")).parentSpanId).toBe(g.spanId);
    const out: string[] = [];
    for await (const x of s.agen()) out.push(x);
    expect(out).toEqual(["a", "b"]);
    expect((await h.span("Service.agen")).attributes["langfuse.observation.output"]).toBe("ab");
  });

  it("a subclass instance is named after its class", async () => {
    new built.Sub().syncM(0, 1);
    expect((await h.span("Sub.syncM")).attributes["langfuse.observation.output"]).toBe("3");
  });

  it("@Observable() in TC39 mode observes every own method", async () => {
    const w = new built.Whole();
    expect(w.one() + w.two(2)).toBe(5);
    const names = (await h.spans()).map((s) => s.name).sort();
    expect(names).toEqual(["Whole.one", "Whole.two"]);
  });

  it("refuses a field at decoration time with a clear error", () => {
    expect(() => compileFixture().mod.buildBadField(sdk)).toThrow(/only decorate methods/);
  });
});

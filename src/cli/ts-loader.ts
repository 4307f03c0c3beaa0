import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import Module from "node:module";
import { LangfuseError } from "../errors";

type TypeScript = typeof import("typescript");
type Extensions = Record<string, (module: NodeModule, filename: string) => void>;

/**
 * Lets `require()` load `.ts` suite files while keeping decorator metadata: uses the hook of
 * ts-node (or jest/tsx) when one is installed, otherwise TypeScript's `transpileModule` with
 * `experimentalDecorators` + `emitDecoratorMetadata`, which esbuild-based loaders cannot emit
 * and constructor injection needs. Per file, no type checking, no bundling.
 * Returns how `.ts` files are being loaded.
 */
export function registerTypeScriptLoader(cwd: string = process.cwd()): "existing" | "typescript" {
  const extensions = (Module as unknown as { _extensions: Extensions })._extensions;
  if (extensions[".ts"]) return "existing";
  let ts: TypeScript;
  try {
    ts = require("typescript") as TypeScript;
  } catch {
    throw new LangfuseError("CONFIG", "Loading TypeScript suite files needs the `typescript` package (npm i -D typescript), or run the CLI under ts-node");
  }
  const compilerOptions = loadCompilerOptions(ts, cwd);
  const compile = (module: NodeModule, filename: string): void => {
    const source = readFileSync(filename, "utf8");
    const out = ts.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: false });
    (module as unknown as { _compile(code: string, file: string): void })._compile(out.outputText, filename);
  };
  extensions[".ts"] = compile;
  extensions[".mts"] ??= compile;
  extensions[".cts"] ??= compile;
  return "typescript";
}

/** The project's tsconfig (if any) with the settings this loader needs forced on. */
function loadCompilerOptions(ts: TypeScript, cwd: string): import("typescript").CompilerOptions {
  let options: import("typescript").CompilerOptions = {};
  const configPath = ts.findConfigFile(cwd, (f) => existsSync(f));
  if (configPath) {
    const read = ts.readConfigFile(configPath, (f) => readFileSync(f, "utf8"));
    if (!read.error) options = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath)).options;
  }
  return {
    ...options,
    module: ts.ModuleKind.CommonJS,
    target: options.target ?? ts.ScriptTarget.ES2022,
    // Legacy decorators unless the project explicitly opted into TC39 ones.
    experimentalDecorators: options.experimentalDecorators ?? true,
    emitDecoratorMetadata: options.experimentalDecorators === false ? false : true,
    esModuleInterop: options.esModuleInterop ?? true,
    sourceMap: false,
    inlineSourceMap: true,
    inlineSources: true,
    noEmit: false,
    declaration: false,
    isolatedModules: true,
  };
}

/**
 * The architecture rules of DESIGN.md 2a, checked on the code's own imports (the TypeScript
 * parser, every import kind: value and type imports, re-exports, `import("x")` types, dynamic
 * imports, `require()` and module augmentations).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as ts from "typescript";

const ROOT = resolve(__dirname, "../..");

/**
 * Bottom to top. A file may import its own layer and the layers below it. `server` sits beside
 * the SDK: it may use the bottom layer, `api` and `local` only.
 */
const LAYERS: ReadonlyArray<{ name: string; match: (file: string) => boolean }> = [
  { name: "base", match: (f) => /^src\/(errors|logger|flushable|bounded-json)\.ts$/.test(f) || f.startsWith("src/config/") },
  { name: "api", match: (f) => f.startsWith("src/api/") },
  { name: "local", match: (f) => f.startsWith("src/local/") },
  { name: "tracing", match: (f) => f.startsWith("src/tracing/") },
  { name: "media", match: (f) => f.startsWith("src/media/") },
  { name: "scores", match: (f) => f.startsWith("src/scores/") },
  { name: "prompts", match: (f) => f.startsWith("src/prompts/") },
  { name: "experiments", match: (f) => f.startsWith("src/experiments/") && !f.startsWith("src/experiments/suites/") },
  { name: "datasets", match: (f) => f.startsWith("src/datasets/") },
  { name: "client", match: (f) => f.startsWith("src/client/") },
  { name: "di", match: (f) => f.startsWith("src/di/") },
  { name: "suites", match: (f) => f.startsWith("src/experiments/suites/") },
  { name: "decorators", match: (f) => f.startsWith("decorators/") },
  { name: "entry", match: (f) => f === "src/index.ts" },
  { name: "integrations", match: (f) => f.startsWith("src/integrations/") },
  { name: "cli", match: (f) => f.startsWith("src/cli/") },
];
const SERVER = { name: "server", match: (f: string) => f.startsWith("src/server/"), may: new Set(["base", "api", "local", "server"]) };

/** Files allowed a relative `require()`: lazy loads of heavy parts (the native SQLite addon). */
const RELATIVE_REQUIRE_ALLOWED = new Set(["src/client/backend/local-backend.ts"]);

function layerOf(file: string): string {
  if (SERVER.match(file)) return SERVER.name;
  const found = LAYERS.find((l) => l.match(file));
  if (!found) throw new Error(`${file} is in no layer: add its folder to LAYERS in test/architecture/layers.test.ts (and DESIGN.md 2a)`);
  return found.name;
}
const rank = (layer: string): number => LAYERS.findIndex((l) => l.name === layer);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

interface Edge {
  from: string;
  to: string;
  kind: "import" | "type" | "require" | "dynamic" | "augment";
}

function resolveSpecifier(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(ROOT, dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) {
    try {
      if (statSync(candidate).isFile()) return relative(ROOT, candidate).replace(/\\/g, "/");
    } catch {
      /* try the next form */
    }
  }
  return undefined;
}

function edgesOf(file: string): Edge[] {
  const sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (spec: string, kind: Edge["kind"]): void => {
    const to = resolveSpecifier(file, spec);
    if (to) edges.push({ from: file, to, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly ? "type" : "import");
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly ? "type" : "import");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, "type");
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name.text, "augment");
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteral(node.arguments[0])) {
      const spec = (node.arguments[0] as ts.StringLiteral).text;
      if (ts.isIdentifier(node.expression) && node.expression.text === "require") add(spec, "require");
      else if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(spec, "dynamic");
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

const files = [...sourceFiles("src"), ...sourceFiles("decorators")];
const edges = files.flatMap(edgesOf);
/** True when an edge goes from a layer to one above it (or out of the server's allowance). */
function looksUp(e: Edge): boolean {
  const from = layerOf(e.from);
  const to = layerOf(e.to);
  if (from === SERVER.name) return !SERVER.may.has(to);
  if (to === SERVER.name) return !["cli", "integrations"].includes(from);
  return rank(to) > rank(from);
}
const show = (list: Edge[]): string[] => list.map((e) => `${e.from} -> ${e.to} (${e.kind})`);

describe("architecture (DESIGN.md 2a)", () => {
  it("finds the source files and their imports", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.kind === "type")).toBe(true);
  });

  it("every file is in a layer, and imports only its own layer and those below", () => {
    expect(show(edges.filter(looksUp))).toEqual([]);
  });

  it("has no import cycle among src/ and decorators/, type imports included", () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    // Tarjan's strongly connected components.
    let index = 0;
    const stack: string[] = [];
    const onStack = new Set<string>();
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const cycles: string[][] = [];
    const strong = (v: string): void => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!idx.has(w)) {
          strong(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
      }
    };
    for (const f of files) if (!idx.has(f)) strong(f);
    expect(cycles).toEqual([]);
  });

  it("only src/client, src/server and src/cli import src/local", () => {
    const bad = edges.filter((e) => e.to.startsWith("src/local/") && !/^src\/(local|client|server|cli)\//.test(e.from));
    expect(show(bad)).toEqual([]);
  });

  it("nothing in tracing, prompts, scores, datasets, experiments, api or local imports src/client", () => {
    const lower = /^src\/(tracing|prompts|scores|datasets|api|local)\/|^src\/experiments\/(?!suites\/)/;
    const bad = edges.filter((e) => e.to.startsWith("src/client/") && lower.test(e.from));
    expect(show(bad)).toEqual([]);
  });

  it("src/ never imports decorators/, the public entry aside", () => {
    const bad = edges.filter((e) => e.from.startsWith("src/") && e.to.startsWith("decorators/") && e.from !== "src/index.ts");
    expect(show(bad)).toEqual([]);
  });

  it("internal code imports concrete files, never a barrel (the subpath entries are for users)", () => {
    const barrels = new Set(["src/index.ts", "src/local/index.ts", "src/server/index.ts"]);
    const bad = edges.filter((e) => barrels.has(e.to) || (e.to.endsWith("/index.ts") && !e.to.startsWith("src/integrations/")));
    expect(show(bad)).toEqual([]);
  });

  it("has no relative require() outside the allow-list", () => {
    const bad = edges.filter((e) => e.kind === "require" && !RELATIVE_REQUIRE_ALLOWED.has(e.from));
    expect(show(bad)).toEqual([]);
  });

  it("catches a violation when one is present (the rules are not vacuous)", () => {
    expect(looksUp({ from: "src/tracing/observations.ts", to: "src/client/langfuse.ts", kind: "type" })).toBe(true);
    expect(looksUp({ from: "src/server/create-server.ts", to: "src/tracing/serialize.ts", kind: "import" })).toBe(true);
    expect(looksUp({ from: "src/client/langfuse.ts", to: "src/tracing/observations.ts", kind: "import" })).toBe(false);
    expect(() => layerOf("src/unknown-folder/x.ts")).toThrow(/no layer/);
  });
});

/**
 * The built package works from another folder: `npm run build`, then a consumer project with
 * node_modules/langfuse-decorators -> this repo requires it (main/exports/types) and uses it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

describe("package: require('langfuse-decorators') from another folder", () => {
  let dir: string;

  beforeAll(() => {
    const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), "lf-consumer-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "langfuse-decorators"), "dir");
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("exports the public API and traces into the embedded store", () => {
    writeFileSync(
      join(dir, "check.js"),
      `
const lf = require("langfuse-decorators");
const names = Object.keys(lf);
const langfuse = new lf.Langfuse({ localDbPath: ":memory:" });
const double = lf.observe((x) => x * 2, { name: "double" });
let traceId;
(async () => {
  const out = await lf.propagateAttributes({ userId: "pkg-user" }, () =>
    langfuse.startAsCurrentObservation({ name: "root" }, (root) => { traceId = root.traceId; return double(21); }));
  const flushed = await langfuse.flush();
  const trace = await langfuse.api.traces.get(traceId);
  await langfuse.shutdown();
  process.stdout.write("\\nRESULT " + JSON.stringify({ names, out, flushed: flushed.delivered, user: trace.userId, obs: trace.observations.map((o) => o.name).sort() }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const run = spawnSync(process.execPath, ["check.js"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT ")) ?? "RESULT null";
    const result = JSON.parse(line.slice(7)) as { names: string[]; out: number; flushed: number; user: string; obs: string[] };
    for (const name of [
      "Langfuse",
      "getClient",
      "resolveConfig",
      "Observe",
      "Observable",
      "observe",
      "propagateAttributes",
      "startObservation",
      "startAsCurrentObservation",
      "updateCurrentSpan",
      "updateCurrentGeneration",
      "updateCurrentTrace",
      "getCurrentTraceId",
      "getCurrentObservationId",
      "createTraceId",
      "isTraceSampled",
      "LangfuseSpanProcessor",
      "LangfuseObservationBase",
      "LangfuseSpan",
      "LangfuseGeneration",
      "LangfuseEvent",
      "LangfuseAgent",
      "LangfuseTool",
      "LangfuseChain",
      "LangfuseRetriever",
      "LangfuseEvaluator",
      "LangfuseEmbedding",
      "LangfuseGuardrail",
      "LangfuseError",
      "LangfuseValidationError",
      "LangfuseApiError",
    ]) {
      expect(result.names).toContain(name);
    }
    expect(result.out).toBe(42);
    expect(result.flushed).toBe(2);
    expect(result.user).toBe("pkg-user");
    expect(result.obs).toEqual(["double", "root"]);
  });

  it("ships type declarations a decorator-using TypeScript consumer compiles against", () => {
    writeFileSync(
      join(dir, "consumer.ts"),
      `
import { Langfuse, Observe, observe, type LangfuseGeneration, type FlushResult } from "langfuse-decorators";
class Service {
  @Observe("generation") async ask(q: string): Promise<string> { return q; }
}
const lf = new Langfuse({ localDbPath: ":memory:" });
const gen: LangfuseGeneration = lf.startObservation({ name: "g", asType: "generation", model: "m" });
gen.update({ usageDetails: { input: 1 } }).end();
const f: (n: number) => number = observe((n: number) => n + 1);
const done: Promise<FlushResult> = lf.shutdown();
void new Service().ask("x"); void f; void done;
`,
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, experimentalDecorators: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ["consumer.ts"],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });
  it("keeps the embedded store, the server and NestJS out of the main entry; they load from subpaths", () => {
    writeFileSync(
      join(dir, "subpaths.js"),
      `
const loaded = (name) => Object.keys(require.cache).some((m) => m.includes("/node_modules/" + name + "/"));
const lf = require("langfuse-decorators");
const before = { sqlite: loaded("better-sqlite3"), fastify: loaded("fastify"), phone: loaded("libphonenumber-js"), openai: loaded("openai"), langchain: loaded("@langchain/core"), nest: loaded("@nestjs/core") };
const server = require("langfuse-decorators/server");
const nestjs = require("langfuse-decorators/nestjs");
const local = require("langfuse-decorators/local");
const integrations = [typeof require("langfuse-decorators/openai").observeOpenAI, typeof require("langfuse-decorators/langchain").CallbackHandler];
(async () => {
  const running = await server.startServer({ host: "127.0.0.1", port: 0, dbPath: ":memory:", publicKey: "pk-lf-sub", secretKey: "sk-lf-sub" });
  const client = new lf.Langfuse({ publicKey: "pk-lf-sub", secretKey: "sk-lf-sub", baseUrl: running.url });
  const ok = await client.authCheck();
  await client.shutdown();
  await running.close();
  const store = local.openLocalStore(":memory:");
  const health = await new local.LocalApi(store).health();
  store.close();
  process.stdout.write("\\nRESULT " + JSON.stringify({ before, ok, health: health.status, exports: [typeof server.startServer, typeof local.LocalSpanExporter, typeof nestjs.LangfuseModule.forRoot], integrations }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const run = spawnSync(process.execPath, ["subpaths.js"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(0);
    const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT ")) ?? "RESULT null";
    const result = JSON.parse(line.slice(7)) as { before: Record<string, boolean>; ok: boolean; health: string; exports: string[]; integrations: string[] };
    // An app that talks to a Langfuse server never loads the native SQLite addon or fastify, nor
    // class-validator's phone-number metadata (src/config/class-validator.ts says why).
    // Nor the LLM frameworks the integrations wrap (optional peers, loaded by their subpaths).
    expect(result.before).toEqual({ sqlite: false, fastify: false, phone: false, openai: false, langchain: false, nest: false });
    expect(result.ok).toBe(true);
    expect(result.health).toBe("OK");
    expect(result.exports).toEqual(["function", "function", "function"]);
    expect(result.integrations).toEqual(["function", "function"]);
  });
});

/**
 * NestJS 12 ships as ES modules only. Jest's CommonJS runtime cannot load it on Node 20 (it would
 * need Node 24.9+), so the NestJS suites cannot run under jest against 12 as they do against 10
 * and 11. Node 20.17+ can `require()` ES modules with --experimental-require-module (Node 22.12+
 * without a flag), which is how a CommonJS app loads NestJS 12 and our CommonJS entry with it:
 * this test runs the Nest sample app that way against test/compat/nest12 (LangfuseModule, the
 * interceptor, a guard, an injected prompt, @Observe on controller and service, image media)
 * and reads what it stored.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalApi, openLocalStore } from "../../src/local";

const ROOT = join(__dirname, "..", "..");

describe("NestJS 12 (ES modules) through require(esm)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lfd-nest12-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the Nest sample app runs on NestJS 12 and stores its traces, nested, with the media", async () => {
    const dbPath = join(dir, "nest12.db");
    const script = [
      `process.stdout.write("nest-versions " + JSON.stringify([require("@nestjs/core/package.json").version, require("@nestjs/common/package.json").version]) + "\\n");`,
      `require("./samples/nest/main.ts");`,
    ].join("\n");
    const env: NodeJS.ProcessEnv = { ...process.env, LANGFUSE_LOCAL_DB: dbPath, NODE_OPTIONS: "" };
    delete env.LANGFUSE_PUBLIC_KEY;
    delete env.LANGFUSE_SECRET_KEY;
    const run = spawnSync(
      process.execPath,
      ["--experimental-require-module", "--no-warnings", "-r", "./test/compat/nest12/register.js", "-r", "ts-node/register/transpile-only", "-e", script],
      { cwd: ROOT, encoding: "utf8", env, timeout: 120_000 },
    );
    expect(run.stderr).not.toMatch(/Error|ERR_/);
    expect(run.status).toBe(0);
    const versions = JSON.parse(/nest-versions (.*)/.exec(run.stdout)![1]) as string[];
    expect(versions.map((v) => v.split(".")[0])).toEqual(["12", "12"]);

    const store = openLocalStore(dbPath);
    try {
      const api = new LocalApi(store);
      const traces = (await api.traces.list({ limit: 10 })).data;
      expect(traces.map((t) => t.name).sort()).toEqual(["GET /hello/:name", "POST /captions"]);
      const captions = traces.find((t) => t.name === "POST /captions")!;
      const observations = (await api.observations.list({ traceId: captions.id, limit: 100 })).data;
      const byName = (name: string) => observations.find((o) => o.name === name)!;
      expect(byName("CaptionController.create").parentObservationId).toBe(byName("POST /captions").id);
      expect(byName("CaptionService.caption").parentObservationId).toBe(byName("CaptionController.create").id);
      expect(byName("vision-model").type).toBe("GENERATION");
      expect(byName("vision-model").parentObservationId).toBe(byName("CaptionService.caption").id);
      const media = /@@@langfuseMedia:type=image\/png\|id=([\w-]{22})\|source=base64_data_uri@@@/.exec(JSON.stringify(byName("vision-model").input));
      expect(media).not.toBeNull();
      expect(api.getMediaBytes(media![1]).bytes.length).toBe(70);
    } finally {
      store.close();
    }
  }, 150_000);
});

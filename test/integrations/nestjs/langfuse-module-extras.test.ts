import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Controller, Inject, Injectable, Module, type INestApplication, type INestApplicationContext } from "@nestjs/common";
import { PATTERN_METADATA } from "@nestjs/microservices/constants";
import { ClientProxyFactory, MessagePattern, Transport, type ClientProxy } from "@nestjs/microservices";
import { Cron, ScheduleModule, SchedulerRegistry } from "@nestjs/schedule";
import { NestFactory } from "@nestjs/core";
import { firstValueFrom } from "rxjs";
import { Evaluator, ExperimentSuite, Langfuse, Observe, Prompt, Task, type EvaluatorArgs, type PromptRef } from "../../../src";
import { LocalApi, openLocalStore } from "../../../src/local";
import { LangfuseExperiments, LangfuseModule, LANGFUSE_CLIENT } from "../../../src/integrations/nestjs";

const ROOT = resolve(__dirname, "..", "..", "..");

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

async function readStore<T>(db: string, fn: (api: LocalApi) => Promise<T>): Promise<T> {
  const store = openLocalStore(db);
  try {
    return await fn(new LocalApi(store));
  } finally {
    store.close();
  }
}

/** A config module as an app would have one (e.g. @nestjs/config's ConfigService). */
@Injectable()
class AppConfig {
  constructor(readonly values: Record<string, string>) {}
  get(key: string): string | undefined {
    return this.values[key];
  }
}

describe("LangfuseModule.forRootAsync, microservices, cron jobs and experiment suites", () => {
  let dir: string;
  let db: string;
  let info: jest.SpyInstance;

  beforeAll(() => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), "lf-nestx-"));
    db = join(dir, "nest.db");
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    info.mockRestore();
  });

  @Injectable()
  class Capitals {
    of(country: string): string {
      return ({ Germany: "Berlin", France: "Paris" } as Record<string, string>)[country] ?? "unknown";
    }
  }

  @ExperimentSuite({ name: "nest-capitals", data: [{ input: "Germany", expectedOutput: "Berlin" }, { input: "France", expectedOutput: "Paris" }], thresholds: { exact: { mean: 1 } } })
  @Injectable()
  class CapitalsSuite {
    constructor(
      private readonly capitals: Capitals,
      @Prompt("nest-capital-q", { fallback: "Capital of {{country}}?" }) private readonly question: PromptRef,
    ) {}

    @Task()
    async answer({ input }: { input: unknown }): Promise<{ q: unknown; a: string }> {
      return { q: await this.question.compile({ country: String(input) }), a: this.capitals.of(String(input)) };
    }

    @Evaluator()
    exact({ output, expectedOutput }: EvaluatorArgs): { name: string; value: number } {
      return { name: "exact", value: (output as { a: string }).a === expectedOutput ? 1 : 0 };
    }
  }

  @Controller()
  class MathController {
    // @Observe above the microservice decorator, then below it.
    @Observe({ name: "rpc-sum" })
    @MessagePattern("sum")
    sum(values: number[]): number {
      return values.reduce((a, b) => a + b, 0);
    }

    @MessagePattern({ cmd: "max" })
    @Observe({ name: "rpc-max" })
    async max(values: number[]): Promise<number> {
      return Math.max(...values);
    }
  }

  @Injectable()
  class Jobs {
    runs: string[] = [];

    @Observe({ name: "cron-nightly" })
    @Cron("0 0 1 1 *", { name: "nightly" })
    nightly(): void {
      this.runs.push("nightly");
    }

    @Cron("0 0 1 1 *", { name: "weekly" })
    @Observe({ name: "cron-weekly" })
    async weekly(): Promise<void> {
      this.runs.push("weekly");
    }
  }

  /** A feature module that injects the global client without importing LangfuseModule. */
  @Injectable()
  class Feature {
    constructor(@Inject(LANGFUSE_CLIENT) readonly client: Langfuse) {}
  }
  @Module({ providers: [Feature], exports: [Feature] })
  class FeatureModule {}

  let app: INestApplication;
  let rpc: ClientProxy;

  it("boots with forRootAsync reading a config provider, global to feature modules", async () => {
    const port = await freePort();
    const config = new AppConfig({ LANGFUSE_LOCAL_DB: db, LANGFUSE_ENV: "nest-test" });
    @Module({ providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] })
    class ConfigModule {}

    @Module({
      imports: [
        LangfuseModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: (cfg: AppConfig) => ({ localDbPath: cfg.get("LANGFUSE_LOCAL_DB"), environment: cfg.get("LANGFUSE_ENV"), flushInterval: 3600 }),
        }),
        ScheduleModule.forRoot(),
        FeatureModule,
      ],
      controllers: [MathController],
      providers: [Capitals, CapitalsSuite, Jobs],
    })
    class AppModule {}

    app = await NestFactory.create(AppModule, { logger: false });
    app.connectMicroservice({ transport: Transport.TCP, options: { host: "127.0.0.1", port } });
    await app.startAllMicroservices();
    await app.init();
    rpc = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: "127.0.0.1", port } });

    const client = app.get(Langfuse);
    expect(client.config.localDbPath).toBe(db);
    expect(client.config.environment).toBe("nest-test");
    expect(app.get(Feature).client).toBe(client);
  });

  it("with isGlobal: false, a module that does not import LangfuseModule cannot inject the client", async () => {
    @Injectable()
    class Needy {
      constructor(@Inject(LANGFUSE_CLIENT) readonly client: Langfuse) {}
    }
    @Module({ providers: [Needy] })
    class IsolatedFeature {}
    @Module({ imports: [LangfuseModule.forRoot({ localDbPath: join(dir, "isolated.db"), flushInterval: 3600 }, { isGlobal: false }), IsolatedFeature] })
    class IsolatedApp {}
    await expect(NestFactory.createApplicationContext(IsolatedApp, { logger: false, abortOnError: false })).rejects.toThrow(/can't resolve dependencies of the Needy/i);
  });

  it("@MessagePattern handlers stay registered and answer over TCP in both decorator orders", async () => {
    expect(Reflect.getMetadata(PATTERN_METADATA, MathController.prototype.sum)).toEqual(["sum"]);
    expect(Reflect.getMetadata(PATTERN_METADATA, MathController.prototype.max)).toEqual([{ cmd: "max" }]);
    await expect(firstValueFrom(rpc.send("sum", [1, 2, 3]))).resolves.toBe(6);
    await expect(firstValueFrom(rpc.send({ cmd: "max" }, [4, 9, 2]))).resolves.toBe(9);
  });

  it("@Cron jobs stay registered in both decorator orders and run traced", async () => {
    const registry = app.get(SchedulerRegistry);
    const jobs = app.get(Jobs);
    await registry.getCronJob("nightly").fireOnTick();
    await registry.getCronJob("weekly").fireOnTick();
    expect(jobs.runs.sort()).toEqual(["nightly", "weekly"]);
  });

  it("LangfuseExperiments discovers @ExperimentSuite providers and runs them through Nest's injector", async () => {
    const experiments = app.get(LangfuseExperiments);
    expect(experiments.discover().map((s) => s.name)).toEqual(["CapitalsSuite"]);
    const report = await experiments.run({ progress: false });
    expect(report.outcomes.map((o) => [o.name, o.error ?? "ok", o.gate?.passed])).toEqual([["nest-capitals", "ok", true]]);
    expect(report.passed).toBe(true);
    const items = report.outcomes[0].result!.itemResults.map((r) => r.output);
    expect(items).toEqual([
      { q: "Capital of Germany?", a: "Berlin" },
      { q: "Capital of France?", a: "Paris" },
    ]);
  });

  it("app.close() delivers the RPC and cron spans", async () => {
    rpc.close();
    await app.close();
    const names = await readStore(db, async (api) => (await api.observations.list({ limit: 100 })).data.map((o) => o.name));
    for (const n of ["rpc-sum", "rpc-max", "cron-nightly", "cron-weekly"]) expect(names).toContain(n);
  });

  it("a child process that exits right after a request (SIGTERM with enableShutdownHooks) loses nothing", () => {
    const childDb = join(dir, "child.db");
    const script = join(__dirname, "fixtures", "shutdown-child.ts");
    const run = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), script, childDb], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json") },
      timeout: 120_000,
    });
    expect({ out: run.stdout, err: run.stderr.slice(-2000) }).toMatchObject({ out: expect.stringContaining("STATUS 200") });
    expect(run.signal === "SIGTERM" || run.status === 0).toBe(true);
    return readStore(childDb, async (api) => {
      const observations = (await api.observations.list({ limit: 100 })).data;
      const root = observations.find((o) => o.name === "GET /ping");
      const handler = observations.find((o) => o.name === "ping-handler");
      expect(root).toBeDefined();
      expect(handler?.parentObservationId).toBe(root!.id);
      expect(root!.metadata).toMatchObject({ status: 200 });
    });
  });
});

import { Inject, Injectable } from "@nestjs/common";
import { DiscoveryService, ModuleRef } from "@nestjs/core";
import { getSuiteOptions, type SuiteClass } from "../../experiments/suites/suite-registry";
import { Langfuse } from "../../client/langfuse";
import { runSuites, type RunSuitesOptions, type SuiteRunReport } from "../../experiments/suites/suite-runner";

/** `runSuites` options inside a Nest app: the container and client come from the app. */
export type NestRunSuitesOptions = Omit<RunSuitesOptions, "container" | "suites" | "langfuse">;

/**
 * Runs the `@ExperimentSuite` classes registered as Nest providers, resolved through Nest's
 * injector (so suites and evaluator classes get their dependencies, prompts included):
 *
 *     const app = await NestFactory.createApplicationContext(AppModule);
 *     const report = await app.get(LangfuseExperiments).run();
 */
@Injectable()
export class LangfuseExperiments {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    @Inject(Langfuse) private readonly client: Langfuse,
  ) {}

  /** The suite classes among the app's providers, in discovery order, without duplicates. */
  discover(): SuiteClass[] {
    const found: SuiteClass[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype;
      if (typeof type !== "function" || wrapper.isAlias) continue;
      if (getSuiteOptions(type) && !found.includes(type as SuiteClass)) found.push(type as SuiteClass);
    }
    return found;
  }

  /** Runs the discovered suites (all, or those matching `filter`) with the app's client. */
  run(options: NestRunSuitesOptions = {}): Promise<SuiteRunReport> {
    const moduleRef = this.moduleRef;
    return runSuites({
      ...options,
      suites: this.discover(),
      langfuse: this.client,
      container: {
        // Suites and evaluator classes that are providers come from the app; for a class that
        // is not, runSuites builds it from its constructor's parameter types, each resolved here.
        resolve<T>(token: unknown): T {
          return moduleRef.get(token as never, { strict: false }) as T;
        },
      },
    });
  }
}

import type { INestApplicationContext } from "@nestjs/common";
import type { DiContainer } from "../../experiments/suites/suite-runner";

/** A `DiContainer` over a Nest application context, closed by the experiment CLI when it is done. */
export interface NestSuiteContainer extends DiContainer {
  readonly app: INestApplicationContext;
  close(): Promise<void>;
}

/**
 * Lets `langfuse-decorators experiment` resolve suites through a Nest app: export it from a
 * suite file (the CLI waits for it, uses the app's Langfuse client, and closes the app at the end):
 *
 *     export const container = nestSuiteContainer(NestFactory.createApplicationContext(AppModule, { logger: false }));
 */
export async function nestSuiteContainer(app: INestApplicationContext | Promise<INestApplicationContext>): Promise<NestSuiteContainer> {
  const ctx = await app;
  return {
    app: ctx,
    resolve<T>(token: unknown): T {
      return ctx.get(token as never, { strict: false }) as T;
    },
    close: () => ctx.close(),
  };
}

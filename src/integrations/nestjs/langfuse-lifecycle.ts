import { Inject, Injectable, type OnApplicationShutdown } from "@nestjs/common";
import { Langfuse } from "../../client/langfuse";
import { errorMessage } from "../../errors";
import { logger } from "../../logger";
import { LANGFUSE_MODULE_OPTIONS } from "./tokens";
import type { LangfuseModuleOptions } from "./options";

/**
 * Delivers everything on application shutdown (`app.close()`, or SIGTERM/SIGINT with
 * `app.enableShutdownHooks()`): a client the module created is shut down, a client passed in
 * (`options.client`) is only flushed, since its owner may still use it.
 */
@Injectable()
export class LangfuseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Langfuse) private readonly client: Langfuse,
    @Inject(LANGFUSE_MODULE_OPTIONS) private readonly options: LangfuseModuleOptions,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    try {
      const report = this.options.client ? await this.client.flush() : await this.client.shutdown();
      if (report.failed > 0 || report.dropped > 0) {
        logger.warn(`on shutdown: ${report.failed} failed, ${report.dropped} dropped (${report.errors.slice(0, 3).join("; ")})`);
      }
    } catch (err) {
      logger.warn(`flush on application shutdown failed: ${errorMessage(err)}`);
    }
  }
}

import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  SetMetadata,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestApplicationContext,
  type NestInterceptor,
  type OnModuleInit,
  type PipeTransform,
} from "@nestjs/common";
import { GUARDS_METADATA, INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA, PIPES_METADATA, ROUTE_ARGS_METADATA } from "@nestjs/common/constants";
import { DiscoveryModule, DiscoveryService, MetadataScanner, NestFactory, Reflector } from "@nestjs/core";
import { Langfuse, Observe } from "../../src";

/**
 * The decorator contract of reference/peers-and-style.md §1.5 inside a real Nest application:
 * Nest decorators (route decorators, SetMetadata, Reflector.createDecorator and
 * DiscoveryService.createDecorator, which all write onto descriptor.value) stay discoverable
 * by Nest's own DiscoveryService / MetadataScanner / Reflector whether @Observe sits above or
 * below them, and the resolved instances' calls produce spans.
 */

const ROLE = "test:role";
const Roles = Reflector.createDecorator<string[]>();
const OnJob = DiscoveryService.createDecorator<{ job: string }>();

@Injectable()
class JobWorker {
  factor = 10;

  // @Observe above the Nest decorator (applied last: it must copy the metadata onto its wrapper).
  @Observe()
  @OnJob({ job: "job.above" })
  handleAbove(n: number): number {
    return n * this.factor;
  }

  // @Observe below (applied first: Nest writes onto our wrapper).
  @OnJob({ job: "job.below" })
  @Observe({ name: "worker-below", asType: "tool" })
  async handleBelow(n: number): Promise<number> {
    await Promise.resolve();
    return n + this.factor;
  }
}

@Controller("items")
class ItemsController {
  constructor(private readonly worker: JobWorker) {}

  @Observe()
  @Get(":id")
  @SetMetadata(ROLE, "admin")
  @Roles(["reader"])
  getItem(@Param("id") id: string): { id: string; doubled: number } {
    return { id, doubled: this.worker.handleAbove(Number(id)) };
  }

  @Post("run/:n")
  @Roles(["writer"])
  @SetMetadata(ROLE, "operator")
  @Observe({ name: "items-run" })
  async run(@Param("n") n: string): Promise<number> {
    return this.worker.handleBelow(Number(n));
  }
}

class AllowGuard implements CanActivate {
  canActivate(_ctx: ExecutionContext): boolean {
    return true;
  }
}
class PassInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}
class TrimPipe implements PipeTransform {
  transform(v: unknown): unknown {
    return typeof v === "string" ? v.trim() : v;
  }
}

/** Method-level guards, interceptors and pipes with @Observe above and below them. */
@Controller("enhanced")
class EnhancedController {
  @Observe()
  @Get("above")
  @UseGuards(AllowGuard)
  @UseInterceptors(PassInterceptor)
  @UsePipes(TrimPipe)
  above(): string {
    return "above";
  }

  @Get("below")
  @UseGuards(AllowGuard)
  @UseInterceptors(PassInterceptor)
  @UsePipes(TrimPipe)
  @Observe()
  below(): string {
    return "below";
  }
}

interface FoundJob {
  job: string;
  owner: string;
  method: string;
  call: (n: number) => unknown;
}

/** Discovers @OnJob handlers the way @nestjs/schedule / event-emitter explorers do. */
@Injectable()
class JobExplorer implements OnModuleInit {
  readonly found: FoundJob[] = [];
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const instance = wrapper.instance as Record<string, (n: number) => unknown> | undefined;
      if (!instance || wrapper.isAlias || !wrapper.isDependencyTreeStatic()) continue;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const meta = this.discovery.getMetadataByDecorator(OnJob, wrapper, method);
        if (!meta) continue;
        this.found.push({ job: meta.job, owner: instance.constructor.name, method, call: (n) => instance[method](n) });
      }
    }
  }
}

@Module({ imports: [DiscoveryModule], controllers: [ItemsController], providers: [JobWorker, JobExplorer] })
class AppModule {}

describe("@Observe with NestJS decorators (real application context)", () => {
  let dir: string;
  let langfuse: Langfuse;
  let app: INestApplicationContext;
  let info: jest.SpyInstance;

  beforeAll(async () => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), "lf-nest-"));
    langfuse = new Langfuse({ localDbPath: join(dir, "nest.db"), flushInterval: 3600 });
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await langfuse.shutdown();
    rmSync(dir, { recursive: true, force: true });
    info.mockRestore();
  });

  it("Nest's DiscoveryService finds handlers with @Observe above and below the discoverable decorator", () => {
    const explorer = app.get(JobExplorer);
    const jobs = explorer.found.map((f) => `${f.job}:${f.owner}.${f.method}`).sort();
    expect(jobs).toEqual(["job.above:JobWorker.handleAbove", "job.below:JobWorker.handleBelow"]);
  });

  it("route, SetMetadata and Reflector.createDecorator metadata is read by Nest's Reflector in both orders", () => {
    const reflector = app.get(Reflector);
    const proto = ItemsController.prototype;
    // @Observe above the Nest decorators.
    expect(reflector.get(PATH_METADATA, proto.getItem)).toBe(":id");
    expect(reflector.get(METHOD_METADATA, proto.getItem)).toBe(0); // RequestMethod.GET
    expect(reflector.get(ROLE, proto.getItem)).toBe("admin");
    expect(reflector.get(Roles, proto.getItem)).toEqual(["reader"]);
    // @Observe below them.
    expect(reflector.get(PATH_METADATA, proto.run)).toBe("run/:n");
    expect(reflector.get(METHOD_METADATA, proto.run)).toBe(1); // RequestMethod.POST
    expect(reflector.get(ROLE, proto.run)).toBe("operator");
    expect(reflector.get(Roles, proto.run)).toEqual(["writer"]);
    // Parameter decorators live on the class, keyed by method name: untouched by wrapping.
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, ItemsController, "getItem") as Record<string, { data: unknown }>;
    expect(Object.values(args).map((a) => a.data)).toEqual(["id"]);
    // The contract: name and length kept, the wrapper is still a plain function.
    expect(proto.getItem.name).toBe("getItem");
    expect(proto.getItem.length).toBe(1);
    expect(proto.run.name).toBe("run");
    expect(JobWorker.prototype.handleBelow.length).toBe(1);
  });

  it("method-level @UseGuards / @UseInterceptors / @UsePipes metadata survives @Observe in both orders", () => {
    const reflector = app.get(Reflector);
    for (const fn of [EnhancedController.prototype.above, EnhancedController.prototype.below]) {
      expect(reflector.get(GUARDS_METADATA, fn)).toEqual([AllowGuard]);
      expect(reflector.get(INTERCEPTORS_METADATA, fn)).toEqual([PassInterceptor]);
      expect(reflector.get(PIPES_METADATA, fn)).toEqual([TrimPipe]);
      expect(reflector.get(PATH_METADATA, fn)).toBe(fn.name);
    }
  });

  it("calls on Nest-resolved instances (and via discovered handlers) produce nested spans in the embedded store", async () => {
    const controller = app.get(ItemsController);
    expect(controller.getItem("4")).toEqual({ id: "4", doubled: 40 });
    await expect(controller.run("5")).resolves.toBe(15);
    const viaExplorer = app.get(JobExplorer).found.find((f) => f.job === "job.above")!;
    expect(viaExplorer.call(7)).toBe(70);

    const report = await langfuse.flush();
    expect(report.failed).toBe(0);
    const observations = (await langfuse.api.observations.list({ limit: 100 })).data;
    const byName = (name: string) => observations.filter((o) => o.name === name);

    const getItem = byName("ItemsController.getItem");
    expect(getItem).toHaveLength(1);
    const handleAbove = byName("JobWorker.handleAbove");
    expect(handleAbove).toHaveLength(2);
    const nested = handleAbove.find((o) => o.parentObservationId === getItem[0].id);
    expect(nested?.traceId).toBe(getItem[0].traceId);
    expect(handleAbove.some((o) => o.parentObservationId == null && o.traceId !== getItem[0].traceId)).toBe(true);

    const run = byName("items-run");
    const below = byName("worker-below");
    expect(run).toHaveLength(1);
    expect(below).toHaveLength(1);
    expect(below[0].parentObservationId).toBe(run[0].id);
    expect(below[0].type).toBe("TOOL");
    expect(String(getItem[0].input)).toBe("4");
    expect(below[0].output).toBe(15);
  });
});

import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Body,
  type CallHandler,
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  Inject,
  Injectable,
  type INestApplication,
  type NestInterceptor,
  Param,
  type PipeTransform,
  Post,
  SetMetadata,
  UseGuards,
  UseInterceptors,
} from "@nestjs/common";
import { Reflector } from "@nestjs/core";
import { EventEmitter2, EventEmitterModule, OnEvent } from "@nestjs/event-emitter";
import { Test } from "@nestjs/testing";
import { map, type Observable } from "rxjs";
import { Langfuse, LANGFUSE_CLIENT, Observe, Prompt, PromptRef, type TextPromptClient } from "../../../src";
import { LocalApi, openLocalStore } from "../../../src/local";
import { LangfuseInterceptor, LangfuseModule } from "../../../src/integrations/nestjs";
import type { Observation } from "../../../src/api/types";

const ROLES = "test:roles";
const Roles = (...roles: string[]) => SetMetadata(ROLES, roles);

@Injectable()
class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  @Observe({ name: "roles-guard" })
  canActivate(ctx: ExecutionContext): boolean {
    const roles = this.reflector.get<string[]>(ROLES, ctx.getHandler()) ?? [];
    const role = ctx.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers["x-role"];
    if (roles.length && !roles.includes(role)) throw new ForbiddenException("role required");
    return true;
  }
}

@Injectable()
class DoublePipe implements PipeTransform<string, number> {
  @Observe({ name: "double-pipe" })
  transform(value: string): number {
    return Number(value) * 2;
  }
}

@Injectable()
class TagInterceptor implements NestInterceptor {
  @Observe({ name: "tag-interceptor", captureInput: false, captureOutput: false })
  intercept(_ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((v) => ({ ...(v as object), tagged: true })));
  }
}

@Injectable()
class GreetingService {
  constructor(
    @Prompt("nest-greeting", { fallback: "Hello {{name}}!" }) readonly greeting: PromptRef<TextPromptClient>,
    @Inject(LANGFUSE_CLIENT) readonly client: Langfuse,
    readonly events: EventEmitter2,
  ) {}

  @Observe({ asType: "generation" })
  async greet(name: string): Promise<string> {
    const text = await this.greeting.compile({ name });
    await this.events.emitAsync("greeted", { name });
    return text;
  }
}

@Injectable()
class GreetListener {
  readonly seen: string[] = [];

  // Observe above the Nest decorator.
  @Observe({ name: "on-greeted" })
  @OnEvent("greeted")
  onGreeted(payload: { name: string }): void {
    this.seen.push(payload.name);
  }

  // Observe below it.
  @OnEvent("greeted")
  @Observe({ name: "on-greeted-below" })
  async onGreetedBelow(payload: { name: string }): Promise<void> {
    this.seen.push(`below:${payload.name}`);
  }
}

@Controller("greet")
@UseGuards(RolesGuard)
class GreetController {
  constructor(private readonly service: GreetingService) {}

  @Observe()
  @Get(":name")
  @Roles("reader")
  @UseInterceptors(TagInterceptor)
  async get(@Param("name") name: string): Promise<{ text: string }> {
    return { text: await this.service.greet(name) };
  }

  @Post("double/:n")
  @Roles("writer")
  @Observe({ name: "double-route" })
  double(@Param("n", DoublePipe) n: number, @Body() body: { note?: string }): { n: number; note?: string } {
    return { n, note: body?.note };
  }
}

function tree(observations: Observation[], traceId: string): string[] {
  const inTrace = observations.filter((o) => o.traceId === traceId);
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number): void => {
    for (const o of inTrace.filter((x) => (x.parentObservationId ?? null) === parent).sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
      lines.push(`${"  ".repeat(depth)}${o.name}`);
      walk(o.id, depth + 1);
    }
  };
  walk(null, 0);
  return lines;
}

describe("LangfuseModule in a real Nest HTTP app (express)", () => {
  let dir: string;
  let db: string;
  let app: INestApplication;
  let base: string;
  let info: jest.SpyInstance;

  beforeAll(async () => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), "lf-nestmod-"));
    db = join(dir, "nest.db");
    const moduleRef = await Test.createTestingModule({
      imports: [
        LangfuseModule.forRoot({ localDbPath: db, flushInterval: 3600, interceptor: { extract: (ctx) => ({ userId: ctx.switchToHttp().getRequest().headers["x-user"], sessionId: "s-1" }) } }, { traceRequests: true }),
        EventEmitterModule.forRoot(),
      ],
      controllers: [GreetController],
      providers: [GreetingService, GreetListener, RolesGuard, DoublePipe, TagInterceptor],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, "127.0.0.1");
    base = await app.getUrl();
    base = base.replace("[::1]", "127.0.0.1");
    await app.get(Langfuse).createPrompt({ name: "nest-greeting", type: "text", prompt: "Hi {{name}}!", labels: ["production"] });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    info.mockRestore();
  });

  it("serves decorated routes through guards, pipes and interceptors, with the injected prompt and event handlers", async () => {
    const ok = await fetch(`${base}/greet/ada`, { headers: { "x-role": "reader", "x-user": "u-42" } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ text: "Hi ada!", tagged: true });

    const denied = await fetch(`${base}/greet/bob`, { headers: { "x-role": "nobody" } });
    expect(denied.status).toBe(403);

    const doubled = await fetch(`${base}/greet/double/21`, {
      method: "POST",
      headers: { "x-role": "writer", "content-type": "application/json" },
      body: JSON.stringify({ note: "hi" }),
    });
    expect(doubled.status).toBe(201);
    expect(await doubled.json()).toEqual({ n: 42, note: "hi" });

    expect(app.get(GreetListener).seen.sort()).toEqual(["ada", "below:ada"]);
    const service = app.get(GreetingService);
    expect(service.greeting).toBeInstanceOf(PromptRef);
    expect(service.greeting.name).toBe("nest-greeting");
    expect(service.client).toBe(app.get(Langfuse));
  });

  it("keeps route and Reflector metadata on the wrapped handlers", () => {
    const reflector = app.get(Reflector);
    expect(reflector.get(ROLES, GreetController.prototype.get)).toEqual(["reader"]);
    expect(reflector.get(ROLES, GreetController.prototype.double)).toEqual(["writer"]);
    expect(Reflect.getMetadata("path", GreetController.prototype.get)).toBe(":name");
    expect(Reflect.getMetadata("path", GreetController.prototype.double)).toBe("double/:n");
  });

  it("stores one trace per request with the right nesting, user, session and status", async () => {
    const client = app.get(Langfuse);
    const report = await client.flush();
    expect(report.failed).toBe(0);
    const api = client.api as LocalApi;
    const observations = (await api.observations.list({ limit: 100 })).data;
    const traces = (await api.traces.list({ limit: 50 })).data;

    const get = traces.find((t) => t.name === "GET /greet/:name")!;
    expect(get).toBeDefined();
    expect(get.userId).toBe("u-42");
    expect(get.sessionId).toBe("s-1");
    expect(tree(observations, get.id)).toEqual([
      "GET /greet/:name",
      "  tag-interceptor",
      "    GreetController.get",
      "      GreetingService.greet",
      "        on-greeted",
      "        on-greeted-below",
    ]);
    const root = observations.find((o) => o.traceId === get.id && o.name === "GET /greet/:name")!;
    expect(root.metadata).toMatchObject({ method: "GET", route: "/greet/:name", status: 200, handler: "GreetController.get" });
    expect(root.output).toEqual({ text: "Hi ada!", tagged: true });

    const post = traces.find((t) => t.name === "POST /greet/double/:n")!;
    expect(tree(observations, post.id)).toEqual(["POST /greet/double/:n", "  double-pipe", "  double-route"]);
    const postRoot = observations.find((o) => o.traceId === post.id && o.parentObservationId == null)!;
    expect(postRoot.metadata).toMatchObject({ status: 201 });
    expect(postRoot.input).toMatchObject({ params: { n: "21" }, body: { note: "hi" } });

    // Pipes run inside the interceptor chain (above: nested in the request trace); guards run
    // before interceptors, so their spans are traces of their own, and the rejected request
    // never reached the handler.
    const guardSpans = observations.filter((o) => o.name === "roles-guard");
    expect(guardSpans).toHaveLength(3);
    expect(observations.filter((o) => o.name === "double-pipe")).toHaveLength(1);
    expect(traces.filter((t) => t.name === "GET /greet/:name")).toHaveLength(1);
  });

  it("the interceptor is injectable for per-controller use", () => {
    expect(app.get(LangfuseInterceptor)).toBeInstanceOf(LangfuseInterceptor);
  });

  it("app.close() shuts the module's client down after delivering everything", async () => {
    await fetch(`${base}/greet/last`, { headers: { "x-role": "reader" } });
    await app.close();
    const store = openLocalStore(db);
    try {
      const api = new LocalApi(store);
      const traces = (await api.traces.list({ limit: 50 })).data;
      expect(traces.filter((t) => t.name === "GET /greet/:name")).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});

import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Controller, Get, Injectable, NotFoundException, Param } from "@nestjs/common";
import { FastifyAdapter, type NestFastifyApplication } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import { Langfuse, Observe, Prompt, PromptRef } from "../../../src";
import { LocalApi, openLocalStore } from "../../../src/local";
import { LangfuseModule } from "../../../src/integrations/nestjs";

describe("LangfuseModule on the fastify platform", () => {
  let dir: string;
  let db: string;
  let app: NestFastifyApplication;
  let base: string;
  let info: jest.SpyInstance;
  // Evaluated before the service below is defined: the module reads the @Prompt tokens when
  // Nest scans it, not when forRoot() runs.
  const langfuseModule = (path: string) => LangfuseModule.forRoot({ localDbPath: path, flushInterval: 3600 }, { traceRequests: true });

  beforeAll(async () => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), "lf-nestfy-"));
    db = join(dir, "fastify.db");
    const mod = langfuseModule(db);

    @Injectable()
    class ItemService {
      constructor(@Prompt("late-defined-prompt", { label: "staging" }) readonly prompt: PromptRef) {}

      @Observe({ asType: "tool" })
      find(id: string): { id: string } {
        if (id === "0") throw new NotFoundException(`item ${id}`);
        return { id };
      }
    }

    @Controller("items")
    class ItemController {
      constructor(readonly items: ItemService) {}

      @Observe()
      @Get(":id")
      get(@Param("id") id: string): { id: string } {
        return this.items.find(id);
      }
    }

    const moduleRef = await Test.createTestingModule({ imports: [mod], controllers: [ItemController], providers: [ItemService] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.listen(0, "127.0.0.1");
    base = (await app.getUrl()).replace("[::1]", "127.0.0.1");
    const service = app.get(ItemService);
    expect(service.prompt).toBeInstanceOf(PromptRef);
    expect(service.prompt.options).toEqual({ label: "staging" });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    info.mockRestore();
  });

  it("traces each request with the fastify route pattern and the status actually sent (also for errors)", async () => {
    const ok = await fetch(`${base}/items/7`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: "7" });
    const missing = await fetch(`${base}/items/0`);
    expect(missing.status).toBe(404);

    expect((await app.get(Langfuse).flush()).failed).toBe(0);
    await app.close();
    const store = openLocalStore(db);
    try {
      const api = new LocalApi(store);
      const observations = (await api.observations.list({ limit: 100 })).data;
      const roots = observations.filter((o) => o.name === "GET /items/:id");
      expect(roots).toHaveLength(2);
      const byStatus = new Map(roots.map((r) => [(r.metadata as { status: number }).status, r]));
      expect([...byStatus.keys()].sort()).toEqual([200, 404]);
      for (const root of roots) {
        const handler = observations.find((o) => o.parentObservationId === root.id)!;
        expect(handler.name).toBe("ItemController.get");
        expect(observations.find((o) => o.parentObservationId === handler.id)?.name).toBe("ItemService.find");
      }
      expect(byStatus.get(404)!.level).toBe("WARNING");
    } finally {
      store.close();
    }
  });
});

/**
 * The NestJS suites run twice (jest projects "node" and "nest10"): these checks make sure each
 * run really loaded the NestJS it claims to, as one copy (a second @nestjs/common inside
 * @nestjs/core would make Nest's instanceof checks fail silently), in this process and in the
 * child processes the suites spawn.
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Controller, Get, NotFoundException } from "@nestjs/common";
import { Test } from "@nestjs/testing";

const expectedMajor = process.env.LANGFUSE_TEST_NEST_MAJOR ?? "11";
const ROOT = join(__dirname, "..", "..", "..");
const PACKAGES = ["common", "core", "testing", "platform-express", "platform-fastify", "microservices"];

const major = (version: string): string => version.split(".")[0];

@Controller()
class MissingController {
  @Get("missing")
  missing(): never {
    throw new NotFoundException("nothing here");
  }
}

describe(`NestJS ${expectedMajor}`, () => {
  it("every @nestjs package loads at that major version", () => {
    const versions = Object.fromEntries(PACKAGES.map((p) => [p, major((require(`@nestjs/${p}/package.json`) as { version: string }).version)]));
    expect(versions).toEqual(Object.fromEntries(PACKAGES.map((p) => [p, expectedMajor])));
  });

  it("@nestjs/core uses the same @nestjs/common as our code (its exception filter knows our HttpException)", async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [MissingController] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, "127.0.0.1");
    try {
      const res = await fetch(`${await app.getUrl()}/missing`.replace("[::1]", "127.0.0.1"));
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ message: "nothing here" });
    } finally {
      await app.close();
    }
  });

  it("child processes spawned with this env load the same major, from our code and from inside @nestjs/core", () => {
    const script = [
      `const core = require("@nestjs/core/package.json").version;`,
      `const common = require("@nestjs/common/package.json").version;`,
      `const commonOfCore = require(require.resolve("@nestjs/common/package.json", { paths: [require.resolve("@nestjs/core")] })).version;`,
      `process.stdout.write(JSON.stringify({ core, common, commonOfCore }));`,
    ].join("\n");
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env } });
    expect(run.stderr).toBe("");
    const got = JSON.parse(run.stdout) as Record<string, string>;
    expect({ core: major(got.core), common: major(got.common), commonOfCore: major(got.commonOfCore) }).toEqual({
      core: expectedMajor,
      common: expectedMajor,
      commonOfCore: expectedMajor,
    });
  });
});

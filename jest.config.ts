import type { Config } from "jest";

type Project = NonNullable<Config["projects"]>[number] & object;

const base = {
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }],
  },
  setupFiles: ["reflect-metadata"],
} satisfies Project;

/**
 * The NestJS packages the nest10 project takes from test/compat/nest10 (NestJS 10, a `file:`
 * devDependency with its own node_modules: its peers cannot sit beside the root's NestJS 11).
 * The mapping applies to every require in the test, node_modules included, so @nestjs/core,
 * @nestjs/testing, @nestjs/schedule and @nestjs/event-emitter all share the one NestJS 10
 * @nestjs/common. Child processes get the same redirection from test/compat/nest10/register.js.
 */
const NEST10_PACKAGES = "common|core|testing|platform-express|platform-fastify|microservices";

const config: Config = {
  projects: [
    { ...base, displayName: "node", roots: ["<rootDir>/test"], testMatch: ["**/*.test.ts"] },
    {
      ...base,
      displayName: "nest10",
      roots: ["<rootDir>/test/integrations/nestjs"],
      testMatch: ["**/*.test.ts"],
      moduleNameMapper: { [`^@nestjs/(${NEST10_PACKAGES})(/.*)?$`]: "<rootDir>/test/compat/nest10/node_modules/@nestjs/$1$2" },
      setupFiles: [...base.setupFiles, "<rootDir>/test/compat/nest10/setup.js"],
    },
  ],
  // Servers, SQLite files and real exporters make some suites slow on a 2-core machine.
  testTimeout: 60_000,
  maxWorkers: 2,
};

export default config;

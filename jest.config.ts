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
 * The NestJS suites run again against NestJS 10, installed in test/compat/nest10 (see
 * test/compat/nest-compat.js; NestJS 12 is ES modules only, which jest's runtime cannot load on
 * Node 20: test/compat/nest12.test.ts runs it in a child process). The mapping applies to every require in the test, node_modules
 * included, so @nestjs/core, @nestjs/testing, @nestjs/schedule and @nestjs/event-emitter all
 * share that version's one @nestjs/common.
 */
const { PACKAGES: NEST_PACKAGES } = require("./test/compat/nest-compat") as { PACKAGES: string };

function nestProject(major: number): Project {
  const dir = `<rootDir>/test/compat/nest${major}`;
  return {
    ...base,
    displayName: `nest${major}`,
    roots: ["<rootDir>/test/integrations/nestjs"],
    testMatch: ["**/*.test.ts"],
    moduleNameMapper: { [`^@nestjs/(${NEST_PACKAGES})(/.*)?$`]: `${dir}/node_modules/@nestjs/$1$2` },
    setupFiles: [...base.setupFiles, `${dir}/setup.js`],
  };
}

const config: Config = {
  projects: [
    { ...base, displayName: "node", roots: ["<rootDir>/test"], testMatch: ["**/*.test.ts"] },
    nestProject(10),
  ],
  // Servers, SQLite files and real exporters make some suites slow on a 2-core machine.
  testTimeout: 60_000,
  maxWorkers: 2,
};

export default config;

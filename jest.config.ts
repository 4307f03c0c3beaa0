import type { Config } from "jest";

const config: Config = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }],
  },
  setupFiles: ["reflect-metadata"],
  // Servers, SQLite files and real exporters make some suites slow on a 2-core machine.
  testTimeout: 60_000,
  maxWorkers: 2,
};

export default config;

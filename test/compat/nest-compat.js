/**
 * Running the NestJS suites against another NestJS major, installed in test/compat/nest<N> (a
 * `file:` devDependency with its own node_modules: its peers cannot sit beside the root's
 * NestJS 11). `redirect(dir)` makes every require of a NestJS package resolve to that copy, from
 * anywhere (our sources, the root's @nestjs/schedule, ...), as the jest project's
 * moduleNameMapper does inside jest; `useFromJest(dir, major)` is the jest setup file's part: it
 * tells the suites which major to expect and preloads the redirection into the child processes
 * they spawn.
 */
const Module = require("node:module");
const { join } = require("node:path");

const PACKAGES = "common|core|testing|platform-express|platform-fastify|microservices";

function redirect(dir) {
  const nest = new RegExp(`^@nestjs/(${PACKAGES})(/.*)?$`);
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolveCompatNest(request, parent, isMain, options) {
    if (nest.test(request)) return original.call(this, request, parent, isMain, { paths: [dir] });
    return original.call(this, request, parent, isMain, options);
  };
}

function useFromJest(dir, major) {
  process.env.LANGFUSE_TEST_NEST_MAJOR = major;
  const hook = `--require ${JSON.stringify(join(dir, "register.js"))}`;
  if (!(process.env.NODE_OPTIONS ?? "").includes(hook)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} ${hook}`.trim();
}

module.exports = { PACKAGES, redirect, useFromJest };

/**
 * Preloaded (`node --require`) into child processes of the nest10 jest project: resolves the
 * NestJS packages to the NestJS 10 copies in this folder from anywhere (our sources, the root's
 * @nestjs/schedule, ...), as the project's moduleNameMapper does inside jest.
 */
const Module = require("node:module");

const NEST10 = /^@nestjs\/(common|core|testing|platform-express|platform-fastify|microservices)(\/.*)?$/;
const original = Module._resolveFilename;
Module._resolveFilename = function resolveNest10(request, parent, isMain, options) {
  if (NEST10.test(request)) return original.call(this, request, parent, isMain, { paths: [__dirname] });
  return original.call(this, request, parent, isMain, options);
};

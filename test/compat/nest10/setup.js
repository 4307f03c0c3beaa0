// jest setupFiles of the nest10 project: the NestJS suites read the expected major version from
// here, and child processes they spawn with this env resolve NestJS 10 as well (register.js).
const { join } = require("node:path");

process.env.LANGFUSE_TEST_NEST_MAJOR = "10";
const hook = `--require ${JSON.stringify(join(__dirname, "register.js"))}`;
if (!(process.env.NODE_OPTIONS ?? "").includes(hook)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} ${hook}`.trim();

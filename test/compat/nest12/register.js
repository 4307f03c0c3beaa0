// Preloaded (`node --require`) into child processes of the nest12 jest project.
require("../nest-compat").redirect(__dirname);

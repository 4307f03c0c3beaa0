// Preloaded (`node --require`) into child processes of the nest10 jest project.
require("../nest-compat").redirect(__dirname);

// jest setupFiles of the nest10 project (see ../nest-compat.js).
require("../nest-compat").useFromJest(__dirname, "10");

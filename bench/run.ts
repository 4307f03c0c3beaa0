/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (OpenTelemetry globals and
 * JIT state must not leak between benchmarks) and prints their tables one after another.
 * Each bench file is a standalone script that prints its own results with ratios against
 * baselines measured in the same run.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = __dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const res = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(dir, file)], {
    stdio: "inherit",
    env: { ...process.env, TS_NODE_PROJECT: join(dir, "..", "tsconfig.json") },
  });
  if (res.status !== 0) {
    failed++;
    console.log(`(${file} exited with ${res.status ?? res.signal})`);
  }
}
process.exit(failed ? 1 : 0);

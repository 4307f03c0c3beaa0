/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints the self time per call of the code that
 * exists only because of tracing: this SDK's sources, OpenTelemetry, @langfuse/*, and Node's
 * async-context machinery (AsyncLocalStorage, async_hooks). Sampled CPU of the profiled
 * thread only, so it does not move with other processes' load the way process.cpuUsage()
 * deltas between variants do. Subtract the raw variant's figure (module loading and client
 * set-up land in these files too).
 *
 *   BENCH_TRANSPORTS=stub BENCH_VARIANTS=ours node --cpu-prof --cpu-prof-dir=/tmp/p-ours \
 *     -r ts-node/register/transpile-only bench/openai.bench.ts
 *   npx ts-node --transpile-only bench/profile-attribution.ts /tmp/p-ours/*.cpuprofile <calls>
 */
import { readFileSync } from "node:fs";

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

const [file, callsArg] = process.argv.slice(2);
if (!file || !callsArg) throw new Error("usage: profile-attribution.ts <file.cpuprofile> <calls>");
const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
const calls = Number(callsArg);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parts: Record<string, number> = {};
let busy = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const n = byId.get(prof.samples[i]!)!;
  const dt = prof.timeDeltas[i] ?? 0;
  if (n.callFrame.functionName === "(idle)") continue;
  busy += dt;
  const u = n.callFrame.url;
  const k = u.includes("/src/") && !u.includes("node_modules")
    ? "sdk"
    : u.includes("@opentelemetry")
      ? "otel"
      : u.includes("@langfuse")
        ? "official"
        : /async_hooks|async_local_storage|async_context/.test(u)
          ? "async-context"
          : undefined;
  if (k) parts[k] = (parts[k] ?? 0) + dt;
}
const us = (x: number) => (x / calls).toFixed(1);
const traced = Object.values(parts).reduce((a, b) => a + b, 0);
console.log(`busy ${us(busy)} us/call; tracing-attributable ${us(traced)} us/call`, Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, us(v)])));

/**
 * The main job (`npm start`): runs the sample apps one after another on the embedded store
 * (no keys, no server), then reads back what landed there through the same `LocalApi` the
 * SDK uses, and prints a short inventory.
 *
 * Each sample runs in its own process, as a user would run it: OpenTelemetry providers are
 * process-global, and a sample must flush and exit cleanly on its own.
 * All samples share LANGFUSE_LOCAL_DB (default .langfuse/langfuse.db).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalApi, openLocalStore } from "../src/local";

const SAMPLES: { dir: string; what: string }[] = [
  { dir: "demo", what: "tracing: nested @Observe methods inside propagateAttributes" },
  { dir: "prompts", what: "prompt management and @Prompt injection" },
  { dir: "qa", what: "a dataset and a decorator-registered experiment suite" },
  { dir: "openai", what: "observeOpenAI against a local OpenAI-compatible stub, inside @Observe methods" },
  { dir: "langchain", what: "a LangChain chain and a LangGraph graph traced by the CallbackHandler" },
  { dir: "nest", what: "a NestJS app: LangfuseModule, a traced request per call, an injected prompt, image media" },
];

async function main(): Promise<number> {
  // The store is only the embedded default when no keys are set: say so rather than write elsewhere.
  if (process.env.LANGFUSE_PUBLIC_KEY && process.env.LANGFUSE_SECRET_KEY) {
    console.log(`Keys are set: the samples send to ${process.env.LANGFUSE_BASE_URL ?? "https://cloud.langfuse.com"}.`);
  }
  const dbPath = resolve(process.env.LANGFUSE_LOCAL_DB ?? join(".langfuse", "langfuse.db"));
  const env = { ...process.env, LANGFUSE_LOCAL_DB: dbPath };

  let failures = 0;
  for (const sample of SAMPLES) {
    const entry = join(__dirname, sample.dir, "main.ts");
    if (!existsSync(entry)) {
      console.error(`samples/${sample.dir}/main.ts is missing`);
      failures++;
      continue;
    }
    console.log(`\n=== samples/${sample.dir}: ${sample.what} ===`);
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", entry], {
      stdio: "inherit",
      env,
    });
    if (run.status !== 0) {
      console.error(`samples/${sample.dir} failed (${run.status ?? run.signal})`);
      failures++;
    }
  }

  if (!process.env.LANGFUSE_PUBLIC_KEY && dbPath !== ":memory:" && existsSync(dbPath)) {
    const store = openLocalStore(dbPath);
    try {
      const api = new LocalApi(store);
      const traces = await api.traces.list({ limit: 1 });
      const observations = await api.observations.list({ limit: 1 });
      const prompts = await api.prompts.list({ limit: 1 });
      const datasets = await api.datasets.list({ limit: 1 });
      const scores = await api.scores.list({ limit: 1 });
      console.log(`\n=== embedded store ${dbPath} ===`);
      console.log(`traces:       ${traces.meta.totalItems}`);
      console.log(`observations: ${observations.meta.totalItems}`);
      console.log(`prompts:      ${prompts.meta.totalItems}`);
      console.log(`datasets:     ${datasets.meta.totalItems}`);
      console.log(`scores:       ${scores.meta.totalItems}`);
      console.log("Browse it in the web UI and the Langfuse API: npm run serve (then open http://127.0.0.1:3000/)");
    } finally {
      store.close();
    }
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * Per-call overhead of tracing a non-streamed chat completion with the real `openai` SDK:
 *   raw       the bare client
 *   ours      observeOpenAI (langfuse-decorators/openai), our processor, counting no-op exporter
 *   official  observeOpenAI from @langfuse/openai, the official processor, counting no-op exporter
 * Transports: "stub" is the OpenAI-compatible server on 127.0.0.1, in a child process
 * (BENCH_STUB=inline: in this process, as it used to be); "in-process" gives the SDK a fetch
 * that answers from memory, so the SDK work and the tracing are all that is measured.
 * Same process, variants interleaved in rotating order per round; median per call over
 * ROUNDS rounds of N awaited calls after a warm-up. Overhead = median over rounds of (variant - raw
 * in that round). CPU time
 * (process.cpuUsage, this process: the client's) beside wall time. Each traced variant must
 * deliver one span per call to its exporter (checked at the end).
 * Goal: ours adds less than half of the official wrapper's overhead.
 *
 * Over real HTTP the CPU and wall deltas between variants are small differences of large,
 * load-sensitive numbers. For the attribution, profile one variant alone (BENCH_VARIANTS=ours
 * with node --cpu-prof) and read the self time of the tracing code per call with
 * bench/profile-attribution.ts.
 *
 * Why "both wrappers added ~300 us" against the stub: the stub answered with
 * `Keep-Alive: timeout=1`, which undici (fetch) shortens by its 2 s threshold to <= 0 and so
 * resets the socket after every response: every call opened a new TCP connection (connect,
 * close, an UndiciError per reset) and the per-call figures measured connection churn on a
 * loaded loop, not the wrappers. The stub now keeps connections alive (5 s).
 *
 *   npm run bench openai          BENCH_N=2000 BENCH_ROUNDS=25 npm run bench openai
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { LangfuseSpanProcessor as OfficialProcessor } from "@langfuse/otel";
import { observeOpenAI as officialObserveOpenAI } from "@langfuse/openai";
import { setLangfuseTracerProvider } from "@langfuse/tracing";
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { Langfuse, LangfuseSpanProcessor } from "../src";
import { observeOpenAI } from "../src/integrations/openai";
import { startOpenAIStub } from "../samples/openai/stub-server";
import { median } from "./bench-util";

const N = Number(process.env.BENCH_N ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = 500;


/** A no-op exporter that counts what it was given (every traced call must deliver its span). */
function countingExporter() {
  const exporter = {
    exported: 0,
    export(spans: unknown[], cb: (r: { code: number }) => void) {
      exporter.exported += spans.length;
      cb({ code: 0 });
    },
    shutdown: async () => undefined,
    forceFlush: async () => undefined,
  };
  return exporter;
}

/**
 * The stub server: in a child process by default (BENCH_STUB=inline runs it in this process,
 * as before). Inline, its CPU time counts in this process's and its request handling queues
 * on the client's event loop, so per-call CPU and wall include the server's work.
 */
async function startStub(): Promise<{ baseURL: string; close(): Promise<void> }> {
  if (process.env.BENCH_STUB === "inline") return startOpenAIStub();
  const child = fork(join(__dirname, "openai-stub-child.ts"), [], { execArgv: ["-r", "ts-node/register/transpile-only"], stdio: "inherit" });
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve(String(m)));
    child.once("exit", (code) => reject(new Error(`stub process exited with ${code}`)));
  });
  return {
    baseURL,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

const COMPLETION = JSON.stringify({
  id: "chatcmpl-mem",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Echo: hello", refusal: null }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 0 } },
});
const memoryFetch = async (): Promise<Response> => new Response(COMPLETION, { status: 200, headers: { "content-type": "application/json", "x-request-id": "req_mem" } });

type Variant = "raw" | "ours" | "official";
/** BENCH_VARIANTS=ours runs one variant alone (for a profile of it: --cpu-prof). */
const VARIANTS = (process.env.BENCH_VARIANTS ?? "raw,ours,official").split(",") as Variant[];
const BODY = { model: "gpt-4o-mini", messages: [{ role: "system" as const, content: "You are terse." }, { role: "user" as const, content: "hello" }], temperature: 0 };

async function main(): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const stub = await startStub();
  const ourExporter = countingExporter();
  const officialExporter = countingExporter();
  const calls: Record<Variant, number> = { raw: 0, ours: 0, official: 0 };

  // Ours: a client on its own provider with our processor and a no-op exporter.
  const ourProcessor = new LangfuseSpanProcessor({ exporter: ourExporter as never, publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", flushAt: 512 });
  const ourProvider = new BasicTracerProvider({ spanProcessors: [ourProcessor] });
  const langfuse = new Langfuse({ publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", baseUrl: "http://127.0.0.1:9", tracerProvider: ourProvider });
  // Official: its processor (batched, no-op exporter) on the provider @langfuse/tracing uses.
  const officialProcessor = new OfficialProcessor({ exporter: officialExporter as never, publicKey: "pk-lf-bench", secretKey: "sk-lf-bench" });
  setLangfuseTracerProvider(new NodeTracerProvider({ spanProcessors: [officialProcessor] }));

  const results: Record<string, Record<Variant, { wall: number[]; cpu: number[] }>> = {};
  const transports = (process.env.BENCH_TRANSPORTS ?? "in-process,stub").split(",") as ("in-process" | "stub")[];
  for (const transport of transports) {
    const make = () =>
      new OpenAI(transport === "stub" ? { baseURL: stub.baseURL, apiKey: "sk-bench", maxRetries: 0 } : { baseURL: "http://memory/v1", apiKey: "sk-bench", maxRetries: 0, fetch: memoryFetch });
    const clients: Record<Variant, OpenAI> = {
      raw: make(),
      ours: observeOpenAI(make(), { langfuse }),
      official: officialObserveOpenAI(make()),
    };
    const answers = new Set<unknown>();
    for (const v of VARIANTS) {
      answers.add((await clients[v].chat.completions.create(BODY)).choices[0]?.message.content);
      calls[v]++;
    }
    if (answers.size !== 1) throw new Error("variants disagree");
    const per: Record<Variant, { wall: number[]; cpu: number[] }> = { raw: { wall: [], cpu: [] }, ours: { wall: [], cpu: [] }, official: { wall: [], cpu: [] } };
    const run = async (v: Variant, n: number) => {
      const c = clients[v];
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await c.chat.completions.create(BODY);
      const wall = Number(process.hrtime.bigint() - t0) / n;
      const cu = process.cpuUsage(c0);
      calls[v] += n;
      return { wall, cpu: ((cu.user + cu.system) * 1000) / n };
    };
    for (const v of VARIANTS) await run(v, WARMUP);
    const order = VARIANTS;
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < order.length; k++) {
        const v = order[(k + r) % order.length]!;
        const m = await run(v, N);
        per[v].wall.push(m.wall);
        per[v].cpu.push(m.cpu);
      }
      await ourProcessor.forceFlush();
      await officialProcessor.forceFlush();
    }
    results[transport] = per;
  }

  console.log(`observeOpenAI overhead: non-streamed chat completion, ${N} awaited calls x ${ROUNDS} rounds (median), load ${loadavg()[0]!.toFixed(2)}; ns per call`);
  console.log(
    process.env.BENCH_STUB === "inline"
      ? "CPU time (user+system of this process; the stub server runs in it too) is the primary figure; wall time moves with other load."
      : "CPU time (user+system of this process: the client's; the stub server runs in a child process) is the primary figure; wall time moves with other load.",
  );
  console.log("transport    metric   raw          ours (+overhead)            official (+overhead)        ours/official overhead");
  const f = (n: number) => Math.round(n).toLocaleString("en-US");
  for (const [transport, per] of Object.entries(results)) {
    if (VARIANTS.length < 3) {
      for (const v of VARIANTS) console.log(`${transport.padEnd(12)} ${v.padEnd(8)} cpu ${f(median(per[v].cpu))}  wall ${f(median(per[v].wall))}`);
      continue;
    }
    for (const metric of ["cpu", "wall"] as const) {
      const raw = median(per.raw[metric]);
      const ours = median(per.ours[metric]);
      const off = median(per.official[metric]);
      // Overheads are medians of per-round differences (each round runs the three variants back
      // to back): drift of the machine between rounds cancels, which it does not between
      // separate medians of large, load-sensitive numbers.
      const oo = median(per.ours[metric].map((x, r) => x - per.raw[metric][r]!));
      const fo = median(per.official[metric].map((x, r) => x - per.raw[metric][r]!));
      const verdict = oo > 0 && fo > 0 ? `${(oo / fo).toFixed(2)}x${oo < fo / 2 ? "  (goal < 0.5x met)" : ""}` : "n/a (overhead below the noise)";
      console.log(
        `${transport.padEnd(12)} ${metric.padEnd(8)} ${f(raw).padStart(10)}   ${f(ours).padStart(10)} (${oo >= 0 ? "+" : ""}${f(oo)})   ${f(off).padStart(10)} (${fo >= 0 ? "+" : ""}${f(fo)})   ${verdict}`,
      );
    }
  }
  await ourProcessor.forceFlush();
  await officialProcessor.forceFlush();
  console.log(`calls: ${JSON.stringify(calls)}; spans delivered to the counting exporters: ours ${ourExporter.exported}, official ${officialExporter.exported}`);
  if (ourExporter.exported !== calls.ours || officialExporter.exported !== calls.official) throw new Error("a traced variant did not deliver one span per call");
  await langfuse.shutdown();
  await ourProvider.shutdown();
  await officialProcessor.shutdown();
  await stub.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Per-call overhead of tracing a non-streamed chat completion with the real `openai` SDK:
 *   raw       the bare client
 *   ours      observeOpenAI (langfuse-decorators/openai), our processor, no-op exporter
 *   official  observeOpenAI from @langfuse/openai, the official processor, no-op exporter
 * Transports: "stub" is the OpenAI-compatible server on 127.0.0.1 (what the brief asks for;
 * the HTTP round trip dominates and adds noise); "in-process" gives the SDK a fetch that
 * answers from memory, so the SDK work and the tracing are all that is measured.
 * Same process, variants interleaved in rotating order per round; median ns per call over
 * ROUNDS rounds of N awaited calls after a warm-up. Overhead = variant - raw.
 * Goal: ours adds less than half of the official wrapper's overhead.
 *
 *   npm run bench openai          BENCH_N=4000 BENCH_ROUNDS=9 npm run bench openai
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { LangfuseSpanProcessor as OfficialProcessor } from "@langfuse/otel";
import { observeOpenAI as officialObserveOpenAI } from "@langfuse/openai";
import { setLangfuseTracerProvider } from "@langfuse/tracing";
import { loadavg } from "node:os";
import OpenAI from "openai";
import { Langfuse, LangfuseSpanProcessor } from "../src";
import { observeOpenAI } from "../src/integrations/openai";
import { startOpenAIStub } from "../samples/openai/stub-server";

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WARMUP = 500;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

let exported = 0;
const noopExporter = {
  export(spans: unknown[], cb: (r: { code: number }) => void) {
    exported += spans.length;
    cb({ code: 0 });
  },
  shutdown: async () => undefined,
  forceFlush: async () => undefined,
};

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
const BODY = { model: "gpt-4o-mini", messages: [{ role: "system" as const, content: "You are terse." }, { role: "user" as const, content: "hello" }], temperature: 0 };

async function main(): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const stub = await startOpenAIStub();

  // Ours: a client on its own provider with our processor and a no-op exporter.
  const ourProcessor = new LangfuseSpanProcessor({ exporter: noopExporter as never, publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", flushAt: 512 });
  const ourProvider = new BasicTracerProvider({ spanProcessors: [ourProcessor] });
  const langfuse = new Langfuse({ publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", baseUrl: "http://127.0.0.1:9", tracerProvider: ourProvider });
  // Official: its processor (batched, no-op exporter) on the provider @langfuse/tracing uses.
  const officialProcessor = new OfficialProcessor({ exporter: noopExporter as never, publicKey: "pk-lf-bench", secretKey: "sk-lf-bench" });
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
    const check = await clients.ours.chat.completions.create(BODY);
    if (check.choices[0]?.message.content !== (await clients.official.chat.completions.create(BODY)).choices[0]?.message.content) throw new Error("variants disagree");
    const per: Record<Variant, { wall: number[]; cpu: number[] }> = { raw: { wall: [], cpu: [] }, ours: { wall: [], cpu: [] }, official: { wall: [], cpu: [] } };
    const run = async (v: Variant, n: number) => {
      const c = clients[v];
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await c.chat.completions.create(BODY);
      const wall = Number(process.hrtime.bigint() - t0) / n;
      const cu = process.cpuUsage(c0);
      return { wall, cpu: ((cu.user + cu.system) * 1000) / n };
    };
    for (const v of ["raw", "ours", "official"] as Variant[]) await run(v, WARMUP);
    const order: Variant[] = ["raw", "ours", "official"];
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
  console.log("CPU time (user+system of this process: the stub server, when used, runs in it too) is the primary figure; wall time moves with other load.");
  console.log("transport    metric   raw          ours (+overhead)            official (+overhead)        ours/official overhead");
  const f = (n: number) => Math.round(n).toLocaleString("en-US");
  for (const [transport, per] of Object.entries(results)) {
    for (const metric of ["cpu", "wall"] as const) {
      const raw = median(per.raw[metric]);
      const ours = median(per.ours[metric]);
      const off = median(per.official[metric]);
      const oo = ours - raw;
      const fo = off - raw;
      const verdict = oo > 0 && fo > 0 ? `${(oo / fo).toFixed(2)}x${oo < fo / 2 ? "  (goal < 0.5x met)" : ""}` : "n/a (overhead below the noise)";
      console.log(
        `${transport.padEnd(12)} ${metric.padEnd(8)} ${f(raw).padStart(10)}   ${f(ours).padStart(10)} (${oo >= 0 ? "+" : ""}${f(oo)})   ${f(off).padStart(10)} (${fo >= 0 ? "+" : ""}${f(fo)})   ${verdict}`,
      );
    }
  }
  console.log(`spans exported to the no-op exporters: ${exported}`);
  await langfuse.shutdown();
  await ourProvider.shutdown();
  await officialProcessor.shutdown();
  await stub.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

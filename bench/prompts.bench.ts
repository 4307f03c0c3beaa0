/**
 * Prompt benchmarks, ours beside the official @langfuse/client in the same process and run:
 *   - getPrompt cache hit (ns/op, awaited): both clients fetched the prompt once from the same
 *     local server and then serve it from their caches;
 *   - compile() of a typical text prompt and of a typical chat prompt with a history
 *     placeholder (ops/s), same template, same variables, same output checked first.
 * Ours and theirs run in alternating rounds; medians of 7 rounds after a warm-up. Goal: ours
 * >= 5x the official client.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { LangfuseClient } from "@langfuse/client";
import { Langfuse } from "../src";
import { startServer } from "../src/server";
import { median } from "./bench-util";

const ROUNDS = 7;
const TEXT_TEMPLATE = [
  "You are {{persona}}, an assistant for {{company}}.",
  "The customer {{customer_name}} (plan: {{plan}}) asks about their order {{order_id}}.",
  "Answer in {{language}}, in at most {{max_sentences}} sentences, and never invent tracking numbers.",
  "If you are unsure, say so and offer to escalate to a human agent.",
].join("\n");
const TEXT_VARS = { persona: "Ava", company: "ACME Cloud", customer_name: "Zoë Müller", plan: "pro", order_id: "A-1042", language: "English", max_sentences: "3" };

const CHAT_TEMPLATE = [
  { role: "system", content: "You are {{persona}} for {{company}}. Answer in {{language}}." },
  { type: "placeholder" as const, name: "history" },
  { role: "user", content: "Order {{order_id}}: {{question}}" },
];
const CHAT_VARS = { persona: "Ava", company: "ACME Cloud", language: "English", order_id: "A-1042", question: "Where is my parcel?" };
const HISTORY = [
  { role: "user", content: "Hi, I ordered last week." },
  { role: "assistant", content: "Hello! How can I help with your order?" },
  { role: "user", content: "It has not arrived yet." },
  { role: "assistant", content: "Sorry to hear that. Which order is it?" },
];


type Runner = (fn: () => unknown, iterations: number) => Promise<number>;

/** ns per call; calls issued back to back, the last of each batch of 1000 awaited. */
const calls: Runner = async (fn, iterations) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1000) {
    let last: unknown;
    for (let j = 0; j < 1000; j++) last = fn();
    await last;
  }
  return Number(process.hrtime.bigint() - start) / iterations;
};

/** ns per call, each call awaited. */
const awaited: Runner = async (fn, iterations) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - start) / iterations;
};

/** ns per call of a synchronous function. */
const sync: Runner = async (fn, iterations) => {
  let sink: unknown;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = fn();
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  if (sink === undefined) throw new Error("no result");
  return ns;
};

/**
 * Ours and theirs in alternating rounds (the machine's load changes over time; alternating
 * exposes both to it alike). Round 0 warms up. Returns the median ns/op of each.
 */
async function compare(run: Runner, iterations: number, ours: () => unknown, theirs: () => unknown): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const x = await run(ours, iterations);
    const y = await run(theirs, iterations);
    if (r > 0) {
      a.push(x);
      b.push(y);
    }
  }
  return [median(a), median(b)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lf-prompts-bench-"));
  const server = await startServer({ host: "127.0.0.1", port: 0, dbPath: join(dir, "bench.db"), publicKey: "pk-lf-bench", secretKey: "sk-lf-bench" });
  const keys = { publicKey: server.publicKey, secretKey: server.secretKey, baseUrl: server.url };
  const ours = new Langfuse({ ...keys, tracingEnabled: false });
  const official = new LangfuseClient(keys);
  try {
    await ours.createPrompt({ name: "bench/text", prompt: TEXT_TEMPLATE, labels: ["production"] });
    await ours.createPrompt({ name: "bench/chat", type: "chat", prompt: CHAT_TEMPLATE, labels: ["production"] });

    const opts = { cacheTtlSeconds: 3600 };
    const ourText = await ours.getPrompt("bench/text", { ...opts, type: "text" });
    const ourChat = await ours.getPrompt("bench/chat", { ...opts, type: "chat" });
    const theirText = await official.prompt.get("bench/text", { ...opts, type: "text" });
    const theirChat = await official.prompt.get("bench/chat", { ...opts, type: "chat" });

    // Same outputs before timing anything.
    if (ourText.compile(TEXT_VARS) !== theirText.compile(TEXT_VARS)) throw new Error("text compile differs");
    if (!isDeepStrictEqual(ourChat.compile(CHAT_VARS, { history: HISTORY }), theirChat.compile(CHAT_VARS, { history: HISTORY }))) throw new Error("chat compile differs");

    const rows: Array<[string, string, string, string, number]> = [];
    // The SDK's own work per call.
    const [ourCall, theirCall] = await compare(calls, 200_000, () => ours.getPrompt("bench/text", opts), () => official.prompt.get("bench/text", opts));
    rows.push(["getPrompt cache hit, call (ns/op)", ourCall.toFixed(0), theirCall.toFixed(0), "lower", theirCall / ourCall]);
    // What a caller sees: each call awaited (includes one microtask turn, the same for both).
    const [ourGet, theirGet] = await compare(awaited, 100_000, () => ours.getPrompt("bench/text", opts), () => official.prompt.get("bench/text", opts));
    rows.push(["getPrompt cache hit, awaited (ns/op)", ourGet.toFixed(0), theirGet.toFixed(0), "lower", theirGet / ourGet]);

    const [ourTextNs, theirTextNs] = await compare(sync, 100_000, () => ourText.compile(TEXT_VARS), () => theirText.compile(TEXT_VARS));
    rows.push(["compile() text (ops/s)", fmtOps(ourTextNs), fmtOps(theirTextNs), "higher", theirTextNs / ourTextNs]);

    const history = { history: HISTORY };
    const [ourChatNs, theirChatNs] = await compare(sync, 50_000, () => ourChat.compile(CHAT_VARS, history), () => theirChat.compile(CHAT_VARS, history));
    rows.push(["compile() chat + placeholder (ops/s)", fmtOps(ourChatNs), fmtOps(theirChatNs), "higher", theirChatNs / ourChatNs]);

    const header = ["metric", "langfuse-decorators", "@langfuse/client 5.11.1", "better", "speed-up"];
    const table = [header, ...rows.map(([m, a, b, c, r]) => [m, a, b, c, `${r.toFixed(1)}x${r >= 5 ? "" : "  (goal 5x)"}`])];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    for (const [i, row] of table.entries()) {
      console.log(row.map((cell, j) => cell.padEnd(widths[j])).join("  "));
      if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
    }
    console.log(`(median of ${ROUNDS} alternating rounds after a warm-up; node ${process.version}; load average ${loadavg()[0].toFixed(1)})`);
  } finally {
    await official.shutdown();
    await ours.shutdown();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmtOps(nsPerOp: number): string {
  return Math.round(1e9 / nsPerOp).toLocaleString("en-US");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * The OpenAI and LangChain samples run as a user runs them (own process, embedded in-memory
 * store, no keys, no network) and print the trace tree they stored.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

function runSample(dir: string): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, LANGFUSE_LOCAL_DB: ":memory:" };
  delete env.LANGFUSE_PUBLIC_KEY;
  delete env.LANGFUSE_SECRET_KEY;
  const res = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "..", "..", "samples", dir, "main.ts")], {
    encoding: "utf8",
    env,
    timeout: 120_000,
  });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

describe("integration samples", () => {
  it("samples/openai: embedding and two generations with usage and cost under the @Observe methods", () => {
    const { status, out } = runSample("openai");
    expect(status).toBe(0);
    expect(out).toMatch(/- agent SupportBot\.handle/);
    expect(out).toMatch(/- embedding OpenAI\.embeddings\.create\s+model=text-embedding-3-small/);
    expect(out.match(/- generation OpenAI\.chat\.completions\.create\s+model=gpt-4o(-mini)? usage=.*"total":17.* cost=\$0\.0000\d+/g)).toHaveLength(2);
  });

  it("samples/langchain: the chain and the LangGraph graph with its tool call", () => {
    const { status, out } = runSample("langchain");
    expect(status).toBe(0);
    expect(out).toMatch(/- chain RunnableSequence/);
    expect(out).toMatch(/- agent LangGraph/);
    expect(out).toMatch(/- tool lookup_order/);
    expect(out.match(/- generation ScriptedModel/g)).toHaveLength(3);
  });
});

import { Evaluation, Langfuse, propagateAttributes, type LangfuseGeneration } from "../../src";
import type { LocalStore } from "../../src/local/store";

export const CAPITALS: [string, string, string][] = [
  ["de", "Germany", "Berlin"],
  ["fr", "France", "Paris"],
  ["it", "Italy", "Rome"],
];

/** What each run answers: the baseline knows Germany only, the improved run France too. */
const ANSWERS: Record<string, Record<string, string>> = {
  baseline: { Germany: "Berlin", France: "Lyon", Italy: "Milan" },
  improved: { Germany: "Berlin", France: "Paris", Italy: "Milan" },
};

export interface Seeded {
  supportTraceIds: string[];
  errorTraceId: string;
}

/**
 * Seeds a store the way an application would, through the real SDK on the embedded store: a
 * traced support agent (nested agent → tool + generation linked to a prompt version) in one
 * session, a failing request, prompts with versions and labels, and a dataset with two runs.
 */
export async function seedWithSdk(dbPath: string): Promise<Seeded> {
  const langfuse = new Langfuse({ localDbPath: dbPath, environment: "test", release: "r-1", flushAt: 1000 });

  await langfuse.createPrompt({ name: "movie-critic", prompt: "As a {{level}} critic, rate {{movie}}.", labels: ["production"], commitMessage: "first" });
  await langfuse.createPrompt({ name: "movie-critic", prompt: "As a {{level}} film critic, rate {{movie}} from 1 to 10.", labels: [], config: { temperature: 0.2 }, commitMessage: "scale" });
  await langfuse.createPrompt({
    name: "support/assistant",
    type: "chat",
    prompt: [
      { role: "system", content: "You are a helpful support agent." },
      { role: "user", content: "{{question}}" },
    ],
    labels: ["production"],
  });

  const supportTraceIds: string[] = [];
  const questions = ["How do I reset my password?", "Can I export invoices?"];
  for (const question of questions) {
    await propagateAttributes({ userId: "alice", sessionId: "sess-1", tags: ["support", "beta"], traceName: "support-question" }, () =>
      langfuse.startAsCurrentObservation({ name: "handle-request", input: { question } }, async (root) => {
        supportTraceIds.push(root.traceId);
        const answer = await langfuse.startAsCurrentObservation({ name: "SupportAgent.answer", asType: "agent", input: { question } }, async (agent) => {
          const docs = await langfuse.startAsCurrentObservation({ name: "DocSearch.search", asType: "tool", input: { query: question } }, async (tool) => {
            const found = [{ id: "kb-1", title: "Resetting your password" }];
            tool.update({ output: found });
            return found;
          });
          const reply = await langfuse.startAsCurrentObservation(
            {
              name: "ChatModel.complete",
              asType: "generation",
              input: [
                { role: "system", content: `Context: ${docs[0]!.title}` },
                { role: "user", content: question },
              ],
              model: "gpt-4o-mini",
              prompt: { name: "movie-critic", version: 2 },
            },
            async (gen: LangfuseGeneration) => {
              const text = `Answer to: ${question}`;
              gen.update({ output: { role: "assistant", content: text }, usageDetails: { input: 20, output: 8, total: 28 }, costDetails: { total: 0.00042 } });
              return text;
            },
          );
          agent.update({ output: reply });
          return reply;
        });
        root.update({ output: answer });
        root.score({ name: "helpful", value: 1, dataType: "BOOLEAN" });
      }),
    );
  }

  let errorTraceId = "";
  await propagateAttributes({ userId: "bob", tags: ["batch"], traceName: "nightly-import" }, () =>
    langfuse
      .startAsCurrentObservation({ name: "import-job", input: "import catalogue.csv" }, async (root) => {
        errorTraceId = root.traceId;
        await langfuse.startAsCurrentObservation({ name: "parse-row", asType: "span" }, async () => {
          throw new Error("row 17: unterminated quote");
        });
      })
      .catch(() => undefined),
  );

  await langfuse.createDataset({
    name: "capitals",
    description: "country → capital",
    inputSchema: { type: "object", properties: { country: { type: "string" } }, required: ["country"] },
  });
  for (const [id, country, capital] of CAPITALS) {
    await langfuse.createDatasetItem({ datasetName: "capitals", id, input: { country }, expectedOutput: capital });
  }
  const dataset = await langfuse.getDataset("capitals");
  for (const runName of ["baseline", "improved"]) {
    await dataset.runExperiment({
      name: runName,
      runName,
      task: ({ input }) => ANSWERS[runName]![(input as { country: string }).country]!,
      evaluators: [({ output, expectedOutput }) => new Evaluation({ name: "exact", value: output === expectedOutput ? 1 : 0 })],
      runEvaluators: [({ itemResults }) => new Evaluation({ name: "items", value: itemResults.length })],
      maxConcurrency: 1,
    });
  }
  const result = await langfuse.shutdown();
  if (result.failed || result.dropped) throw new Error(`seeding lost data: ${JSON.stringify(result)}`);
  return { supportTraceIds, errorTraceId };
}

/**
 * 100,000 traces (and one observation each) written straight through the store in one
 * transaction: the UI's list must stay fast with that many rows, and seeding through HTTP would
 * take minutes.
 */
export function seedManyTraces(store: LocalStore, count: number): void {
  const insertTrace = store.db.prepare(
    `INSERT INTO traces (id, timestamp, name, user_id, session_id, environment, tags, input, output, metadata, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'default', ?, ?, ?, '{}', ?, ?)`,
  );
  const insertObs = store.db.prepare(
    `INSERT INTO observations (id, trace_id, type, name, start_time, end_time, level, created_at, updated_at)
     VALUES (?, ?, 'SPAN', ?, ?, ?, ?, ?, ?)`,
  );
  const base = Date.now() - count * 1000;
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `t${String(i).padStart(7, "0")}`;
      const ts = new Date(base + i * 1000).toISOString();
      const end = new Date(base + i * 1000 + 120).toISOString();
      insertTrace.run(id, ts, `job-${i % 50}`, `user-${i % 500}`, i % 10 === 0 ? `s-${i % 1000}` : null, JSON.stringify([`t${i % 7}`]), JSON.stringify({ q: `question ${i}` }), JSON.stringify(`answer ${i}`), ts, ts);
      insertObs.run(`o${id}`, id, "step", ts, end, i % 997 === 0 ? "ERROR" : "DEFAULT", ts, ts);
    }
  });
}

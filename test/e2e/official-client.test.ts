/**
 * The official @langfuse/client (written by Langfuse, not by us) against our local server:
 * prompts, datasets, items (with media), run items, scores, and reads.
 */
import { LangfuseClient } from "@langfuse/client";
import { LangfuseMedia } from "@langfuse/core";
import { startHarness, TEST_PK, TEST_SK, type Harness } from "../server/server-harness";

let h: Harness;
let langfuse: LangfuseClient;

beforeAll(async () => {
  h = await startHarness();
  langfuse = new LangfuseClient({ publicKey: TEST_PK, secretKey: TEST_SK, baseUrl: h.server.url });
});
afterAll(async () => {
  await langfuse.shutdown();
  await h.stop();
});

describe("@langfuse/client 5.11.1 against the local server", () => {
  test("prompts: create, get by label/version, labels update, chat prompts, folders", async () => {
    const name = "team/support/greeting";
    const v1 = await langfuse.prompt.create({ name, prompt: "Hello {{name}}", labels: ["production"], config: { temperature: 0.2 } });
    expect(v1.version).toBe(1);
    const v2 = await langfuse.prompt.create({ name, prompt: "Hi {{name}}!", labels: ["staging"] });
    expect(v2.version).toBe(2);

    const prod = await langfuse.prompt.get(name, { cacheTtlSeconds: 0 });
    expect(prod.version).toBe(1);
    expect(prod.compile({ name: "Ada" })).toBe("Hello Ada");
    expect(prod.config).toEqual({ temperature: 0.2 });
    const staging = await langfuse.prompt.get(name, { label: "staging", cacheTtlSeconds: 0 });
    expect(staging.prompt).toBe("Hi {{name}}!");

    const updated = await langfuse.prompt.update({ name, version: 2, newLabels: ["production"] });
    expect(updated.labels).toEqual(expect.arrayContaining(["production", "staging", "latest"]));
    const prodAfter = await langfuse.prompt.get(name, { version: 2, cacheTtlSeconds: 0 });
    expect(prodAfter.labels).toContain("production");
    const v1After = await langfuse.prompt.get(name, { version: 1, cacheTtlSeconds: 0 });
    expect(v1After.labels).not.toContain("production");

    const chat = await langfuse.prompt.create({
      name: "chat-helper",
      type: "chat",
      prompt: [
        { role: "system", content: "You help with {{topic}}" },
        { type: "placeholder", name: "history" },
      ],
      labels: ["production"],
    });
    expect(chat.type).toBe("chat");
    const chatGot = await langfuse.prompt.get("chat-helper", { type: "chat", cacheTtlSeconds: 0 });
    const compiled = chatGot.compile({ topic: "tax" }, { history: [{ role: "user", content: "hi" }] });
    expect(compiled).toEqual([
      { role: "system", content: "You help with tax" },
      { role: "user", content: "hi" },
    ]);

    // The client logs the 404 before rethrowing; keep the test output clean.
    const quiet = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      await expect(langfuse.prompt.get("no-such-prompt", { cacheTtlSeconds: 0, maxRetries: 0 })).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      quiet.mockRestore();
    }
  });

  test("datasets, items (with media), run items via link(), reads", async () => {
    const ds = await langfuse.api.datasets.create({ name: "qa/golden", description: "golden set", metadata: { owner: "qa" } });
    expect(ds.name).toBe("qa/golden");

    const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
    const media = new LangfuseMedia({ source: "bytes", contentBytes: png, contentType: "image/png" });
    await langfuse.dataset.createItem({ datasetName: "qa/golden", id: "golden-1", input: { question: "2+2?", image: media }, expectedOutput: { answer: "4" } });
    await langfuse.dataset.createItem({ datasetName: "qa/golden", id: "golden-2", input: { question: "3+3?" }, expectedOutput: { answer: "6" } });

    const item = await langfuse.api.datasetItems.get("golden-1");
    const imageRef = (item.input as { image: string }).image;
    expect(imageRef).toMatch(/^@@@langfuseMedia:type=image\/png\|id=.+\|source=bytes@@@$/);
    const mediaId = /id=([^|]+)/.exec(imageRef)![1]!;
    const fetched = await langfuse.api.media.get(mediaId);
    expect(fetched).toMatchObject({ mediaId, contentType: "image/png", contentLength: png.length });
    const bytes = Buffer.from(await (await fetch(fetched.url, { signal: AbortSignal.timeout(10_000) })).arrayBuffer());
    expect(bytes.equals(png)).toBe(true);

    const dataset = await langfuse.dataset.get("qa/golden");
    expect(dataset.items.map((i) => i.id).sort()).toEqual(["golden-1", "golden-2"]);

    // link() needs an object with an OTel span context; a real span from the SDK would do the same.
    const fakeTrace = "0af7651916cd43dd8448eb211c80319c";
    for (const [i, it] of dataset.items.entries()) {
      const spanId = `b7ad6b716920333${i}`;
      const runItem = await it.link({ otelSpan: { spanContext: () => ({ traceId: fakeTrace, spanId }) } } as never, "run-2026-11-29", { description: "nightly" });
      expect(runItem).toMatchObject({ datasetRunName: "run-2026-11-29", datasetItemId: it.id, traceId: fakeTrace, observationId: spanId });
    }
    const run = await langfuse.api.datasets.getRun("qa/golden", "run-2026-11-29");
    expect(run.description).toBe("nightly");
    expect(run.datasetRunItems).toHaveLength(2);
    const runs = await langfuse.api.datasets.getRuns("qa/golden");
    expect(runs.data.map((r) => r.name)).toEqual(["run-2026-11-29"]);
  });

  test("scores: batched through /ingestion (207) and read back", async () => {
    const traceId = "1af7651916cd43dd8448eb211c80319c";
    langfuse.score.create({ id: "official-score-1", name: "correctness", value: 0.75, traceId, comment: "ok" });
    langfuse.score.create({ id: "official-score-2", name: "label", value: "good", dataType: "CATEGORICAL", traceId });
    await langfuse.score.flush();
    const scores = await langfuse.api.scores.getMany({ traceId });
    const byId = Object.fromEntries(scores.data.map((s) => [s.id, s]));
    expect(byId["official-score-1"]).toMatchObject({ name: "correctness", value: 0.75, comment: "ok" });
    expect(byId["official-score-2"]).toMatchObject({ name: "label", stringValue: "good", dataType: "CATEGORICAL" });

    const direct = await langfuse.api.scores.create({ name: "direct", value: 1, traceId });
    expect(typeof direct.id).toBe("string");
  });

  test("health and the project behind the keys through the client", async () => {
    const health = await langfuse.api.health.health();
    expect(health.status).toBe("OK");
    const projects = await langfuse.api.projects.get();
    expect(projects.data).toEqual([expect.objectContaining({ id: "local", organization: expect.objectContaining({ id: "local" }) })]);
  });
});

/**
 * The official @langfuse/client reads prompts this SDK created on the local server and
 * compiles them to the same strings for the same variables, where both define the result
 * (string and integer values, variables that are present; the official client uses Mustache,
 * so missing variables, sections and non-string objects differ by design).
 * Also the other direction: prompts the official client created, read and compiled by us.
 */
import { LangfuseClient } from "@langfuse/client";
import { Langfuse } from "../../src";
import type { ChatPromptClient, TextPromptClient } from "../../src/prompts/prompt-clients";
import { httpFixture } from "./helpers";

describe("official @langfuse/client compatibility (local server)", () => {
  let fixture: Awaited<ReturnType<typeof httpFixture>>;
  let ours: Langfuse;
  let official: LangfuseClient;

  beforeAll(async () => {
    fixture = await httpFixture();
    ours = new Langfuse({ publicKey: fixture.publicKey, secretKey: fixture.secretKey, baseUrl: fixture.url, tracingEnabled: false });
    official = new LangfuseClient({ publicKey: fixture.publicKey, secretKey: fixture.secretKey, baseUrl: fixture.url });
  });

  afterAll(async () => {
    await official.shutdown();
    await ours.shutdown();
    await fixture.close();
  });

  const textCases: Array<[string, Record<string, string | number>]> = [
    ["As a {{level}} critic, rate {{movie}} from 1 to {{max}}.", { level: "expert", movie: "Dune: Part Two", max: 10 }],
    ["<b>{{html}}</b> & {{amp}}", { html: `<i>"quoted"</i>`, amp: "a & b" }],
    ["Multi\nline {{a}}\n\n{{b}}", { a: "x\ny", b: "" }],
    ["Unicode {{name}} 🚀 {{n}}", { name: "Zoë — 東京", n: 0 }],
    ['JSON: {"k": "{{v}}"}', { v: "value" }],
  ];

  it("text prompts: same compiled strings", async () => {
    for (const [i, [template, vars]] of textCases.entries()) {
      const name = `compat/text-${i}`;
      await ours.createPrompt({ name, prompt: template, labels: ["production"], config: { temperature: 0.1 * i } });
      const theirs = await official.prompt.get(name, { cacheTtlSeconds: 0 });
      const mine = (await ours.getPrompt(name, { type: "text" })) as TextPromptClient;
      expect(theirs.prompt).toBe(template);
      expect(theirs.config).toEqual({ temperature: 0.1 * i });
      expect(mine.compile(vars)).toBe(theirs.compile(vars as Record<string, string>));
      expect(mine.getLangchainPrompt()).toBe(theirs.getLangchainPrompt());
    }
  });

  it("chat prompts with placeholders: same compiled messages", async () => {
    await ours.createPrompt({
      name: "compat/chat",
      type: "chat",
      prompt: [
        { role: "system", content: "You are {{persona}} for {{company}}." },
        { type: "placeholder", name: "history" },
        { role: "user", content: "{{question}}" },
      ],
      labels: ["production"],
    });
    const theirs = await official.prompt.get("compat/chat", { type: "chat", cacheTtlSeconds: 0 });
    const mine = (await ours.getPrompt("compat/chat", { type: "chat" })) as ChatPromptClient;
    const vars = { persona: "a support agent", company: "ACME & Co", question: "Where is order 42?" };
    const history = [
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Hi! How can I help?" },
    ];
    expect(mine.compile(vars, { history })).toEqual(theirs.compile(vars, { history }));
    expect(mine.compile(vars, { history: [] })).toEqual(theirs.compile(vars, { history: [] }));
    expect(mine.compile(vars, {})).toEqual(theirs.compile(vars, {})); // unresolved placeholder kept by both
  });

  it("labels moved by our updatePrompt are what the official client reads", async () => {
    await ours.createPrompt({ name: "compat/labels", prompt: "v1", labels: ["production"] });
    await ours.createPrompt({ name: "compat/labels", prompt: "v2" });
    await ours.updatePrompt({ name: "compat/labels", version: 2, newLabels: ["production"] });
    expect((await official.prompt.get("compat/labels", { cacheTtlSeconds: 0 })).prompt).toBe("v2");
  });

  it("prompts created by the official client are read and compiled by us", async () => {
    await official.prompt.create({ name: "compat/from-official", prompt: "Hey {{who}}", labels: ["production"] });
    await official.prompt.create({
      name: "compat/from-official-chat",
      type: "chat",
      prompt: [{ role: "system", content: "Be {{tone}}" }, { type: "placeholder", name: "h" }],
      labels: ["production"],
    });
    const text = await ours.getPrompt("compat/from-official", { type: "text" });
    expect(text.compile({ who: "you" })).toBe("Hey you");
    const chat = await ours.getPrompt("compat/from-official-chat", { type: "chat" });
    const theirs = await official.prompt.get("compat/from-official-chat", { type: "chat", cacheTtlSeconds: 0 });
    expect(chat.compile({ tone: "brief" }, { h: [{ role: "user", content: "q" }] })).toEqual(theirs.compile({ tone: "brief" }, { h: [{ role: "user", content: "q" }] }));
  });
});

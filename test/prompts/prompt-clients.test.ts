import { ChatPromptTemplate, PromptTemplate } from "@langchain/core/prompts";
import type { BaseMessage } from "@langchain/core/messages";
import { LangfuseValidationError } from "../../src/errors";
import { ChatPromptClient, TextPromptClient } from "../../src/prompts/prompt-clients";
import { escapeJsonForLangchain, toLangchainTemplate } from "../../src/prompts/langchain";

const meta = { name: "p", version: 3, config: { model: "gpt-4o" }, labels: ["production"], tags: ["t"], commitMessage: "c" };

function text(prompt: string): TextPromptClient {
  return new TextPromptClient({ ...meta, prompt });
}

function chat(prompt: ConstructorParameters<typeof ChatPromptClient>[0]["prompt"]): ChatPromptClient {
  return new ChatPromptClient({ ...meta, prompt });
}

async function formatChat(messages: ReturnType<ChatPromptClient["getLangchainPrompt"]>, values: Record<string, unknown>): Promise<Array<[string, string]>> {
  const template = ChatPromptTemplate.fromMessages(messages);
  const out: BaseMessage[] = await template.formatMessages(values);
  return out.map((m) => [m.getType(), String(m.content)]);
}

describe("TextPromptClient", () => {
  it("exposes the prompt's fields, variables and JSON form", () => {
    const p = text("As a {{level}} critic, rate {{ movie }}. {{level}}");
    expect(p).toMatchObject({ name: "p", version: 3, type: "text", config: { model: "gpt-4o" }, labels: ["production"], tags: ["t"], commitMessage: "c", isFallback: false });
    expect(p.variables).toEqual(["level", "movie", "level"]);
    expect(JSON.parse(JSON.stringify(p))).toEqual({
      name: "p",
      version: 3,
      type: "text",
      prompt: "As a {{level}} critic, rate {{ movie }}. {{level}}",
      config: { model: "gpt-4o" },
      labels: ["production"],
      tags: ["t"],
      commitMessage: "c",
      isFallback: false,
    });
  });

  it("compiles repeatedly with different variables (parse cached)", () => {
    const p = text("Hi {{name}}");
    expect(p.compile({ name: "A" })).toBe("Hi A");
    expect(p.compile({ name: "B" })).toBe("Hi B");
    expect(p.compile()).toBe("Hi {{name}}");
  });

  it("treats a non-object config as {} and rejects a non-string prompt", () => {
    expect(new TextPromptClient({ ...meta, config: null, prompt: "x" }).config).toEqual({});
    expect(() => new TextPromptClient({ ...meta, prompt: 5 as unknown as string })).toThrow(LangfuseValidationError);
  });
});

describe("ChatPromptClient.compile", () => {
  const withHistory = chat([
    { role: "system", content: "You are {{role}}" },
    { type: "placeholder", name: "chat_history" },
    { role: "user", content: "{{query}}" },
  ]);

  it("compiles messages and drops the wire `type` tag", () => {
    const p = chat([
      { role: "system", content: "You are a {{role}}", type: "chatmessage" } as never,
      { role: "user", content: "{{query}}" },
    ]);
    expect(p.compile({ role: "helpful assistant", query: "What is AI?" })).toEqual([
      { role: "system", content: "You are a helpful assistant" },
      { role: "user", content: "What is AI?" },
    ]);
    expect(p.variables).toEqual(["role", "query"]);
  });

  it("splices placeholder messages in place, keeping their extra fields", () => {
    const out = withHistory.compile(
      { role: "helpful", query: "What now?" },
      {
        chat_history: [
          { role: "user", content: "I like sci-fi" },
          { role: "assistant", content: "", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", content: "42", tool_call_id: "1", name: "f" },
        ],
      },
    );
    expect(out).toEqual([
      { role: "system", content: "You are helpful" },
      { role: "user", content: "I like sci-fi" },
      { role: "assistant", content: "", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", content: "42", tool_call_id: "1", name: "f" },
      { role: "user", content: "What now?" },
    ]);
  });

  it("never template-expands text inserted through a placeholder", () => {
    const out = withHistory.compile({ role: "R", query: "Q" }, { chat_history: [{ role: "user", content: "ignore {{role}} and {{query}}" }] });
    expect(out[1]).toEqual({ role: "user", content: "ignore {{role}} and {{query}}" });
  });

  it("removes a placeholder given an empty list", () => {
    expect(withHistory.compile({ role: "R", query: "Q" }, { chat_history: [] })).toEqual([
      { role: "system", content: "You are R" },
      { role: "user", content: "Q" },
    ]);
  });

  it("keeps unresolved placeholders, with one warning naming all of them", () => {
    const p = chat([{ type: "placeholder", name: "a" }, { role: "user", content: "x" }, { type: "placeholder", name: "b" }]);
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const out = p.compile({});
      expect(out).toEqual([{ type: "placeholder", name: "a" }, { role: "user", content: "x" }, { type: "placeholder", name: "b" }]);
      p.compile({});
      const mine = warn.mock.calls.filter((c) => String(c[0]).includes("'a', 'b'"));
      expect(mine).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });

  describe("malformed placeholder values never throw (the Python SDK's NOT_GIVEN rule)", () => {
    // Its own prompt name, so the once-per-placeholder warnings are not shared with other tests.
    const p = new ChatPromptClient({
      ...meta,
      name: "malformed-placeholders",
      prompt: [{ role: "system", content: "You are {{role}}" }, { type: "placeholder", name: "chat_history" }, { role: "user", content: "{{query}}" }],
    });
    let warn: jest.SpyInstance;
    beforeEach(() => {
      warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    });
    afterEach(() => warn.mockRestore());
    const warnings = (text: string) => warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes(text));

    it("a value that is not a list is inserted as one NOT_GIVEN message, with one warning per placeholder", () => {
      const compile = (value: unknown) => p.compile({ role: "R", query: "Q" }, { chat_history: value as never });
      expect(compile("hello")).toEqual([
        { role: "system", content: "You are R" },
        { role: "NOT_GIVEN", content: "hello" },
        { role: "user", content: "Q" },
      ]);
      expect(compile(42)[1]).toEqual({ role: "NOT_GIVEN", content: "42" });
      expect(compile({ role: "user", content: "not in a list" })[1]).toEqual({ role: "NOT_GIVEN", content: '{"role":"user","content":"not in a list"}' });
      // A request path compiling in a loop warns once.
      for (let i = 0; i < 20; i++) compile("again");
      expect(warnings("'chat_history' of prompt 'malformed-placeholders' must contain a list of chat messages")).toHaveLength(1);
      expect(warnings("must contain a list")[0]).toContain("got a string");
    });

    it("a list element that is not an object becomes a NOT_GIVEN message; a message without role gets NOT_GIVEN", () => {
      const history = ["plain text", null, { content: "no role", name: "bob" }, { role: "assistant" }, { role: "user", content: "fine", tool_call_id: "t1" }];
      for (let i = 0; i < 5; i++) {
        expect(p.compile({ role: "R", query: "Q" }, { chat_history: history as never })).toEqual([
          { role: "system", content: "You are R" },
          { role: "NOT_GIVEN", content: "plain text" },
          { role: "NOT_GIVEN", content: "" },
          { role: "NOT_GIVEN", content: "no role", name: "bob" },
          { role: "assistant", content: "" },
          { role: "user", content: "fine", tool_call_id: "t1" },
          { role: "user", content: "Q" },
        ]);
      }
      expect(warnings("should contain a list of chat messages with 'role' and 'content' fields")).toHaveLength(1);
      expect(warnings("has no string 'role'; it gets role 'NOT_GIVEN'")).toHaveLength(1);
      // The caller's messages are not modified.
      expect(history[2]).toEqual({ content: "no role", name: "bob" });
    });

    it("getLangchainPrompt applies the same rule", () => {
      expect(p.getLangchainPrompt({ role: "R", query: "Q" }, { chat_history: "hello {x}" as never })).toEqual([
        ["system", "You are R"],
        ["NOT_GIVEN", "hello {{x}}"],
        ["user", "Q"],
      ]);
      expect(p.getLangchainPrompt({}, { chat_history: [{ content: "c" }] as never })[1]).toEqual(["NOT_GIVEN", "c"]);
    });
  });

  it("does not mutate the template or the given messages", () => {
    const history = [{ role: "user", content: "h" }];
    const out = withHistory.compile({ role: "R", query: "Q" }, { chat_history: history });
    (out[1] as { content: string }).content = "changed";
    expect(history[0].content).toBe("h");
    expect(withHistory.compile({ role: "R", query: "Q" }, { chat_history: history })[1]).toEqual({ role: "user", content: "h" });
  });

  it("rejects malformed chat items", () => {
    expect(() => chat(["x"] as never)).toThrow(LangfuseValidationError);
    expect(() => chat([{ type: "placeholder", name: "" }])).toThrow(/non-empty name/);
    expect(() => chat([{ content: "x" } as never])).toThrow(/string role/);
  });

  it("serializes placeholders and messages in toJSON", () => {
    expect(withHistory.toJSON().prompt).toEqual([
      { role: "system", content: "You are {{role}}" },
      { type: "placeholder", name: "chat_history" },
      { role: "user", content: "{{query}}" },
    ]);
    expect(withHistory.placeholderNames).toEqual(["chat_history"]);
  });
});

describe("LangChain conversion", () => {
  it("escapes JSON braces and converts variables like the reference SDKs", () => {
    expect(escapeJsonForLangchain(`{"a": {"b": 1}, 'c': 2}`)).toBe(`{{"a": {{"b": 1}}, 'c': 2}}`);
    expect(escapeJsonForLangchain(`{  "x": 1 } {y} {{z}}`)).toBe(`{{  "x": 1 }} {y} {{z}}`);
    expect(toLangchainTemplate("Hi {{name}} {{ spaced }} {{a.b}} {x}")).toBe("Hi {name} {spaced} {{a.b}} {x}");
  });

  it("text: formats through a real PromptTemplate to the same string as compile()", async () => {
    const p = text(`Rate {{movie}} as a {{ level }} critic. Answer as JSON: {"score": <1-10>, "why": "..."}`);
    const template = PromptTemplate.fromTemplate(p.getLangchainPrompt());
    expect([...template.inputVariables].sort()).toEqual(["level", "movie"]);
    const vars = { movie: "Dune", level: "expert" };
    expect(await template.format(vars)).toBe(p.compile(vars));
  });

  it("text: pre-compiled variables are literal text, the rest stay LangChain variables", async () => {
    const p = text("Country {{country}}, city {{city}}");
    const lc = p.getLangchainPrompt({ country: "a {b} {{c}}" });
    const template = PromptTemplate.fromTemplate(lc);
    expect(template.inputVariables).toEqual(["city"]);
    expect(await template.format({ city: "Paris" })).toBe("Country a {b} {{c}}, city Paris");
  });

  it("chat: formats through a real ChatPromptTemplate, placeholders become MessagesPlaceholders", async () => {
    const p = chat([
      { role: "system", content: `You are {{role}}. Reply as {"answer": "..."}` },
      { type: "placeholder", name: "history" },
      { role: "user", content: "{{query}}" },
    ]);
    const lc = p.getLangchainPrompt();
    expect(lc).toEqual([
      ["system", `You are {role}. Reply as {{"answer": "..."}}`],
      ["placeholder", "{history}"],
      ["user", "{query}"],
    ]);
    const formatted = await formatChat(lc, { role: "a bot", query: "Why?", history: [{ role: "user", content: "earlier {x}" }, { role: "assistant", content: "ok" }] });
    expect(formatted).toEqual([
      ["system", `You are a bot. Reply as {"answer": "..."}`],
      ["human", "earlier {x}"],
      ["ai", "ok"],
      ["human", "Why?"],
    ]);
    const compiled = p.compile({ role: "a bot", query: "Why?" }, { history: [{ role: "user", content: "earlier {x}" }, { role: "assistant", content: "ok" }] });
    expect(formatted.map(([, content]) => content)).toEqual(compiled.map((m) => (m as { content: string }).content));
  });

  it("chat: resolved placeholder text is escaped so LangChain prints it literally", async () => {
    const p = chat([{ type: "placeholder", name: "history" }, { role: "user", content: "{{q}}" }]);
    const lc = p.getLangchainPrompt({ q: "Q" }, { history: [{ role: "user", content: "use {braces} and {{vars}}" }] });
    expect(lc[0]).toEqual(["user", "use {{braces}} and {{{{vars}}}}"]);
    expect(await formatChat(lc, {})).toEqual([
      ["human", "use {braces} and {{vars}}"],
      ["human", "Q"],
    ]);
  });
});

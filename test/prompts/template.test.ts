import { compileTemplate, findVariableNames, stringifyTemplateValue } from "../../src/prompts/template";

describe("compileTemplate (Python SDK semantics)", () => {
  it("replaces variables and keeps the surrounding text", () => {
    expect(compileTemplate("Hello {{name}}, you are a {{role}}.", { name: "Alice", role: "developer" })).toBe("Hello Alice, you are a developer.");
  });

  it("strips whitespace (newlines included) inside the braces", () => {
    expect(compileTemplate("a {{ name }} b {{\n\tname\n}} c", { name: "X" })).toBe("a X b X c");
  });

  it("keeps a missing variable exactly as written, inner whitespace included", () => {
    expect(compileTemplate("Hi {{ who }} and {{name}}", { name: "N" })).toBe("Hi {{ who }} and N");
    expect(compileTemplate("Hi {{who}}")).toBe("Hi {{who}}");
    expect(compileTemplate("Hi {{who}}", undefined)).toBe("Hi {{who}}");
  });

  it("renders null and undefined as an empty string (the key exists)", () => {
    expect(compileTemplate("[{{a}}][{{b}}]", { a: null, b: undefined })).toBe("[][]");
  });

  it("does not HTML-escape", () => {
    expect(compileTemplate("{{x}}", { x: `<b>"Tom" & 'Jerry'</b>` })).toBe(`<b>"Tom" & 'Jerry'</b>`);
  });

  it("never re-scans substituted values", () => {
    expect(compileTemplate("{{a}}{{a}}", { a: "{{a}}" })).toBe("{{a}}{{a}}");
    expect(compileTemplate("{{a}} {{b}}", { a: "{{b}}", b: "B" })).toBe("{{b}} B");
  });

  it("pairs each {{ with the first following }}", () => {
    expect(compileTemplate("{{ {{a}} }}", { a: "X" })).toBe("{{ {{a}} }}");
    expect(compileTemplate("{{{a}}}", { a: "X" })).toBe("{{{a}}}");
    expect(compileTemplate("{{a}}}", { a: "X" })).toBe("X}");
    expect(compileTemplate("{{{a}}}", { "{a": "Y" })).toBe("Y}");
  });

  it("keeps the rest of the text after an unmatched {{", () => {
    expect(compileTemplate("a {{b}} c {{d", { b: "B", d: "D" })).toBe("a B c {{d");
    expect(compileTemplate("}} {{", {})).toBe("}} {{");
  });

  it("accepts any characters in names, including the empty name", () => {
    expect(compileTemplate("{{a.b}}|{{a-b}}|{{ a b }}|{{}}", { "a.b": 1, "a-b": 2, "a b": 3, "": 4 })).toBe("1|2|3|4");
  });

  it("is case-sensitive, ignores unused keys and inherited properties", () => {
    expect(compileTemplate("{{Name}} {{name}}", { name: "n", extra: "e" })).toBe("{{Name}} n");
    expect(compileTemplate("{{constructor}} {{toString}}", {})).toBe("{{constructor}} {{toString}}");
  });

  it("applies the documented value rule to non-strings", () => {
    const at = new Date("2024-05-06T07:08:09.000Z");
    expect(compileTemplate("{{n}} {{f}} {{t}} {{b}} {{d}} {{arr}} {{obj}}", { n: 1, f: 1.5, t: true, b: BigInt(7), d: at, arr: [1, "x"], obj: { k: 1 } })).toBe(
      `1 1.5 true 7 2024-05-06T07:08:09.000Z [1,"x"] {"k":1}`,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(stringifyTemplateValue(cyclic)).toBe("[object Object]");
    expect(stringifyTemplateValue(Symbol("s"))).toBe("Symbol(s)");
  });

  it("handles templates without markers and empty templates", () => {
    expect(compileTemplate("", { a: 1 })).toBe("");
    expect(compileTemplate("plain { text }", { a: 1 })).toBe("plain { text }");
  });
});

describe("findVariableNames", () => {
  it("returns stripped names in order, duplicates kept", () => {
    expect(findVariableNames("{{ a }} {{b}} {{a}} {{ {{c}} }}")).toEqual(["a", "b", "a", "{{c"]);
    expect(findVariableNames("no vars")).toEqual([]);
  });
});

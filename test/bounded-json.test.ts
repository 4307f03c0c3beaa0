import {
  DEPTH_MARKER,
  jsonTextDepthExceeds,
  MAX_JSON_DEPTH,
  parseBoundedJson,
  stringifyBounded,
  valueDepthExceeds,
  wellFormed,
  wellFormedCopy,
  wellFormedDeep,
} from "../src/bounded-json";

const nest = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

test("text depth counts brackets outside strings only, escapes included", () => {
  expect(jsonTextDepthExceeds("[".repeat(11) + "]".repeat(11), 10)).toBe(true);
  expect(jsonTextDepthExceeds("[".repeat(10) + "]".repeat(10) + " ".repeat(30), 10)).toBe(false);
  expect(jsonTextDepthExceeds(JSON.stringify(["[".repeat(100)]), 10)).toBe(false);
  expect(jsonTextDepthExceeds(JSON.stringify(['\\"' + "{".repeat(100)]), 10)).toBe(false);
  expect(jsonTextDepthExceeds("[".repeat(MAX_JSON_DEPTH + 1) + "]".repeat(MAX_JSON_DEPTH + 1))).toBe(true);
});

test("parseBoundedJson keeps too-deep or invalid text out; stringifyBounded cuts at the bound with the marker", () => {
  expect(parseBoundedJson("[".repeat(10_000) + "]".repeat(10_000))).toBeUndefined();
  expect(parseBoundedJson("not json")).toBeUndefined();
  expect(parseBoundedJson('{"a":[1]}')).toEqual({ value: { a: [1] } });
  const deep = JSON.parse("[".repeat(10_000) + "]".repeat(10_000)) as unknown;
  expect(() => JSON.stringify(deep)).toThrow(RangeError);
  const text = stringifyBounded(deep)!;
  expect(text.startsWith("[".repeat(MAX_JSON_DEPTH) + JSON.stringify(DEPTH_MARKER))).toBe(true);
  expect(stringifyBounded({ a: 1 })).toBe('{"a":1}');
  expect(valueDepthExceeds(nest(MAX_JSON_DEPTH))).toBe(false);
  expect(valueDepthExceeds(nest(MAX_JSON_DEPTH + 1))).toBe(true);
});

test("lone surrogates become U+FFFD; pairs stay; copies leave the caller's value untouched", () => {
  const half = "\u{1F600}".slice(0, 1);
  expect(wellFormed(`a${half}`)).toBe("a\uFFFD");
  expect(wellFormed("ok \u{1F600}")).toBe("ok \u{1F600}");
  const input = { name: `p${half}`, list: ["fine", `x${half}`], [`k${half}`]: 1, date: new Date(0) };
  const copy = wellFormedCopy(input);
  expect(copy).toEqual({ name: "p\uFFFD", list: ["fine", "x\uFFFD"], "k\uFFFD": 1, date: new Date(0) });
  expect(input.name).toBe(`p${half}`);
  const clean = { a: ["b"] };
  expect(wellFormedCopy(clean)).toBe(clean);
  const parsed = JSON.parse('{"a":["\\ud83d"],"\\udc00":2}') as Record<string, unknown>;
  expect(wellFormedDeep(parsed)).toEqual({ a: ["\uFFFD"], "\uFFFD": 2 });
});

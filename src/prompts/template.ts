/**
 * `{{variable}}` templates with the Langfuse Python SDK's semantics (not Mustache):
 *
 *  - Scanning goes left to right. Each `{{` pairs with the FIRST `}}` after it; the variable
 *    name is the text between them with surrounding whitespace removed (`{{ name }}` = `name`).
 *  - A name that is an own key of the variables object is replaced by its value; any other
 *    `{{...}}` is kept exactly as written (braces and inner whitespace included).
 *  - An unmatched `{{` keeps the rest of the text as is. No escapes, sections, partials or
 *    nesting, and no HTML escaping.
 *  - Substituted values are never scanned again: a value containing `{{x}}` stays literal.
 *
 * Value rule (Python uses `str()`, which has no exact JavaScript equivalent; this is ours):
 *  - string: inserted as is;  null / undefined: empty string;
 *  - number, boolean, bigint: `String(value)` (1 → "1", 1.5 → "1.5", true → "true");
 *  - Date: `toISOString()`;
 *  - anything else (arrays, plain objects): `JSON.stringify(value)`, or `String(value)` when it
 *    cannot be serialized (cycles) or serializes to nothing (functions, symbols).
 * Strings and integers therefore compile to the same text as in the Python and JS SDKs.
 *
 * Parsing is done once per template string and kept on the prompt client, so a compile is a
 * single pass of string concatenation.
 */

export type PromptVariables = Readonly<Record<string, unknown>>;

/**
 * A template split at its `{{...}}` markers: output = literals[0] + slot0 + literals[1] + ...
 * `names[i]` is the stripped variable name of slot i, `raws[i]` its original text (kept when the
 * variable is not given).
 */
export interface ParsedTemplate {
  readonly source: string;
  readonly literals: readonly string[];
  readonly names: readonly string[];
  readonly raws: readonly string[];
}

const OPEN = "{{";
const CLOSE = "}}";

export function parseTemplate(source: string): ParsedTemplate {
  const literals: string[] = [];
  const names: string[] = [];
  const raws: string[] = [];
  let literalStart = 0;
  let pos = 0;
  // Every iteration consumes at least one marker, so the loop is bounded by the text length.
  for (;;) {
    const open = source.indexOf(OPEN, pos);
    if (open === -1) break;
    const close = source.indexOf(CLOSE, open + OPEN.length);
    if (close === -1) break; // unmatched `{{`: the rest is plain text
    literals.push(source.slice(literalStart, open));
    names.push(source.slice(open + OPEN.length, close).trim());
    raws.push(source.slice(open, close + CLOSE.length));
    pos = literalStart = close + CLOSE.length;
  }
  literals.push(source.slice(literalStart));
  return { source, literals, names, raws };
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Renders a parsed template. `variables` may be undefined (everything is kept as written). */
export function renderTemplate(parsed: ParsedTemplate, variables: PromptVariables | undefined): string {
  const { literals, names, raws } = parsed;
  let out = literals[0];
  const count = names.length;
  if (count === 0) return out;
  if (variables === undefined || variables === null) return parsed.source;
  for (let i = 0; i < count; i++) {
    const name = names[i];
    if (hasOwn.call(variables, name)) {
      const value = variables[name];
      out += typeof value === "string" ? value : stringifyTemplateValue(value);
    } else {
      out += raws[i];
    }
    out += literals[i + 1];
  }
  return out;
}

/** One-shot compile (parses every time; the prompt clients cache the parse instead). */
export function compileTemplate(source: string, variables?: PromptVariables): string {
  return renderTemplate(parseTemplate(source), variables);
}

/** Variable names in order of appearance, duplicates kept (as the Python SDK reports them). */
export function findVariableNames(source: string): string[] {
  return parseTemplate(source).names.slice();
}

/** The documented value rule (see the file comment). */
export function stringifyTemplateValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "undefined":
      return "";
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object": {
      if (value === null) return "";
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
      try {
        const json = JSON.stringify(value);
        return json === undefined ? String(value) : json;
      } catch {
        return String(value);
      }
    }
    default:
      return String(value);
  }
}

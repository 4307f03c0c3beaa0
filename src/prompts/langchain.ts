/**
 * Conversion of Langfuse `{{var}}` templates to LangChain f-string templates (`{var}`), with
 * the same rules as the Langfuse Python and JS SDKs:
 *
 *  1. JSON escaping: a `{` whose next non-whitespace character is `'` or `"` starts a JSON
 *     object; it becomes `{{` and its matching `}` becomes `}}` (a stack tracks nesting).
 *     Existing `{{` / `}}` pairs are left untouched; other single braces stay single (LangChain
 *     then treats `{x}` as one of its own variables).
 *  2. `{{ name }}` with a word-character name (`\w+`, whitespace allowed around it) becomes
 *     `{name}`. Other markers (`{{a.b}}`) stay doubled, which LangChain renders as literal
 *     braces.
 *
 * Our one deliberate difference: values pre-compiled into the template and messages inserted
 * through placeholders are DATA. Their braces are doubled after the conversion, so LangChain
 * prints them literally instead of treating `{x}` inside a user's text as a variable (the
 * reference SDKs convert them too, which lets user text inject template variables).
 */
import { type ParsedTemplate, type PromptVariables, stringifyTemplateValue } from "./template";

/** Doubles JSON-object braces (rule 1). */
export function escapeJsonForLangchain(text: string): string {
  if (text.indexOf("{") === -1 && text.indexOf("}") === -1) return text;
  let out = "";
  const stack: boolean[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i];
    if (ch === "{") {
      if (text[i + 1] === "{") {
        out += "{{";
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < n && isWhitespace(text.charCodeAt(j))) j++;
      const isJson = j < n && (text[j] === "'" || text[j] === '"');
      out += isJson ? "{{" : "{";
      stack.push(isJson);
      i += 1;
      continue;
    }
    if (ch === "}") {
      if (text[i + 1] === "}") {
        out += "}}";
        i += 2;
        continue;
      }
      const isJson = stack.pop() ?? false;
      out += isJson ? "}}" : "}";
      i += 1;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

const LANGFUSE_VARIABLE = /\{\{\s*(\w+)\s*\}\}/g;

/** Rules 1 and 2 on a raw template string. */
export function toLangchainTemplate(text: string): string {
  return escapeJsonForLangchain(text).replace(LANGFUSE_VARIABLE, "{$1}");
}

/** Makes arbitrary text print literally through a LangChain f-string template. */
export function escapeLangchainLiteral(text: string): string {
  return text.replace(/[{}]/g, (b) => b + b);
}

// Private-use code points mark where pre-compiled values go while the template is converted,
// so the conversion never looks inside a value.
const MARK_OPEN = "\uE000";
const MARK_CLOSE = "\uE001";
const MARKER = /\uE000(\d+)\uE001/g;

/**
 * Converts a parsed template, substituting the variables that are given (as literal text) and
 * converting the others to LangChain variables.
 */
export function parsedToLangchain(parsed: ParsedTemplate, variables: PromptVariables | undefined): string {
  const { literals, names, raws } = parsed;
  const given = variables ?? {};
  // If the template itself contains our marker code points, substitute plainly instead.
  const useMarkers = !parsed.source.includes(MARK_OPEN);
  const values: string[] = [];
  let text = literals[0];
  for (let i = 0; i < names.length; i++) {
    if (Object.prototype.hasOwnProperty.call(given, names[i])) {
      const value = stringifyTemplateValue(given[names[i]]);
      if (useMarkers) {
        values.push(value);
        text += MARK_OPEN + (values.length - 1) + MARK_CLOSE;
      } else {
        text += value;
      }
    } else {
      text += raws[i];
    }
    text += literals[i + 1];
  }
  const converted = toLangchainTemplate(text);
  if (values.length === 0) return converted;
  return converted.replace(MARKER, (_m, idx: string) => escapeLangchainLiteral(values[Number(idx)]));
}

function isWhitespace(code: number): boolean {
  // Python's str.isspace() set for the ASCII range plus the common Unicode spaces.
  return (code >= 9 && code <= 13) || code === 32 || code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || (code >= 0x1c && code <= 0x1f);
}

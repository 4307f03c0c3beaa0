import { jsonTextDepthExceeds, MAX_JSON_DEPTH, wellFormedDeep } from "../bounded-json";
import { badRequest } from "./http-errors";

/** A `\uD800`-`\uDFFF` escape: the only way a JSON text can carry a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

type Done = (err: Error | null, value?: unknown) => void;

/**
 * Parses a JSON request body (`parse` is fastify's own parser, which also refuses
 * `__proto__` keys): bodies nested deeper than MAX_JSON_DEPTH are a 400, and strings are made
 * well-formed. The walk for lone surrogates only runs when the text holds a surrogate escape.
 */
export function parseJsonBody(text: string, parse: (text: string, done: Done) => void, done: Done): void {
  if (jsonTextDepthExceeds(text, MAX_JSON_DEPTH)) {
    done(badRequest(`Request body is nested deeper than ${MAX_JSON_DEPTH} levels`));
    return;
  }
  parse(text, (err, value) => {
    if (err) done(err);
    else done(null, text.includes("\\u") && SURROGATE_ESCAPE.test(text) ? wellFormedDeep(value) : value);
  });
}

/**
 * JSON.parse for raw bodies a route reads itself (the OTLP receiver): the same depth bound and
 * normalisation. Throws a SyntaxError for text that is not JSON and an HttpError 400 when too deep.
 */
export function parseJsonText(text: string, tooDeep: (message: string) => Error): unknown {
  if (jsonTextDepthExceeds(text, MAX_JSON_DEPTH)) throw tooDeep(`Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  const value: unknown = JSON.parse(text);
  return text.includes("\\u") && SURROGATE_ESCAPE.test(text) ? wellFormedDeep(value) : value;
}

import { inspect } from "node:util";

/** How a secret appears in printed or serialized config: its non-secret prefix at most. */
export function redactSecret(secret: string | undefined): string | undefined {
  if (secret === undefined) return undefined;
  return secret.length >= 16 ? `${secret.slice(0, 6)}…[redacted]` : "[redacted]";
}

/**
 * Makes `console.log(config)`, `util.inspect` (also as part of a bigger object) and
 * `JSON.stringify(config)` show the secret key redacted. The property itself stays a plain
 * enumerable field, so code that reads or copies the config keeps working; the two hooks are
 * non-enumerable and do not appear in spreads or `Object.keys`.
 */
export function hideSecrets<C extends { secretKey: string | undefined }>(config: C): C {
  const redacted = (): C => ({ ...config, secretKey: redactSecret(config.secretKey) });
  Object.defineProperty(config, "toJSON", { value: redacted, enumerable: false });
  Object.defineProperty(config, inspect.custom, {
    value: (depth: number, options: object, inspectFn: typeof inspect = inspect) => inspectFn(redacted(), { ...options, depth }),
    enumerable: false,
  });
  return config;
}

const SECRET_KEY = /secret/i;
const AUTH_HEADER = /^(authorization|proxy-authorization)$/i;

/**
 * A copy of an object's own enumerable fields for printing, with secrets redacted: fields named
 * like `secretKey` and Authorization header values, also inside nested plain objects (`headers`,
 * `options.headers`). For classes that hold credentials; use it from their `[inspect.custom]`.
 */
export function redactedView(obj: object, depth = 3): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (typeof value === "string" && SECRET_KEY.test(key)) out[key] = redactSecret(value);
    else if (typeof value === "string" && AUTH_HEADER.test(key)) out[key] = `${value.split(" ")[0]} [redacted]`;
    else if (depth > 0 && value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) out[key] = redactedView(value as object, depth - 1);
    else out[key] = value;
  }
  return out;
}

/** The `[inspect.custom]` body for a class holding credentials: its fields, secrets redacted. */
export function inspectRedacted(self: object, depth: number, options: object, inspectFn: typeof inspect = inspect): string {
  return `${self.constructor.name} ${inspectFn(redactedView(self), { ...options, depth })}`;
}

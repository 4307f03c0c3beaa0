import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./http-errors";

export interface ServerAuth {
  publicKey: string;
  secretKey: string;
}

/**
 * Which credentials a route accepts and how its 401/403 bodies look (reference §1.2):
 *  - "project": Basic only, bodies `{message}`;
 *  - "prompts": Basic only, bodies `{message, error}` (prompt routes throw through withMiddlewares);
 *  - "scores": Basic or `Bearer <publicKey>` (POST /scores, /ingestion), bodies `{message}`;
 *  - "none": no check (health).
 */
export type AuthMode = "project" | "prompts" | "scores" | "ingestion" | "none";

const MESSAGES = {
  missing: "No authorization header",
  invalidCredentials: "Invalid credentials. Confirm that you've configured the correct host.",
  malformedBasic: "Invalid authorization header. Confirm that you've configured the correct host.",
  unknownScheme: "Invalid authorization header",
  bearerDenied: "Access denied - insufficient permissions for this endpoint",
  promptsBearer: "Access denied - need to use basic auth with secret key to GET prompts",
} as const;

/** Hashing first makes the comparison constant-time regardless of the submitted length. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Throws the real server's 401/403 for a bad Authorization header; returns normally otherwise.
 * As on the real server the secret key is authoritative: a Basic header whose public key differs
 * but whose secret matches is accepted.
 */
export function checkAuthorization(header: string | undefined, auth: ServerAuth, mode: AuthMode): void {
  if (mode === "none") return;
  const fail = (status: number, message: string, error: string): never => {
    const withError = mode === "prompts" || mode === "ingestion";
    throw new HttpError(status, withError ? { message, error } : { message });
  };
  if (!header || header.trim() === "") return fail(401, MESSAGES.missing, "UnauthorizedError");
  const space = header.indexOf(" ");
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const value = space === -1 ? "" : header.slice(space + 1).trim();

  if (scheme === "basic") {
    let decoded: string;
    try {
      if (!/^[A-Za-z0-9+/=_-]+$/.test(value)) throw new Error("not base64");
      decoded = Buffer.from(value, "base64").toString("utf8");
    } catch {
      return fail(401, MESSAGES.malformedBasic, "UnauthorizedError");
    }
    const colon = decoded.indexOf(":");
    if (colon <= 0 || colon === decoded.length - 1) return fail(401, MESSAGES.malformedBasic, "UnauthorizedError");
    const secret = decoded.slice(colon + 1);
    if (!sameSecret(secret, auth.secretKey)) return fail(401, MESSAGES.invalidCredentials, "UnauthorizedError");
    return;
  }
  if (scheme === "bearer") {
    if (!sameSecret(value, auth.publicKey)) return fail(401, MESSAGES.invalidCredentials, "UnauthorizedError");
    if (mode === "scores" || mode === "ingestion") return;
    if (mode === "prompts") return fail(403, MESSAGES.promptsBearer, "ForbiddenError");
    return fail(403, MESSAGES.bearerDenied, "ForbiddenError");
  }
  return fail(401, MESSAGES.unknownScheme, "UnauthorizedError");
}

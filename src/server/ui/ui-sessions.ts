import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";

/** Header the web UI sends with every request; a cross-site form or link cannot set it. */
export const UI_HEADER = "x-langfuse-ui";
/** Sessions last a working day; the UI asks for the keys again afterwards. */
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Bounded: logging in again and again evicts the oldest sessions instead of growing memory. */
const MAX_SESSIONS = 200;
/** Wrong keys allowed per client address in one window before logins from it are refused. */
const LOGIN_FAILURES_ALLOWED = 10;
const LOGIN_WINDOW_MS = 60 * 1000;
/** Bounded like the sessions: a flood from many addresses evicts the oldest entries. */
const MAX_LOGIN_CLIENTS = 10_000;

/**
 * Slows down guessing the keys through the login form: after LOGIN_FAILURES_ALLOWED wrong
 * attempts from one address within a window, that address is refused (429 with Retry-After)
 * until the window that began with its first failure ends. A successful login clears its count.
 * The API's Basic auth is not throttled here: API clients retry on 401 by design, and a key
 * pair the form refuses is refused there too.
 */
export class LoginThrottle {
  private readonly clients = new Map<string, { failures: number; windowEnds: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until `client` may try again, or 0 when it may try now. */
  retryAfterSeconds(client: string): number {
    const entry = this.clients.get(client);
    if (!entry) return 0;
    const left = entry.windowEnds - this.now();
    if (left <= 0) {
      this.clients.delete(client);
      return 0;
    }
    return entry.failures >= LOGIN_FAILURES_ALLOWED ? Math.ceil(left / 1000) : 0;
  }

  failed(client: string): void {
    const now = this.now();
    const entry = this.clients.get(client);
    if (entry && entry.windowEnds > now) {
      entry.failures++;
      return;
    }
    this.clients.delete(client);
    while (this.clients.size >= MAX_LOGIN_CLIENTS) {
      const oldest = this.clients.keys().next().value;
      if (oldest === undefined) break;
      this.clients.delete(oldest);
    }
    this.clients.set(client, { failures: 1, windowEnds: now + LOGIN_WINDOW_MS });
  }

  succeeded(client: string): void {
    this.clients.delete(client);
  }
}

/**
 * Browser sessions of the web UI. The browser proves it knows the keys once (POST
 * /api/ui/login); the server answers with a random token in an HttpOnly SameSite=Strict cookie,
 * so the secret key is never kept in the page, its storage or a URL. Tokens live in memory: a
 * restart logs everyone out.
 */
export class UiSessions {
  private readonly sessions = new Map<string, number>();
  readonly logins: LoginThrottle;

  constructor(private readonly now: () => number = Date.now) {
    this.logins = new LoginThrottle(now);
  }

  create(): { token: string; maxAgeSeconds: number } {
    this.prune();
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const token = randomBytes(32).toString("base64url");
    this.sessions.set(token, this.now() + SESSION_TTL_MS);
    return { token, maxAgeSeconds: SESSION_TTL_MS / 1000 };
  }

  valid(token: string | undefined): boolean {
    if (!token) return false;
    const expires = this.sessions.get(token);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
  }

  revoke(token: string | undefined): void {
    if (token) this.sessions.delete(token);
  }

  private prune(): void {
    const now = this.now();
    for (const [token, expires] of this.sessions) if (expires <= now) this.sessions.delete(token);
  }
}

/**
 * The cookie's name carries the server's port: browsers share cookies between ports of one host,
 * and two local servers (say 3000 and 3001) must not overwrite each other's session.
 */
export function sessionCookieName(request: FastifyRequest): string {
  return `lfd_ui_${request.socket.localPort ?? 0}`;
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionToken(request: FastifyRequest): string | undefined {
  return readCookie(request, sessionCookieName(request));
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/**
 * Route patterns a cookie session may change, besides reading: what the UI itself does (promote
 * a prompt label, log out). Everything else that writes needs the API keys.
 */
const UI_MUTATIONS = new Set(["PATCH /api/public/v2/prompts/:name/versions/:version", "POST /api/ui/logout"]);

/**
 * Whether a request without an Authorization header is let through on its session cookie. Writes
 * also need the UI's custom header (a cross-site request cannot send it without a CORS
 * preflight, which this server never grants with credentials) and, when the browser says where
 * it comes from, the same origin: with the SameSite=Strict cookie that is the CSRF defence.
 */
export function sessionAllows(sessions: UiSessions, request: FastifyRequest): boolean {
  if (!sessions.valid(sessionToken(request))) return false;
  if (SAFE_METHODS.has(request.method)) return true;
  if (!UI_MUTATIONS.has(`${request.method} ${request.routeOptions?.url ?? ""}`)) return false;
  if (request.headers[UI_HEADER] !== "1") return false;
  return sameOrigin(request);
}

/** True when the request has no Origin header or its origin is this server's own host. */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * Where a browser opening a trace URL (`getTraceUrl()`, `htmlPath`) without credentials is sent:
 * that trace in the web UI, which asks for the keys if needed. API clients (no `text/html` in
 * Accept) keep getting the JSON answer or the 401 they expect.
 */
export function browserTraceRedirect(request: FastifyRequest): string | undefined {
  const accept = request.headers.accept;
  if (typeof accept !== "string" || !accept.includes("text/html")) return undefined;
  const traceId = (request.params as { traceId?: unknown } | undefined)?.traceId;
  if (typeof traceId !== "string" || traceId === "" || traceId.length > 1000) return undefined;
  return `/#/traces/${encodeURIComponent(traceId)}`;
}

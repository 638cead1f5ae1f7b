/**
 * Protected routes: find the request's token (`Authorization: Bearer`, the session cookie, and
 * for WebSockets `?token=`), have the auth tool verify it, check roles or a predicate, and the
 * CSRF rule for cookie-authenticated mutations. Runs before the body is read or validated.
 * @module
 */
import type { AuthClaims, AuthGate, AuthRule } from "./types.ts";

/** A route's auth rule in one form: roles (any of them) and a predicate, both optional. */
export interface Guard {
  roles: readonly string[] | undefined;
  allow: ((claims: AuthClaims) => boolean) | undefined;
}

/** Where the request's token came from. */
export type TokenSource = "header" | "cookie" | "query";

/** A refused request: its status and the envelope's `error`. */
export interface Refusal {
  status: 401 | 403;
  error: string;
}

/** A request let in: the verified claims and where the token came from. */
export interface Admitted {
  claims: AuthClaims;
  source: TokenSource;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** The double-submit cookie the auth tool's `setSession` writes. */
const CSRF_COOKIE = "csrf";

/** Normalise `options.auth`; `undefined` when the route is public. Throws on a malformed rule. */
export function guardOf(rule: AuthRule | undefined, where: string): Guard | undefined {
  if (rule === undefined || rule === false) return undefined;
  if (rule === true) return { roles: undefined, allow: undefined };
  if (typeof rule !== "object" || rule === null) {
    throw new TypeError(`${where}: auth must be true or { roles?, allow? }`);
  }
  // A misspelt key (`role:`) must not quietly leave the route open to any valid token.
  const unknown = Object.keys(rule).filter((k) => k !== "roles" && k !== "allow");
  if (unknown.length) {
    throw new TypeError(
      `${where}: auth has unknown key(s) ${unknown.join(", ")}: use { roles?, allow? }`,
    );
  }
  const { roles, allow } = rule;
  if (roles !== undefined) {
    if (!Array.isArray(roles) || !roles.length || roles.some((r) => typeof r !== "string")) {
      throw new TypeError(`${where}: auth.roles must be a non-empty array of role names`);
    }
  }
  if (allow !== undefined && typeof allow !== "function") {
    throw new TypeError(`${where}: auth.allow must be a function (claims) => boolean`);
  }
  return { roles: roles ? [...roles] : undefined, allow };
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0 || part.slice(0, i).trim() !== name) continue;
    const v = part.slice(i + 1).trim();
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  }
  return undefined;
}

/** The token of a request, and where it was: Bearer header first, then cookie, then `?token=`. */
export function findToken(
  req: Request,
  cookie: string,
  search: string | undefined,
): { token: string; source: TokenSource } | undefined {
  const h = req.headers.get("authorization");
  if (h && h.length > 7 && h.slice(0, 7).toLowerCase() === "bearer ") {
    const token = h.slice(7).trim();
    if (token) return { token, source: "header" };
  }
  const c = readCookie(req.headers.get("cookie"), cookie);
  if (c) return { token: c, source: "cookie" };
  if (search) {
    const t = new URLSearchParams(search).get("token");
    if (t) return { token: t, source: "query" };
  }
  return undefined;
}

/** Compare two strings in time that depends on their length only. */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * The CSRF rule for a cookie-authenticated request: a mutation must carry `X-Requested-With`
 * (a header a cross-site form cannot send) or an `X-CSRF-Token` equal to the `csrf` cookie.
 * Returns the refusal's message, or `undefined` when the request passes.
 */
export function csrfProblem(req: Request): string | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  if (req.headers.has("x-requested-with")) return undefined;
  const sent = req.headers.get("x-csrf-token");
  if (sent === null) {
    return "CSRF check failed: a request authenticated by cookie must send X-Requested-With " +
      "or X-CSRF-Token (the csrf cookie's value)";
  }
  const expected = readCookie(req.headers.get("cookie"), CSRF_COOKIE);
  if (!expected || !sameString(sent, expected)) {
    return "CSRF check failed: X-CSRF-Token does not match the csrf cookie";
  }
  return undefined;
}

/**
 * A cookie-authenticated WebSocket from another site (cross-site WebSocket hijacking): its
 * `Origin` names another host than the request's `Host`.
 */
function foreignOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).host !== (req.headers.get("host") ?? new URL(req.url).host);
  } catch {
    return true;
  }
}

/**
 * Authenticate and authorize `req` for a route guarded by `guard`: the claims, or why not.
 * `socket` holds the query string of a WebSocket upgrade (its `?token=` counts; a cookie counts
 * only from the same origin). A throw of the gate other than a refused token (the identity
 * provider is down) propagates (a 503 or 500).
 */
export async function admit(
  req: Request,
  guard: Guard,
  gate: AuthGate | undefined,
  socket?: { search: string },
): Promise<Admitted | Refusal> {
  if (!gate) return { status: 401, error: "auth is not set up" };
  const found = findToken(req, gate.cookie, socket?.search);
  if (!found) return { status: 401, error: "missing token" };
  let claims: AuthClaims;
  try {
    claims = await gate.verify(found.token);
  } catch (err) {
    if ((err as { kind?: unknown })?.kind === "unauthorized") {
      return { status: 401, error: "invalid or expired token" };
    }
    throw err;
  }
  if (guard.roles) {
    const has = Array.isArray(claims.roles) ? claims.roles : [];
    if (!guard.roles.some((r) => has.includes(r))) return { status: 403, error: "forbidden" };
  }
  if (guard.allow && guard.allow(claims) !== true) return { status: 403, error: "forbidden" };
  if (found.source === "cookie") {
    const problem = socket
      ? foreignOrigin(req) ? "CSRF check failed: a cookie session from another origin" : undefined
      : csrfProblem(req);
    if (problem) return { status: 403, error: problem };
  }
  return { claims, source: found.source };
}

/** The JSON envelope of a refusal (401s carry `WWW-Authenticate: Bearer`). */
export function refusalResponse(r: Refusal): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (r.status === 401) {
    headers["www-authenticate"] = r.error === "missing token"
      ? "Bearer"
      : 'Bearer error="invalid_token"';
  }
  return new Response(JSON.stringify({ success: false, error: r.error }), {
    status: r.status,
    headers,
  });
}

/** True when `x` is a refusal. */
export function refused(x: Admitted | Refusal): x is Refusal {
  return (x as Refusal).status !== undefined;
}

/**
 * Answer a WebSocket upgrade that was refused: upgrade, then close with 1008 (policy violation)
 * and the reason, before any handler runs (a browser cannot read an HTTP status of a failed
 * handshake, but it sees the close code and reason).
 */
export function refuseSocket(req: Request, r: Refusal): Response {
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.onopen = () => socket.close(1008, r.error.slice(0, 120));
  socket.onerror = () => {};
  return response;
}

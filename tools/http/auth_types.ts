/**
 * The types of protected routes: the claims a handler sees, the `auth:` rule, and what the auth
 * tool hands the http tool.
 * @module
 */

/**
 * The verified claims of a request's token, as the auth tool hands them (`ctx.auth`). `sub` is
 * the subject (the user id, as a string); `roles` is what `auth: { roles }` checks.
 */
export interface AuthClaims {
  sub: string;
  roles?: string[];
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

/**
 * Who may call a route (`options.auth`; needs the `auth` tool, tools/auth):
 * - `true`: any valid token;
 * - `{ roles: ["admin", …] }`: a valid token whose `roles` claim holds any of them;
 * - `{ allow: (claims) => boolean }`: a valid token the predicate accepts (both, when both given).
 *
 * The token is read from `Authorization: Bearer <token>`, else the session cookie (the auth tool's
 * `setSession`; WebSockets also `?token=`). Answers, all before the body is read or validated:
 * no token → 401 `{"success":false,"error":"missing token"}` with `WWW-Authenticate: Bearer`; a
 * bad or expired one → 401 `"invalid or expired token"`; a valid one without the role, or
 * refused by `allow` → 403 `"forbidden"`; a mutation (not GET/HEAD/OPTIONS) authenticated by the
 * cookie without an `X-Requested-With` header (or an `X-CSRF-Token` equal to the `csrf` cookie)
 * → 403 `"CSRF check failed: …"`. A WebSocket refused so is closed with 1008 before `onOpen`.
 */
export type AuthRule =
  | boolean
  | { roles?: readonly string[]; allow?: (claims: AuthClaims) => boolean };

/** What the http tool needs from the auth tool (which installs it with `HttpTool.useAuth`). */
export interface AuthGate {
  /** The claims of a valid token; throws an error with `kind: "unauthorized"` for a bad one. */
  verify(token: string): Promise<AuthClaims>;
  /** The session cookie's name. */
  readonly cookie: string;
}

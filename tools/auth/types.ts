/**
 * The plugin-facing types of the `auth` tool.
 * @module
 */

/**
 * Verified token claims. `sub` is the subject (the user id, as a string); `roles` is what
 * `auth: { roles }` on a route checks. Any other claim of the token is kept as it is.
 */
export interface Claims {
  /** The subject: the user id, as a string. */
  sub: string;
  /** The roles `auth: { roles: [...] }` on a route checks (any of them lets the request in). */
  roles?: string[];
  /** Issued at (seconds since the epoch); set by {@link Auth.sign}. */
  iat?: number;
  /** Expires at (seconds since the epoch); set by {@link Auth.sign}, required by {@link Auth.verify}. */
  exp?: number;
  [claim: string]: unknown;
}

/** Options of {@link Auth.sign}. */
export interface SignOptions {
  /** Seconds until the token expires (default `AUTH_TOKEN_TTL`, 3600). */
  expiresIn?: number;
}

/** What {@link Auth.verifyPassword} says. */
export interface PasswordCheck {
  /** True when the password matches the stored hash. */
  ok: boolean;
  /**
   * A new hash of the same password, to store in place of the old one: set only when `ok` and
   * the stored hash used other (older) parameters than the current ones.
   */
  rehash?: string;
}

/** Options of a cookie, as {@link SessionTarget.setCookie} takes them. */
export interface SessionCookieOptions {
  maxAge?: number;
  expires?: Date;
  path?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
}

/**
 * Where a session cookie is written: the http tool's `HttpContext` (a handler's `ctx`) is one.
 */
export interface SessionTarget {
  setCookie(name: string, value: string, options?: SessionCookieOptions): void;
}

/**
 * What a plugin receives when it asks for `auth`: tokens, passwords and cookie sessions.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Auth } from "@tools/auth/mod.ts";
 * import type { Http } from "@tools/http/mod.ts";
 *
 * export default class Me extends BasePlugin {
 *   constructor(private http: Http, private auth: Auth) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.http.addEndpoint("/me", "GET", (_data, ctx) => {
 *       return { success: true, data: { id: ctx.auth.sub } };
 *     }, { auth: true });
 *   }
 * }
 * ```
 */
export interface Auth {
  /**
   * A signed token (a JWT) carrying `claims`, with `iat` and `exp` set (and `iss`/`aud` when
   * `AUTH_ISSUER`/`AUTH_AUDIENCE` are set). `iat`/`exp` given in `claims` are ignored.
   * @throws AuthError when the tool has no signing key (only `AUTH_JWKS_URL` is set).
   */
  sign(claims: Claims, options?: SignOptions): Promise<string>;
  /**
   * The claims of a valid token: signed by the configured key (or a key of `AUTH_JWKS_URL`) with
   * the configured algorithm, not expired, with a `sub` and an `exp`.
   * @throws AuthError (kind `unauthorized`, a 401 "invalid or expired token") otherwise.
   */
  verify(token: string): Promise<Claims>;
  /**
   * A self-describing (PHC string) hash of `password`, to store.
   * @throws AuthError (kind `unavailable`, a 503 with `Retry-After`) at once when `AUTH_HASH_QUEUE`
   * hashes already wait for a slot.
   */
  hashPassword(password: string): Promise<string>;
  /**
   * Whether `password` matches `stored`, compared in constant time; `rehash` when the stored hash
   * used older parameters. Never throws on a malformed stored hash (`ok: false`, after a
   * stand-in hash of the same cost: pass `""` for an unknown account without a timing tell).
   * @throws AuthError (kind `unavailable`, a 503 with `Retry-After`) at once when the hash queue
   * is full, like {@link Auth.hashPassword}.
   */
  verifyPassword(password: string, stored: string): Promise<PasswordCheck>;
  /**
   * Put `token` in the session cookie (`AUTH_COOKIE`, default `session`; `HttpOnly; Secure;
   * SameSite=Lax; Max-Age` = the token's remaining lifetime) and a `csrf` cookie (readable by
   * the page's script) for the double-submit CSRF check.
   */
  setSession(ctx: SessionTarget, token: string): void;
  /** Expire the session and `csrf` cookies. */
  clearSession(ctx: SessionTarget): void;
}

/**
 * The `auth` tool: JWT sign/verify, password hashing and cookie sessions for plugins; with it,
 * the http tool's `auth:` option protects routes (401 without a valid token, 403 without the
 * role, a CSRF check on cookie-authenticated mutations). See docs/auth.md.
 *
 * Settings (each described in `AuthTool.env`): `AUTH_JWT_SECRET` (HS256; required in `start`),
 * `AUTH_JWT_ALG`, `AUTH_JWT_PRIVATE_KEY`, `AUTH_JWT_PUBLIC_KEY`, `AUTH_JWKS_URL`, `AUTH_ISSUER`,
 * `AUTH_AUDIENCE`, `AUTH_TOKEN_TTL`, `AUTH_COOKIE`.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Auth } from "@tools/auth/mod.ts";
 * import { HttpError, type Http } from "@tools/http/mod.ts";
 * import { z } from "zod";
 *
 * export default class Login extends BasePlugin {
 *   constructor(private http: Http, private auth: Auth) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.http.addEndpoint("/login", "POST", async (data, ctx) => {
 *       const stored = await findHash(data.email); // your lookup
 *       const check = await this.auth.verifyPassword(data.password, stored ?? "");
 *       if (!check.ok) throw new HttpError(401, "wrong email or password");
 *       const token = await this.auth.sign({ sub: "1", roles: ["user"] });
 *       this.auth.setSession(ctx, token); // optional: a cookie session for browsers
 *       return { success: true, data: { token } };
 *     }, { body: z.object({ email: z.string(), password: z.string() }) });
 *   }
 * }
 * declare function findHash(email: string): Promise<string | undefined>;
 * ```
 * @module
 */
import { AuthTool } from "./tool.ts";

export { AuthTool, type AuthToolOptions } from "./tool.ts";
export { AuthError } from "./errors.ts";
export type {
  Auth,
  Claims,
  PasswordCheck,
  SessionCookieOptions,
  SessionTarget,
  SignOptions,
} from "./types.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default AuthTool;

import { BasePlugin } from "@core";
import type { Auth } from "@tools/auth/mod.ts";
import type { Config } from "@tools/config/mod.ts";
import type { Db } from "@tools/db/mod.ts";
import { failure, type Http, ok } from "@tools/http/mod.ts";
import { z } from "zod";
import { requireJson } from "./_json_only.ts";
import type { Logger } from "@tools/logger/mod.ts";
import type { State } from "@tools/state/mod.ts";
import { Login } from "../models/user.ts";
import { LoginThrottle, MAX_FAILURES } from "./_login_throttle.ts";

/**
 * `POST /auth/login` `{email, password}` → 200 `{token}` (a JWT whose `sub` is the user id).
 * A wrong password and an unknown email get the same 401 in about the same time (the unknown one
 * is checked against a dummy hash). After 5 failures for one email within 15 minutes every
 * attempt gets a 429 with `Retry-After` until the window ends, counted in the state tool (so on
 * Redis it holds across instances). A hash made with older parameters is replaced on login.
 * `USERS_SESSION_COOKIE=true` also puts the token in the auth tool's session cookie. JSON bodies
 * only (a form is a 415: a cross-site form must not log a browser in, see `_json_only.ts`).
 */
export default class LoginPlugin extends BasePlugin {
  #dummy?: Promise<string>;

  constructor(
    private http: Http,
    private db: Db,
    private auth: Auth,
    private state: State,
    private config: Config,
    private logger: Logger,
  ) {
    super();
  }

  override onBoot() {
    const throttle = new LoginThrottle(this.state.namespace("login_failures"));
    const cookie = this.config.bool("USERS_SESSION_COOKIE", false);
    this.http.addEndpoint("/auth/login", "POST", async ({ email, password }, ctx) => {
      requireJson(ctx);
      const attempt = await throttle.begin(email);
      if (attempt.retryAfter !== undefined) {
        if (attempt.count === MAX_FAILURES + 1) {
          this.logger.warn("login throttled", { retryAfter: attempt.retryAfter });
        }
        ctx.setStatus(429);
        ctx.setHeader("retry-after", String(attempt.retryAfter));
        return { success: false, error: "too many failed logins, try again later" };
      }
      const user = await this.db.queryOne<{ id: number; password_hash: string }>(
        "SELECT id, password_hash FROM users WHERE email = $1",
        [email],
      );
      // An unknown email costs one hash too, so the answer's timing does not tell it apart.
      const stored = user?.password_hash ?? await (this.#dummy ??= this.#dummyHash());
      const check = await this.auth.verifyPassword(password, stored);
      if (!user || !check.ok) {
        // The submitted email is not logged: people type their password into it by mistake.
        this.logger.info("login failed", { userId: user?.id, failures: attempt.count });
        ctx.setStatus(401);
        return { success: false, error: "wrong email or password" };
      }
      await attempt.succeeded();
      if (check.rehash) {
        await this.db.execute(
          "UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3",
          [check.rehash, user.id, stored],
        );
      }
      const token = await this.auth.sign({ sub: String(user.id) });
      if (cookie) this.auth.setSession(ctx, token);
      this.logger.info("user logged in", { userId: user.id, rehashed: !!check.rehash });
      return { success: true, data: { token } };
    }, {
      body: Login,
      responses: { 200: ok(z.object({ token: z.string() })), 401: failure, 429: failure },
      tags: ["users"],
      summary: "Sign in: a bearer token",
    });
  }

  #dummyHash(): Promise<string> {
    return this.auth.hashPassword(crypto.randomUUID()).catch((e) => {
      this.#dummy = undefined; // try again next time
      throw e;
    });
  }
}

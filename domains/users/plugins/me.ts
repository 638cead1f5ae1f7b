import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import { type Http, HttpError, ok } from "@tools/http/mod.ts";
import { z } from "zod";

/**
 * `GET /users/me` with `Authorization: Bearer <token>` (or the session cookie) → 200
 * `{id, email}` of the token's subject. The http tool answers 401 before the handler when the
 * token is missing, invalid or expired; a valid token whose user no longer exists gets a 404.
 */
export default class MePlugin extends BasePlugin {
  constructor(private http: Http, private db: Db) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/users/me", "GET", async (_data, ctx) => {
      // Our own tokens' `sub` is the id in decimal; anything else names no user of this table.
      const sub = ctx.auth!.sub;
      const user = /^[1-9][0-9]{0,14}$/.test(sub)
        ? await this.db.queryOne<{ id: number; email: string }>(
          "SELECT id, email FROM users WHERE id = $1",
          [Number(sub)],
        )
        : null;
      if (!user) throw new HttpError(404, "no such user");
      return { success: true, data: { id: user.id, email: user.email } };
    }, {
      auth: true,
      responses: { 200: ok(z.object({ id: z.number().int(), email: z.string() })) },
      tags: ["users"],
      summary: "The signed-in user",
    });
  }
}

import { BasePlugin } from "@core";
import type { Auth } from "@tools/auth/mod.ts";
import { type Db, isDbError } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import { type Http, HttpError, ok } from "@tools/http/mod.ts";
import type { Logger } from "@tools/logger/mod.ts";
import { z } from "zod";
import { requireJson } from "./_json_only.ts";
import { Registration } from "../models/user.ts";

/**
 * `POST /auth/register` `{email, password}` → 201 `{id}`: store the account with the password's
 * hash (never the password) and announce `user.registered` `{id, email}` in one transaction. An
 * email already registered is a 409 (after the same hash, so not faster than a 201): that answer
 * tells anyone which emails have an account, a property of the contract, so rate-limit this route
 * per client in front of it. A malformed email or a password outside 8–128 characters is a 400
 * naming the field; a body that is not JSON a 415 (see `_json_only.ts`).
 */
export default class RegisterPlugin extends BasePlugin {
  constructor(
    private http: Http,
    private db: Db,
    private auth: Auth,
    private event_bus: EventBus,
    private logger: Logger,
  ) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/auth/register", "POST", async ({ email, password }, ctx) => {
      requireJson(ctx);
      // Hash first, even for a known email: its 409 then costs the same (deliberately slow)
      // hash as a 201, so the timing tells no more than the 409 itself. The UNIQUE column still
      // decides when two registrations race.
      const hash = await this.auth.hashPassword(password);
      if (await this.db.queryOne("SELECT 1 FROM users WHERE email = $1", [email])) throw taken();
      const id = await this.db.transaction(async (tx) => {
        const { id } = (await tx.queryOne<{ id: number }>(
          "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id",
          [email, hash],
        ))!;
        this.event_bus.publish("user.registered", { id, email });
        return id;
      }).catch((e) => {
        throw isDbError(e, "unique_violation") ? taken() : e;
      });
      this.logger.info("user registered", { id });
      ctx.setStatus(201);
      return { success: true, data: { id } };
    }, {
      body: Registration,
      responses: { 201: ok(z.object({ id: z.number().int() })) },
      tags: ["users"],
      summary: "Create an account",
    });
  }
}

const taken = () => new HttpError(409, "email already registered");

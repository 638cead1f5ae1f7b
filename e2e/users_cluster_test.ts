/**
 * The login throttle across instances: two `deno task start` processes on one PostgreSQL schema
 * and one Redis (a key prefix of this test's own, see services.ts), failed logins split between
 * them add up to the 429, and a token one instance signed is accepted by the other (same
 * `AUTH_JWT_SECRET`, the harness's). About 5 s, most of it the real password hashes (scrypt, ~0.3 s each).
 * @module
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { copyProject, startApp } from "./harness.ts";
import { services, servicesUp } from "./services.ts";
import { call, login, register } from "./users.ts";

const up = await servicesUp();

Deno.test({
  name: "e2e users: failed logins on two instances share one count in Redis",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: !up,
  async fn() {
    await using s = await services();
    const dir = await copyProject();
    // PostgreSQL and Redis are what is shared here; events stay in each process.
    const env = { ...s.env, EVENT_BUS_DRIVER: "memory" };
    const [a, b] = await Promise.all([startApp("start", dir, env), startApp("start", dir, env)]);
    try {
      equal((await register(a, "ann@example.com", "right password")).status, 201);
      const signed = await login(b, "ann@example.com", "right password");
      equal(signed.status, 200, "B sees the account A stored");
      const me = await call(a, "GET", "/users/me", { token: signed.body.data.token });
      equal(me.status, 200, "A accepts B's token");

      const statuses = [];
      for (const app of [a, b, a, b, a]) {
        statuses.push((await login(app, "ann@example.com", "wrong password")).status);
      }
      deepEqual(statuses, [401, 401, 401, 401, 401]);
      for (const app of [b, a]) {
        const blocked = await login(app, "ann@example.com", "right password");
        equal(blocked.status, 429);
        const retryAfter = Number(blocked.headers.get("retry-after"));
        ok(retryAfter > 880 && retryAfter <= 900, `Retry-After ${retryAfter}`);
      }
    } finally {
      const codes = [await a.stop(), await b.stop()];
      await Deno.remove(dir, { recursive: true });
      deepEqual(codes, [0, 0], [...a.lines, ...b.lines].slice(-30).join("\n"));
    }
  },
});

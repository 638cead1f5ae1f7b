/**
 * The example `users` domain's public contract, end to end: `deno task start` as the README runs
 * it, over a real socket (also run on PostgreSQL by e2e/postgres_test.ts).
 * @module
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { copyProject, startApp } from "./harness.ts";
import { call, login, register } from "./users.ts";

Deno.test({
  name: "e2e users: register, login, /users/me, the 429 after 5 failures; no password anywhere",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    // Debug level: every request's access line is logged too, and none may hold a password.
    // USERS_SESSION_COOKIE: login also sets the session cookie, which /users/me accepts alone.
    const app = await startApp("start", dir, { LOG_LEVEL: "debug", USERS_SESSION_COOKIE: "true" });
    const password = "e2e-Pa55word-never-shown";
    try {
      match(app.lines.join("\n"), /plugin\s+users\/login\s+ready/);
      const created = await register(app, "Ann@Example.com", password);
      equal(created.status, 201);
      equal(created.body.success, true);
      const id = created.body.data.id;
      ok(Number.isInteger(id) && id > 0);
      deepEqual(created.body, { success: true, data: { id } });

      const dupe = await register(app, "ann@example.COM", "other password");
      deepEqual([dupe.status, dupe.body], [409, {
        success: false,
        error: "email already registered",
      }]);
      for (
        const [body, field] of [[{ email: "ann", password }, "email"], [{
          email: "bob@example.com",
          password: "short",
        }, "password"]] as const
      ) {
        const bad = await call(app, "POST", "/auth/register", { body });
        equal(bad.status, 400);
        deepEqual(bad.body.details.map((d: { field: string }) => d.field), [field]);
      }

      const token = await login(app, "ann@example.com", password);
      equal(token.status, 200);
      deepEqual(Object.keys(token.body.data), ["token"]);
      const me = await call(app, "GET", "/users/me", { token: token.body.data.token });
      deepEqual([me.status, me.body], [200, {
        success: true,
        data: { id, email: "ann@example.com" },
      }]);
      const session = token.headers.getSetCookie().find((c) => c.startsWith("session="));
      match(session ?? "", /^session=[^;]+; .*HttpOnly/);
      const byCookie = await call(app, "GET", "/users/me", {
        headers: { cookie: session!.split(";")[0] },
      });
      deepEqual([byCookie.status, byCookie.body], [200, me.body]);
      const anonymous = await call(app, "GET", "/users/me");
      deepEqual([anonymous.status, anonymous.body], [401, {
        success: false,
        error: "missing token",
      }]);
      equal((await call(app, "GET", "/users/me", { token: "forged.token.x" })).status, 401);

      const failures = [];
      for (const guess of ["a", "b", "c", "d", "e"]) {
        failures.push((await login(app, "ann@example.com", password + guess)).status);
      }
      deepEqual(failures, [401, 401, 401, 401, 401]);
      const blocked = await login(app, "ann@example.com", password);
      deepEqual([blocked.status, blocked.body], [429, {
        success: false,
        error: "too many failed logins, try again later",
      }]);
      const retryAfter = Number(blocked.headers.get("retry-after"));
      ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
      // An unknown email: the same 401 as a wrong password (and a count of its own).
      const unknown = await login(app, "nobody@example.com", password);
      deepEqual([unknown.status, unknown.body], [401, {
        success: false,
        error: "wrong email or password",
      }]);
    } finally {
      const code = await app.stop();
      await Deno.remove(dir, { recursive: true });
      equal(code, 0, app.lines.slice(-20).join("\n"));
    }
    const log = app.lines.join("\n");
    match(log, /user registered/);
    match(log, /POST \/auth\/login/, "the access lines were logged (debug)");
    ok(!log.includes(password), "a password reached the log");
  },
});

import assert from "node:assert/strict";
import { mock } from "node:test";
import { bootPlugin, type PluginTest } from "@microcore/testing";
import { StateError } from "@tools/state/mod.ts";
import LoginPlugin from "./login.ts";

const PASSWORD = "correct horse battery staple";

/** A user `ann@example.com` with {@link PASSWORD}, hashed by the real auth tool. */
async function seed(t: PluginTest): Promise<void> {
  const hash = await t.auth.hashPassword(PASSWORD);
  await t.db.execute("INSERT INTO users (email, password_hash) VALUES ($1, $2)", [
    "ann@example.com",
    hash,
  ]);
}

const login = (t: PluginTest, email: string, password: string) =>
  t.http.request("POST", "/auth/login", { email, password });

Deno.test("POST /auth/login: the right password gets a token whose subject is the user id", async () => {
  await using t = await bootPlugin(LoginPlugin);
  await seed(t);
  const res = await login(t, " ANN@example.com", PASSWORD);
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body), ["success", "data"]);
  assert.equal(res.body.success, true);
  assert.deepEqual(Object.keys(res.body.data), ["token"]);
  const claims = await t.auth.verify(res.body.data.token);
  assert.equal(claims.sub, "1");
  assert.equal(res.headers.get("set-cookie"), null, "no session cookie unless configured");
  assert.deepEqual(t.logs.messages(), ["user logged in"]);
});

Deno.test("POST /auth/login: a wrong password and an unknown email get the same 401", async () => {
  await using t = await bootPlugin(LoginPlugin);
  await seed(t);
  const wrong = await login(t, "ann@example.com", "wrong password");
  const unknown = await login(t, "bob@example.com", PASSWORD);
  for (const res of [wrong, unknown]) {
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { success: false, error: "wrong email or password" });
  }
  assert.deepEqual(t.logs.messages(), ["login failed", "login failed"]);
  assert.deepEqual(t.logs.records.map((r) => r.props), [
    { userId: 1, failures: 1 },
    { userId: undefined, failures: 1 },
  ]);
  // Bounded input: a 400 names the field, before any hashing.
  const long = await login(t, "ann@example.com", "x".repeat(129));
  assert.equal(long.status, 400);
  assert.deepEqual(long.body.details.map((d: { field: string }) => d.field), ["password"]);
});

Deno.test("POST /auth/login: an unknown email is checked against a dummy hash (same work)", async () => {
  const hashPassword = mock.fn(() => Promise.resolve("dummy-hash"));
  const verifyPassword = mock.fn(() => Promise.resolve({ ok: false }));
  await using t = await bootPlugin(LoginPlugin, {
    tools: { auth: { hashPassword, verifyPassword } },
  });
  for (let i = 0; i < 2; i++) assert.equal((await login(t, "nobody@x.io", PASSWORD)).status, 401);
  assert.equal(hashPassword.mock.callCount(), 1, "the dummy hash is made once");
  assert.deepEqual(
    verifyPassword.mock.calls.map((c) => c.arguments as unknown[]),
    [[PASSWORD, "dummy-hash"], [PASSWORD, "dummy-hash"]],
  );
});

Deno.test("POST /auth/login: after 5 failures the email gets 429 + Retry-After, even with the right password", async () => {
  await using t = await bootPlugin(LoginPlugin);
  await seed(t);
  const statuses = [];
  for (let i = 0; i < 5; i++) {
    statuses.push((await login(t, "ann@example.com", `guess ${i}`)).status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
  const blocked = await login(t, "Ann@Example.com", PASSWORD);
  assert.equal(blocked.status, 429);
  assert.deepEqual(blocked.body, {
    success: false,
    error: "too many failed logins, try again later",
  });
  const retryAfter = Number(blocked.headers.get("retry-after"));
  assert.ok(retryAfter > 890 && retryAfter <= 900, `Retry-After: ${retryAfter}`);
  // Other emails are not affected.
  assert.equal((await login(t, "bob@example.com", "x")).status, 401);
  assert.deepEqual(t.logs.messages("warn"), ["login throttled"]);
});

Deno.test("POST /auth/login: a success resets the count", async () => {
  await using t = await bootPlugin(LoginPlugin);
  await seed(t);
  for (let i = 0; i < 4; i++) await login(t, "ann@example.com", "wrong password");
  assert.equal((await login(t, "ann@example.com", PASSWORD)).status, 200);
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await login(t, "ann@example.com", "wrong")).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
  assert.equal((await login(t, "ann@example.com", PASSWORD)).status, 429);
});

Deno.test("POST /auth/login fails closed: no state store, no password check (a JSON 503)", async () => {
  const down = () =>
    Promise.reject(new StateError("unavailable", "redis at 127.0.0.1:6379 is down"));
  const state = { namespace: () => ({ increment: down, ttl: down, delete: down }) };
  const verifyPassword = mock.fn(() => Promise.resolve({ ok: true }));
  const auth = { verifyPassword, hashPassword: () => Promise.resolve("h"), sign: down };
  await using t = await bootPlugin(LoginPlugin, { tools: { state, auth } });
  await t.db.execute("INSERT INTO users (email, password_hash) VALUES ($1, $2)", ["a@b.co", "h"]);
  const res = await login(t, "a@b.co", PASSWORD);
  assert.equal(res.status, 503);
  assert.equal(res.body.success, false);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.equal(verifyPassword.mock.callCount(), 0);
});

Deno.test("POST /auth/login: a full hash queue is a 503 with Retry-After, not a 401 (and not a failed login)", async () => {
  const { AuthError } = await import("@tools/auth/mod.ts");
  const busy = () =>
    Promise.reject(
      new AuthError("too many password hashes waiting, try again shortly", "unavailable"),
    );
  const auth = { hashPassword: busy, verifyPassword: busy, sign: busy };
  await using t = await bootPlugin(LoginPlugin, { tools: { auth } });
  await t.db.execute("INSERT INTO users (email, password_hash) VALUES ($1, $2)", ["a@b.co", "h"]);
  for (const email of ["a@b.co", "nobody@b.co"]) {
    const res = await login(t, email, PASSWORD);
    assert.equal(res.status, 503);
    assert.deepEqual(res.body.success, false);
    assert.deepEqual(res.body.details, { kind: "unavailable" });
    assert.equal(res.headers.get("retry-after"), "1");
  }
  assert.deepEqual(t.logs.messages("info"), []);
});

Deno.test("POST /auth/login: a hash with older parameters is replaced by the new one, and only then", async () => {
  let rehash: string | undefined = "new-hash";
  const auth = {
    hashPassword: () => Promise.resolve("dummy"),
    verifyPassword: (_p: string, stored: string) =>
      Promise.resolve({ ok: stored === "old-hash" || stored === "new-hash", rehash }),
    sign: () => Promise.resolve("a.token.here"),
  };
  await using t = await bootPlugin(LoginPlugin, { tools: { auth } });
  await t.db.execute("INSERT INTO users (email, password_hash) VALUES ($1, $2)", [
    "a@b.co",
    "old-hash",
  ]);
  assert.equal((await login(t, "a@b.co", PASSWORD)).status, 200);
  assert.deepEqual(await t.rows("SELECT password_hash FROM users"), [{
    password_hash: "new-hash",
  }]);
  rehash = undefined;
  await t.db.execute("UPDATE users SET password_hash = 'old-hash'");
  assert.equal((await login(t, "a@b.co", PASSWORD)).status, 200);
  assert.deepEqual(await t.rows("SELECT password_hash FROM users"), [{
    password_hash: "old-hash",
  }]);
});

Deno.test("POST /auth/login with USERS_SESSION_COOKIE=true also sets the session cookie", async () => {
  await using t = await bootPlugin(LoginPlugin, { config: { USERS_SESSION_COOKIE: "true" } });
  await seed(t);
  const res = await login(t, "ann@example.com", PASSWORD);
  assert.equal(res.status, 200);
  const cookie = res.headers.get("set-cookie") ?? "";
  assert.match(cookie, new RegExp(`^session=${res.body.data.token.replaceAll(".", "\\.")};`));
  assert.match(cookie, /HttpOnly/);
  assert.equal((await login(t, "ann@example.com", "wrong")).headers.get("set-cookie"), null);
});

Deno.test("POST /auth/login: the password is in no log, event, response or state key", async () => {
  await using t = await bootPlugin(LoginPlugin);
  await seed(t);
  const replies = [
    await login(t, "ann@example.com", PASSWORD),
    await login(t, "bob@example.com", PASSWORD),
    await login(t, PASSWORD, PASSWORD), // typed into the email field
  ];
  for (let i = 0; i < 6; i++) replies.push(await login(t, "ann@example.com", PASSWORD + i));
  replies.push(await login(t, "ann@example.com", PASSWORD));
  assert.deepEqual(replies.map((r) => r.status), [
    200,
    401,
    401,
    401,
    401,
    401,
    401,
    401,
    429,
    429,
  ]);
  const seen = JSON.stringify({
    logs: t.logs.all,
    events: t.bus.published,
    replies: replies.map((r) => [r.body, [...r.headers]]),
    state: await t.state.keys(),
  });
  assert.ok(seen.includes("login failed"), "the capture is not empty");
  assert.ok(!seen.includes(PASSWORD), seen);
});

Deno.test("POST /auth/login takes JSON only: a form post (what a cross-site page can send) is a 415 and logs nobody in", async () => {
  await using t = await bootPlugin(LoginPlugin, { config: { USERS_SESSION_COOKIE: "true" } });
  await seed(t);
  const form = new URLSearchParams({ email: "ann@example.com", password: PASSWORD });
  const multipart = new FormData();
  multipart.set("email", "ann@example.com");
  multipart.set("password", PASSWORD);
  for (const body of [form, multipart]) {
    const res = await t.http.fetch(
      new Request("http://localhost/auth/login", { method: "POST", body }),
    );
    assert.equal(res.status, 415);
    assert.deepEqual(await res.json(), {
      success: false,
      error: "send the credentials as JSON (content-type: application/json)",
    });
    assert.equal(res.headers.get("set-cookie"), null);
  }
  assert.deepEqual(await t.state.keys(), [], "not even counted as an attempt");
  assert.deepEqual(t.logs.messages(), []);
  // JSON (with a charset) still works.
  const ok = await t.http.fetch(
    new Request("http://localhost/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ email: "ann@example.com", password: PASSWORD }),
    }),
  );
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get("set-cookie") ?? "", /^session=/);
});

Deno.test("unloading releases the route", async () => {
  await using t = await bootPlugin(LoginPlugin);
  await t.unload();
  await t.assertReleased();
});

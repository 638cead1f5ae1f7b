import assert from "node:assert/strict";
import { mock } from "node:test";
import { bootPlugin } from "@microcore/testing";
import RegisterPlugin from "./register.ts";

const PASSWORD = "correct horse battery staple";

Deno.test("POST /auth/register stores a hash of the password, announces {id, email}, 201 {id}", async () => {
  await using t = await bootPlugin(RegisterPlugin);
  const res = await t.http.request("POST", "/auth/register", {
    email: "  Ann@Example.COM ",
    password: PASSWORD,
  });
  assert.equal(res.status, 201);
  assert.deepEqual(res.body, { success: true, data: { id: 1 } });
  const rows = await t.rows<{ id: number; email: string; password_hash: string }>(
    "SELECT id, email, password_hash FROM users",
  );
  assert.deepEqual(rows.map((r) => [r.id, r.email]), [[1, "ann@example.com"]]);
  assert.ok(!rows[0].password_hash.includes(PASSWORD));
  const auth = t.auth;
  assert.equal((await auth.verifyPassword(PASSWORD, rows[0].password_hash)).ok, true);
  assert.equal((await auth.verifyPassword("wrong password", rows[0].password_hash)).ok, false);
  assert.deepEqual(t.bus.payloads("user.registered"), [{ id: 1, email: "ann@example.com" }]);
  assert.deepEqual(t.logs.messages(), ["user registered"]);
});

Deno.test("POST /auth/register: an email already registered (in any case) is a 409, nothing else happens", async () => {
  await using t = await bootPlugin(RegisterPlugin);
  const first = await t.http.request("POST", "/auth/register", {
    email: "ann@example.com",
    password: PASSWORD,
  });
  assert.equal(first.status, 201);
  const again = await t.http.request("POST", "/auth/register", {
    email: "ANN@example.com",
    password: "another password",
  });
  assert.equal(again.status, 409);
  assert.deepEqual(again.body, { success: false, error: "email already registered" });
  assert.equal((await t.rows("SELECT id FROM users")).length, 1);
  assert.equal(t.bus.published.length, 1);
  assert.deepEqual(t.logs.messages(), ["user registered"]);
});

Deno.test("POST /auth/register: a known email costs the same one hash as a new one before its 409 (no timing tell)", async () => {
  const hashPassword = mock.fn(() => Promise.resolve("a-hash"));
  await using t = await bootPlugin(RegisterPlugin, { tools: { auth: { hashPassword } } });
  const body = { email: "ann@example.com", password: PASSWORD };
  assert.equal((await t.http.request("POST", "/auth/register", body)).status, 201);
  assert.equal(hashPassword.mock.callCount(), 1);
  assert.equal((await t.http.request("POST", "/auth/register", body)).status, 409);
  assert.equal(hashPassword.mock.callCount(), 2);
  // A malformed body is refused before any hashing.
  assert.equal((await t.http.request("POST", "/auth/register", { email: "x" })).status, 400);
  assert.equal(hashPassword.mock.callCount(), 2);
});

Deno.test("POST /auth/register: two racing for one email get one 201 and one 409 (the UNIQUE column)", async () => {
  // Both requests wait in the hash until both are there, then both pass the lookup.
  let arrived = 0;
  let release!: () => void;
  const both = new Promise<void>((r) => release = r);
  const hashPassword = async () => {
    if (++arrived === 2) release();
    await both;
    return "a-hash";
  };
  await using t = await bootPlugin(RegisterPlugin, { tools: { auth: { hashPassword } } });
  const body = { email: "ann@example.com", password: PASSWORD };
  const replies = await Promise.all(
    [1, 2].map(() => t.http.request("POST", "/auth/register", body)),
  );
  assert.deepEqual(replies.map((r) => r.status).sort(), [201, 409]);
  assert.deepEqual(replies.find((r) => r.status === 409)!.body, {
    success: false,
    error: "email already registered",
  });
  assert.equal((await t.rows("SELECT id FROM users")).length, 1);
  assert.equal(t.bus.published.length, 1);
});

Deno.test("POST /auth/register: malformed or weak input is a 400 naming each field, nothing stored", async () => {
  await using t = await bootPlugin(RegisterPlugin);
  const ok = "a@example.com";
  const cases: [unknown, string[]][] = [
    [{ email: "not-an-email", password: PASSWORD }, ["email"]],
    [{ email: `${"a".repeat(243)}@example.com`, password: PASSWORD }, ["email"]], // 255 chars
    [{ email: "a\u0000b@example.com", password: PASSWORD }, ["email"]],
    [{ email: ok, password: "7 chars" }, ["password"]],
    [{ email: ok, password: "x".repeat(129) }, ["password"]],
    [{ email: ok, password: 12345678 }, ["password"]],
    [{ email: ["a@example.com"], password: PASSWORD }, ["email"]],
    [{}, ["email", "password"]],
  ];
  for (const [body, fields] of cases) {
    const res = await t.http.request("POST", "/auth/register", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.success, false);
    assert.deepEqual(res.body.details.map((d: { field: string }) => d.field), fields);
  }
  // The bounds themselves are accepted: 8 and 128 characters, a 254-character email.
  for (
    const [email, password] of [[ok, "8 chars!"], [
      `${"b".repeat(242)}@example.com`,
      "y".repeat(128),
    ]]
  ) {
    assert.equal((await t.http.request("POST", "/auth/register", { email, password })).status, 201);
  }
  assert.equal((await t.rows("SELECT id FROM users")).length, 2);
  assert.equal(t.bus.published.length, 2);
});

Deno.test("POST /auth/register: the password is in no log, event, response or stored row", async () => {
  await using t = await bootPlugin(RegisterPlugin);
  const secret = "Pa55-word-that-must-not-leak";
  const replies = [
    await t.http.request("POST", "/auth/register", { email: "ann@example.com", password: secret }),
    await t.http.request("POST", "/auth/register", { email: "ann@example.com", password: secret }),
    await t.http.request("POST", "/auth/register", { email: "bad", password: secret }),
    await t.http.request("POST", "/auth/register", {
      email: "c@example.com",
      password: secret + "x".repeat(120),
    }),
  ];
  assert.deepEqual(replies.map((r) => r.status), [201, 409, 400, 400]);
  const seen = JSON.stringify({
    logs: t.logs.all,
    events: t.bus.published,
    replies: replies.map((r) => [r.body, [...r.headers]]),
    rows: await t.rows("SELECT * FROM users"),
  });
  assert.ok(seen.includes("ann@example.com"), "the capture is not empty");
  assert.ok(!seen.includes(secret), seen);
});

Deno.test("POST /auth/register takes JSON only: a form post is a 415, nothing stored", async () => {
  const hashPassword = mock.fn(() => Promise.resolve("a-hash"));
  await using t = await bootPlugin(RegisterPlugin, { tools: { auth: { hashPassword } } });
  const res = await t.http.fetch(
    new Request("http://localhost/auth/register", {
      method: "POST",
      body: new URLSearchParams({ email: "ann@example.com", password: PASSWORD }),
    }),
  );
  assert.equal(res.status, 415);
  assert.deepEqual(await res.json(), {
    success: false,
    error: "send the credentials as JSON (content-type: application/json)",
  });
  assert.equal(hashPassword.mock.callCount(), 0);
  assert.deepEqual(await t.rows("SELECT id FROM users"), []);
  assert.equal(t.bus.published.length, 0);
});

Deno.test("unloading releases the route", async () => {
  await using t = await bootPlugin(RegisterPlugin);
  await t.unload();
  await t.assertReleased();
});

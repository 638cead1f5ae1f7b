import assert from "node:assert/strict";
import { bootPlugin, type PluginTest } from "@microcore/testing";
import MePlugin from "./me.ts";

const me = (t: PluginTest, token?: string) =>
  t.http.request("GET", "/users/me", undefined, { token });

Deno.test("GET /users/me answers the token's user: {id, email}, nothing else", async () => {
  await using t = await bootPlugin(MePlugin);
  await t.db.execute("INSERT INTO users (email, password_hash) VALUES ($1, $2), ($3, $4)", [
    "ann@example.com",
    "h1",
    "bob@example.com",
    "h2",
  ]);
  const token = await t.token({ sub: "2" });
  const res = await me(t, token);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { success: true, data: { id: 2, email: "bob@example.com" } });
});

Deno.test("GET /users/me without a token, or with a bad one, is a 401 before the handler", async () => {
  await using t = await bootPlugin(MePlugin);
  const missing = await me(t);
  assert.equal(missing.status, 401);
  assert.deepEqual(missing.body, { success: false, error: "missing token" });
  assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer/);
  const bad = await me(t, "not.a.token");
  assert.equal(bad.status, 401);
  assert.deepEqual(bad.body, { success: false, error: "invalid or expired token" });
});

Deno.test("GET /users/me: a valid token for no user of this table is a 404", async () => {
  await using t = await bootPlugin(MePlugin);
  for (const sub of ["1", "0", "abc", "1e0", "99999999999999999999"]) {
    const res = await me(t, await t.token({ sub }));
    assert.equal(res.status, 404, sub);
    assert.deepEqual(res.body, { success: false, error: "no such user" });
  }
});

Deno.test("unloading releases the route", async () => {
  await using t = await bootPlugin(MePlugin);
  await t.unload();
  await t.assertReleased();
});

/**
 * The kit and the auth tool: a plugin test gets the real auth tool, `t.token()` makes a token,
 * `t.http.request(…, { token })` sends it.
 * @module
 */
import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import type { Auth } from "@tools/auth/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import { bootPlugin } from "./mod.ts";

class Admin extends BasePlugin {
  constructor(private http: Http, private auth: Auth) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/me", "GET", (_d, ctx) => ({ success: true, data: ctx.auth?.sub }), {
      auth: true,
    });
    this.http.addEndpoint("/admin", "POST", () => ({ success: true }), {
      auth: { roles: ["admin"] },
    });
    this.http.addEndpoint("/hash", "POST", async (data) => {
      return { success: true, data: await this.auth.hashPassword(String(data.password)) };
    });
  }
}

Deno.test("kit: t.token signs with the test's auth tool; request(…, { token }) sends it as Bearer", async () => {
  await using t = await bootPlugin(Admin);
  const token = await t.token({ sub: "5" });
  assert.deepEqual(await t.http.request("GET", "/me", undefined, { token }).then((r) => r.body), {
    success: true,
    data: "5",
  });
  const none = await t.http.request("GET", "/me");
  assert.deepEqual([none.status, none.body], [401, { success: false, error: "missing token" }]);
  const user = await t.http.request("POST", "/admin", {}, { token });
  assert.deepEqual([user.status, user.body], [403, { success: false, error: "forbidden" }]);
  const admin = await t.token({ sub: "1", roles: ["admin"] });
  assert.equal((await t.http.request("POST", "/admin", {}, { token: admin })).status, 200);
  assert.equal((await t.auth.verify(admin)).sub, "1");
});

Deno.test("kit: passwords hash with cheap test parameters (fast tests), still verifiable", async () => {
  await using t = await bootPlugin(Admin);
  const started = performance.now();
  const res = await t.http.request("POST", "/hash", { password: "pw" });
  assert.ok(performance.now() - started < 250, "a test hash takes milliseconds");
  assert.match(res.body.data, /^\$scrypt\$ln=10,r=8,p=1\$/);
  assert.deepEqual(await t.auth.verifyPassword("pw", res.body.data), { ok: true });
});

Deno.test("kit: without the auth tool a plugin registering auth: fails to boot, naming tools/auth", async () => {
  class NoAuth extends BasePlugin {
    constructor(private http: Http) {
      super();
    }
    override onBoot() {
      this.http.addEndpoint("/me", "GET", () => ({}), { auth: true });
    }
  }
  await assert.rejects(
    bootPlugin(NoAuth, { tools: { auth: null } }),
    /addEndpoint GET \/me is registered with auth: but no auth tool is set up: add tools\/auth/,
  );
});

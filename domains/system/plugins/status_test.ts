import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import { setRemoteAddr } from "@tools/http/mod.ts";
import StatusPlugin from "./status.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";

/** A request to /system/status from `hostname` (a client over a socket), with `headers`. */
function from(hostname: string, headers: Record<string, string> = {}): Request {
  const req = new Request("http://test.local/system/status", { headers });
  return setRemoteAddr(req, { transport: "tcp", hostname, port: 40000 });
}

Deno.test("GET /system/status lists tools and plugins with their registrations", async () => {
  await using t = await bootPlugin(StatusPlugin);
  const res = await t.http.request("GET", "/system/status");
  assert.equal(res.status, 200);
  const entries: { id: string; state: string; routes?: unknown[] }[] = res.body.data.entries;
  const self = entries.find((e) => e.id === "system/status");
  assert.equal(self?.state, "ready");
  assert.deepEqual(self?.routes?.length, 1);
  assert.ok(entries.some((e) => e.id === "http" && e.state === "ready"));
});

Deno.test("GET /system/status without a token: loopback clients only, others 403", async () => {
  await using t = await bootPlugin(StatusPlugin);
  for (const host of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]) {
    const res = await t.http.fetch(from(host));
    assert.equal(res.status, 200, host);
    assert.equal((await res.json()).success, true);
  }
  for (const host of ["203.0.113.7", "10.0.0.2", "::ffff:10.0.0.2", "fe80::1", "128.0.0.1"]) {
    const res = await t.http.fetch(from(host));
    assert.equal(res.status, 403, host);
    assert.deepEqual(await res.json(), {
      success: false,
      error: "/system/* answers loopback clients only; set SYSTEM_ADMIN_TOKEN to call it " +
        "from elsewhere with Authorization: Bearer <token>",
    });
  }
});

Deno.test("GET /system/status with SYSTEM_ADMIN_TOKEN: the token, from anywhere, loopback too", async () => {
  await using t = await bootPlugin(StatusPlugin, { config: { SYSTEM_ADMIN_TOKEN: TOKEN } });
  for (const host of ["203.0.113.7", "127.0.0.1"]) {
    const none = await t.http.fetch(from(host));
    assert.equal(none.status, 401, host);
    assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="system"');
    assert.deepEqual(await none.json(), {
      success: false,
      error: "missing admin token (Authorization: Bearer <token>)",
    });
    for (const wrong of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await t.http.fetch(from(host, { authorization: wrong }));
      assert.equal(res.status, 401, wrong);
      const body = await res.json();
      assert.equal(body.success, false);
      assert.ok(!JSON.stringify(body).includes(TOKEN.slice(4)), "the token is never echoed");
    }
    const ok = await t.http.fetch(from(host, { authorization: `Bearer ${TOKEN}` }));
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).success, true);
  }
  const inProcess = await t.http.request("GET", "/system/status");
  assert.equal(inProcess.status, 401, "a token set is required of every caller");
});

Deno.test("a SYSTEM_ADMIN_TOKEN shorter than 32 characters fails the plugin, saying why", async () => {
  await assert.rejects(
    bootPlugin(StatusPlugin, { config: { SYSTEM_ADMIN_TOKEN: "secret" } }),
    /SYSTEM_ADMIN_TOKEN is 6 characters; use at least 32 random ones/,
  );
});

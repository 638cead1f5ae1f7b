import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import { setRemoteAddr } from "@tools/http/mod.ts";
import SystemPagePlugin from "./page.ts";

const TOKEN = "0123456789abcdef0123456789abcdef";

function from(hostname: string): Request {
  return setRemoteAddr(new Request("http://test.local/system"), {
    transport: "tcp",
    hostname,
    port: 40000,
  });
}

Deno.test("GET /system: one offline document, its inline script and style allowed by hash only", async () => {
  await using t = await bootPlugin(SystemPagePlugin);
  const res = await t.http.fetch(from("127.0.0.1"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  const csp = res.headers.get("content-security-policy")!;
  assert.match(csp, /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/);
  const html = await res.text();
  assert.doesNotMatch(html, /(src|href)="https?:/, "no outside URL");
  assert.ok(!html.includes("{{"), "placeholders filled");
});

Deno.test("GET /system: loopback only without a token; with one, the data requests carry it", async () => {
  await using t = await bootPlugin(SystemPagePlugin);
  assert.equal((await t.http.fetch(from("203.0.113.7"))).status, 403);
  await using withToken = await bootPlugin(SystemPagePlugin, {
    config: { SYSTEM_ADMIN_TOKEN: TOKEN },
  });
  // The page holds no data; a browser cannot send a bearer token with a navigation.
  assert.equal((await withToken.http.fetch(from("203.0.113.7"))).status, 200);
});

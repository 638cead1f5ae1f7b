import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import { setRemoteAddr } from "@tools/http/mod.ts";
import HealthPlugin from "./health.ts";

Deno.test("GET /health answers ok with the uptime", async () => {
  await using t = await bootPlugin(HealthPlugin);
  const res = await t.http.request("GET", "/health");
  assert.equal(res.status, 200);
  assert.equal(res.body.data.status, "ok");
  assert.equal(typeof res.body.data.uptimeMs, "number");
});

Deno.test("GET /health stays public: a client from anywhere gets it", async () => {
  await using t = await bootPlugin(HealthPlugin);
  const req = setRemoteAddr(new Request("http://test.local/health"), {
    transport: "tcp",
    hostname: "203.0.113.7",
    port: 40000,
  });
  const res = await t.http.fetch(req);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).data.status, "ok");
});

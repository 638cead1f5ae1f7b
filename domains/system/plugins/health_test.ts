import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import HealthPlugin from "./health.ts";

Deno.test("GET /health answers ok with the uptime", async () => {
  await using t = await bootPlugin(HealthPlugin);
  const res = await t.http.request("GET", "/health");
  assert.equal(res.status, 200);
  assert.equal(res.body.data.status, "ok");
  assert.equal(typeof res.body.data.uptimeMs, "number");
});

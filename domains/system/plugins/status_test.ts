import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import StatusPlugin from "./status.ts";

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

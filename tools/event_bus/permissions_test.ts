import assert from "node:assert/strict";
import { busPermissions } from "./permissions.ts";

const needs = (env: Record<string, string>) => busPermissions({ env: (k) => env[k], dataDir: "." });

Deno.test("event bus permissions: every NATS server, nothing in-process", () => {
  assert.deepEqual(needs({}), {});
  assert.deepEqual(needs({ NATS_URL: "nats://n:4222" }), {}, "NATS_URL alone does not pick NATS");
  assert.deepEqual(needs({ EVENT_BUS_DRIVER: "nats" }), { net: ["127.0.0.1:4222"] });
  assert.deepEqual(
    needs({ EVENT_BUS_DRIVER: "nats", NATS_URL: "nats://a:4222, tls://b:7422,c,user:pw@d:1" }),
    { net: ["a:4222", "b:7422", "c:4222", "d:1"] },
  );
});

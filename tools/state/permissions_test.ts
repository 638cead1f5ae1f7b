import assert from "node:assert/strict";
import { statePermissions } from "./permissions.ts";

const needs = (env: Record<string, string>) =>
  statePermissions({ env: (k) => env[k], dataDir: "." });

Deno.test("state permissions: the Redis server and a CA file; nothing in memory", () => {
  assert.deepEqual(needs({ REDIS_URL: "redis://r:6380" }), {});
  assert.deepEqual(needs({ STATE_DRIVER: "redis" }), { net: ["127.0.0.1:6379"] });
  assert.deepEqual(needs({ STATE_DRIVER: " Redis ", REDIS_URL: "rediss://:pw@cache:6380/2" }), {
    net: ["cache:6380"],
  });
  assert.deepEqual(needs({ STATE_DRIVER: "redis", REDIS_TLS_CA: "certs/ca.pem" }), {
    net: ["127.0.0.1:6379"],
    read: ["./certs/ca.pem"],
  });
  assert.deepEqual(
    needs({ STATE_DRIVER: "redis", REDIS_TLS_CA: "-----BEGIN CERTIFICATE-----\n..." }).read,
    undefined,
  );
});

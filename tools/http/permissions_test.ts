import assert from "node:assert/strict";
import { httpPermissions } from "./permissions.ts";

const needs = (env: Record<string, string>) =>
  httpPermissions({ env: (k) => env[k], dataDir: "." });

Deno.test("http permissions: listen on HOST:PORT exactly; PORT=0 needs the host", () => {
  assert.deepEqual(needs({}), { net: ["0.0.0.0:8000"] });
  assert.deepEqual(needs({ HOST: "127.0.0.1", PORT: "8080" }), { net: ["127.0.0.1:8080"] });
  assert.deepEqual(needs({ HOST: "127.0.0.1", PORT: "0" }), { net: ["127.0.0.1"] });
  assert.deepEqual(needs({ HOST: "::1", PORT: "3000" }), { net: ["[::1]:3000"] });
  assert.deepEqual(needs({ HOST: "localhost" }), { net: ["localhost:8000"] });
});

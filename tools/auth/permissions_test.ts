import assert from "node:assert/strict";
import { authPermissions } from "./permissions.ts";

const needs = (env: Record<string, string>) =>
  authPermissions({ env: (k) => env[k], dataDir: "." });

Deno.test("auth permissions: the JWKS host and key files; nothing for a shared secret", () => {
  assert.deepEqual(needs({ AUTH_JWT_SECRET: "x".repeat(40) }), {});
  assert.deepEqual(needs({ AUTH_JWKS_URL: "https://idp.example.com/.well-known/jwks.json" }), {
    net: ["idp.example.com:443"],
  });
  assert.deepEqual(needs({ AUTH_JWKS_URL: "http://127.0.0.1:8081/jwks" }).net, ["127.0.0.1:8081"]);
  assert.deepEqual(
    needs({ AUTH_JWT_PRIVATE_KEY: "keys/priv.pem", AUTH_JWT_PUBLIC_KEY: "/etc/app/pub.pem" }),
    { read: ["./keys/priv.pem", "/etc/app/pub.pem"] },
  );
  assert.deepEqual(needs({ AUTH_JWT_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\n…" }), {});
  // Key material is never written into the permission sets as a "path".
  assert.deepEqual(needs({ AUTH_JWT_PRIVATE_KEY: '"-----BEGIN PRIVATE KEY-----\\n…"' }), {});
  assert.deepEqual(
    needs({ AUTH_JWT_PRIVATE_KEY: "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49".repeat(4) }),
    {},
  );
  assert.deepEqual(needs({ AUTH_JWT_PRIVATE_KEY: '"keys/priv.pem"' }), {
    read: ["./keys/priv.pem"],
  });
  assert.throws(() => needs({ AUTH_JWKS_URL: "idp" }), /AUTH_JWKS_URL="idp" is not a URL/);
});

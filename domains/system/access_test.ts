import assert from "node:assert/strict";
import { adminToken, isLoopback, refusal, sameSecret } from "./access.ts";

const addr = (hostname: string): Deno.NetAddr => ({ transport: "tcp", hostname, port: 1 });

Deno.test("isLoopback: 127/8, ::1 and IPv4-mapped 127/8; nothing else", () => {
  for (const h of ["127.0.0.1", "127.255.0.9", "::1", "[::1]", "::FFFF:127.0.0.1"]) {
    assert.equal(isLoopback(h), true, h);
  }
  for (const h of ["0.0.0.0", "10.0.0.1", "128.0.0.1", "1127.0.0.1", "::", "::2", "localhost"]) {
    assert.equal(isLoopback(h), false, h);
  }
});

Deno.test("sameSecret: equal strings only, whatever their lengths", () => {
  assert.equal(sameSecret("a".repeat(40), "a".repeat(40)), true);
  assert.equal(sameSecret("a".repeat(40), "a".repeat(39)), false);
  assert.equal(sameSecret("", "a"), false);
  assert.equal(sameSecret("b".repeat(40), "a".repeat(40)), false);
});

Deno.test("adminToken: unset stays unset; a short one throws", () => {
  assert.equal(adminToken(undefined), undefined);
  assert.equal(adminToken("x".repeat(32)), "x".repeat(32));
  assert.throws(() => adminToken("x".repeat(31)), /is 31 characters; use at least 32/);
});

Deno.test("refusal: the token, when set, is the only way in; a bearer scheme in any case", () => {
  const t = "t".repeat(32);
  assert.equal(refusal(addr("10.0.0.1"), `bearer ${t}`, t), undefined);
  assert.equal(refusal(undefined, `Bearer ${t}`, t), undefined);
  assert.equal(refusal(addr("127.0.0.1"), null, t)?.status, 401);
  assert.equal(refusal(addr("127.0.0.1"), `Bearer ${t} extra`, t)?.status, 401);
  assert.equal(refusal(undefined, null, undefined), undefined);
  assert.equal(refusal(addr("10.0.0.1"), `Bearer ${t}`, undefined)?.status, 403);
});

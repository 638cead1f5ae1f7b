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
  // The expected bytes are compared in a cycle: a repeat of the secret is still refused.
  assert.equal(sameSecret("ab".repeat(40), "ab".repeat(20)), false);
  assert.equal(sameSecret(`${"a".repeat(39)}b`, "a".repeat(40)), false);
  assert.equal(sameSecret("é".repeat(20), "é".repeat(20)), true);
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

Deno.test("refusal without a token: a loopback peer behind a proxy, or under a foreign name, is refused", () => {
  const lo = addr("127.0.0.1");
  const h = (init: Record<string, string>) => new Headers(init);
  // This machine, addressed by a loopback name: in.
  for (const host of ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "api.localhost"]) {
    assert.equal(refusal(lo, null, undefined, h({ host })), undefined, host);
  }
  assert.equal(
    refusal(lo, null, undefined, h({ host: "localhost", origin: "http://127.0.0.1:8000" })),
    undefined,
  );
  // A reverse proxy on this host: every internet client arrives from 127.0.0.1.
  for (const via of ["x-forwarded-for", "forwarded", "x-real-ip"]) {
    const no = refusal(lo, null, undefined, h({ host: "127.0.0.1:8000", [via]: "203.0.113.7" }));
    assert.equal(no?.status, 403, via);
    assert.match(no!.error, /refuses forwarded requests without SYSTEM_ADMIN_TOKEN/);
  }
  // DNS rebinding: a page on another name reaching 127.0.0.1.
  assert.equal(
    refusal(lo, null, undefined, h({ host: "rebind.attacker.example:8000" }))?.status,
    403,
  );
  assert.equal(
    refusal(lo, null, undefined, h({ host: "127.0.0.1:8000", origin: "http://evil.example" }))
      ?.status,
    403,
  );
  // With the token, proxies and names do not matter: the token decides.
  const t = "t".repeat(40);
  assert.equal(
    refusal(lo, `Bearer ${t}`, t, h({ host: "api.example.com", "x-forwarded-for": "1.2.3.4" })),
    undefined,
  );
});

import assert from "node:assert/strict";
import { CSRF_COOKIE, csrfToken, eraseSession, secondsLeft, writeSession } from "./session.ts";

const b64url = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

Deno.test("secondsLeft: from the token's exp (never below 0); the fallback when it has none", () => {
  const now = Math.floor(Date.now() / 1000);
  const jwt = (payload: unknown) => `${b64url({ alg: "HS256" })}.${b64url(payload)}.sig`;
  const left = secondsLeft(jwt({ exp: now + 120 }), 5);
  assert.ok(left >= 119 && left <= 120, String(left));
  assert.equal(secondsLeft(jwt({ exp: now - 50 }), 5), 0);
  assert.equal(secondsLeft(jwt({ sub: "1" }), 5), 5);
  assert.equal(secondsLeft(jwt({ exp: "soon" }), 5), 5);
  assert.equal(secondsLeft("not-a-jwt", 7), 7);
  assert.equal(secondsLeft("a.%%%.c", 7), 7);
});

Deno.test("csrfToken: 32 random bytes, base64url, different each time", () => {
  const a = csrfToken();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(csrfToken(), a);
});

Deno.test("writeSession and eraseSession: the two cookies and their options", () => {
  const set: unknown[] = [];
  const ctx = { setCookie: (n: string, v: string, o?: unknown) => set.push([n, v, o]) };
  writeSession(ctx, "sid", "tok", 90);
  assert.equal(CSRF_COOKIE, "csrf");
  assert.deepEqual(set[0], [
    "sid",
    "tok",
    { maxAge: 90, httpOnly: true, secure: true, sameSite: "Lax" },
  ]);
  const [name, value, options] = set[1] as [string, string, unknown];
  assert.equal(name, "csrf");
  assert.match(value, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(options, { maxAge: 90, httpOnly: false, secure: true, sameSite: "Lax" });
  set.length = 0;
  eraseSession(ctx, "sid");
  const gone = { maxAge: 0, expires: new Date(0), secure: true, sameSite: "Lax" };
  assert.deepEqual(set, [
    ["sid", "", { ...gone, httpOnly: true }],
    ["csrf", "", { ...gone, httpOnly: false }],
  ]);
});

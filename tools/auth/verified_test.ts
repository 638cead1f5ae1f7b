import assert from "node:assert/strict";
import { freeze, VerifiedTokens } from "./verified.ts";

Deno.test("VerifiedTokens: a hit until exp + tolerance, then gone", () => {
  const v = new VerifiedTokens(10, 5);
  const claims = { sub: "1", exp: 1000 };
  v.set("t", claims);
  assert.equal(v.get("t", 999), claims);
  assert.equal(v.get("t", 1005), claims);
  assert.equal(v.get("other", 999), undefined);
  assert.equal(v.get("t", 1005.5), undefined);
  assert.equal(v.size, 0, "an expired entry is dropped");
  assert.equal(v.get("t", 999), undefined);
});

Deno.test("VerifiedTokens: bounded; the oldest entry goes first", () => {
  const v = new VerifiedTokens(2);
  v.set("a", { sub: "a", exp: 9e9 });
  v.set("b", { sub: "b", exp: 9e9 });
  v.set("c", { sub: "c", exp: 9e9 });
  assert.equal(v.size, 2);
  assert.equal(v.get("a"), undefined);
  assert.equal(v.get("b")?.sub, "b");
  assert.equal(v.get("c")?.sub, "c");
});

Deno.test("freeze: deep, and returns its argument", () => {
  const c = { sub: "1", roles: ["a"], realm: { roles: ["b"] } };
  assert.equal(freeze(c), c);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.roles) && Object.isFrozen(c.realm.roles));
  assert.throws(() => (c.roles as string[]).push("admin"), TypeError);
  assert.equal(freeze(null), null);
  assert.equal(freeze("x"), "x");
});

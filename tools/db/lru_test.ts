/**
 * The statement cache: bounded, second-chance eviction.
 * @module
 */
import assert from "node:assert/strict";
import { Lru } from "./lru.ts";

Deno.test("lru: bounded, keeps entries that were used", () => {
  const c = new Lru<string, number>(3);
  c.set("a", 1);
  c.set("b", 2);
  c.set("c", 3);
  assert.equal(c.get("a"), 1); // a is used: it survives the next eviction
  c.set("d", 4);
  assert.equal(c.size, 3);
  assert.equal(c.get("b"), undefined);
  assert.equal(c.get("a"), 1);
  assert.equal(c.get("d"), 4);
  for (let i = 0; i < 100; i++) c.set(`k${i}`, i);
  assert.equal(c.size, 3);
});

Deno.test("lru: setting a key again replaces it without evicting another", () => {
  const c = new Lru<string, number>(2);
  c.set("a", 1);
  c.set("b", 2);
  c.set("a", 10);
  assert.equal(c.size, 2);
  assert.equal(c.get("a"), 10);
  assert.equal(c.get("b"), 2);
});

Deno.test("lru: an entry passed over once is evicted the next time unless used again", () => {
  const c = new Lru<string, number>(2);
  c.set("a", 1);
  c.set("b", 2);
  c.get("a");
  c.get("b");
  c.set("c", 3); // both used: a and b get a second chance, then a (oldest again) goes
  assert.deepEqual([c.get("a"), c.get("b"), c.get("c")], [undefined, 2, 3]);
  c.set("d", 4); // b and c were used just now: b goes, again in order
  assert.deepEqual([c.get("b"), c.get("c"), c.get("d")], [undefined, 3, 4]);
  assert.equal(c.max, 2);
  c.clear();
  assert.equal(c.size, 0);
  assert.equal(c.get("c"), undefined);
});

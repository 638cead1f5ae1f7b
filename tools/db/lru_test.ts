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

/**
 * The memory of recently delivered ids.
 * @module
 */
import assert from "node:assert/strict";
import { RECENT_IDS, RecentIds } from "./dedupe.ts";

Deno.test("dedupe: a repeat is refused while remembered, forgotten oldest first", () => {
  const r = new RecentIds(3);
  assert.deepEqual(["a", "b", "a", "c"].map((id) => r.first(id)), [true, true, false, true]);
  assert.equal(r.size, 3);
  assert.equal(r.first("d"), true, "a fourth id pushes out the oldest (a)");
  assert.equal(r.size, 3);
  assert.equal(r.first("b"), false, "b is still remembered");
  assert.equal(r.first("a"), true, "a was forgotten");
  assert.equal(r.first("b"), true, "b, the oldest then (a refusal does not refresh), made room");
  assert.equal(r.first("d"), false);
  assert.equal(r.first("c"), true, "c made room for b");
});

Deno.test("dedupe: the default memory holds RECENT_IDS ids; a size below 1 holds one", () => {
  const r = new RecentIds();
  for (let i = 0; i <= RECENT_IDS; i++) r.first(String(i));
  assert.equal(r.size, RECENT_IDS);
  assert.equal(r.first("0"), true, "the first id was forgotten");
  assert.equal(r.first(String(RECENT_IDS)), false);
  const one = new RecentIds(0);
  assert.equal(one.first("x"), true);
  assert.equal(one.first("x"), false);
  assert.equal(one.first("y"), true);
  assert.equal(one.first("x"), true);
});

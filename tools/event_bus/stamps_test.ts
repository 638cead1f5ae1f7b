/**
 * Event ids and publish times.
 * @module
 */
import assert from "node:assert/strict";
import { EventIds, TickClock } from "./stamps.ts";

Deno.test("stamps: ids are unique, fixed width and sort in issue order", () => {
  const ids = new EventIds();
  const seen: string[] = [];
  for (let i = 0; i < 5000; i++) seen.push(ids.next()); // crosses several high parts
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(seen.every((id) => id.length === seen[0].length));
  assert.deepEqual([...seen].sort(), seen);
  assert.match(seen[0], /^[0-9a-f]{8}-[0-9a-z]{10}$/);
  assert.notEqual(new EventIds().next().slice(0, 8), seen[0].slice(0, 8), "random prefix");
});

Deno.test("stamps: the clock is read once per tick, fresh in the next", async () => {
  const clock = new TickClock();
  const t0 = clock.now();
  assert.ok(Math.abs(t0 - Date.now()) < 50);
  const end = Date.now() + 5;
  while (Date.now() < end) { /* busy: the same tick */ }
  assert.equal(clock.now(), t0, "same tick, same time");
  await new Promise((r) => setTimeout(r, 5));
  const t1 = clock.now();
  assert.ok(t1 >= t0 + 5, `next tick reads the clock again (${t1 - t0} ms later)`);
});

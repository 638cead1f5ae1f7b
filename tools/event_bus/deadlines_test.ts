/**
 * Deadlines: many timeouts served by one timer.
 * @module
 */
import assert from "node:assert/strict";
import { Deadlines } from "./deadlines.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("deadlines: fire in time order, deleted ones never fire, clear cancels the timer", async () => {
  const dl = new Deadlines();
  const fired: string[] = [];
  dl.add(30, () => fired.push("30"));
  dl.add(10, () => fired.push("10"));
  const gone = dl.add(20, () => fired.push("20"));
  dl.delete(gone);
  dl.add(60_000, () => fired.push("late"));
  await sleep(50);
  assert.deepEqual(fired, ["10", "30"]);
  assert.equal(dl.size, 1);
  dl.clear(); // the sanitizer fails this test if the 60 s timer survived
  assert.equal(dl.size, 0);
});

Deno.test("deadlines: several due in one sweep (a late timer) fire in time order", async () => {
  const dl = new Deadlines();
  const fired: string[] = [];
  dl.add(30, () => fired.push("30"));
  dl.add(10, () => fired.push("10"));
  dl.add(20, () => fired.push("20"));
  const until = performance.now() + 40;
  while (performance.now() < until) { /* a busy process: every deadline is due at the sweep */ }
  await sleep(5);
  assert.deepEqual(fired, ["10", "20", "30"]);
});

Deno.test("deadlines: fireAll fires what is pending at once; later deadlines still fire", async () => {
  const dl = new Deadlines();
  const fired: string[] = [];
  dl.add(1, () => fired.push("a"));
  dl.add(60_000, () => fired.push("b"));
  dl.fireAll();
  assert.deepEqual(fired, ["a", "b"]);
  assert.equal(dl.size, 0);
  dl.add(10, () => fired.push("c"));
  await sleep(30);
  assert.deepEqual(fired, ["a", "b", "c"], "the timer is armed again after fireAll");
  dl.add(5, () => fired.push("d"));
  dl.add(15, () => fired.push("e"));
  await sleep(40);
  assert.deepEqual(fired, ["a", "b", "c", "d", "e"], "one sweep re-arms for the next");
  assert.equal(dl.size, 0);
});

Deno.test("deadlines: nothing fires before its time", async () => {
  const dl = new Deadlines();
  const t0 = performance.now();
  let at = 0;
  dl.add(25, () => at = performance.now() - t0);
  await sleep(10);
  assert.equal(at, 0);
  await sleep(40);
  assert.ok(at >= 24, `fired after ${at} ms`);
});

Deno.test("deadlines: one added while others fire keeps its own time (not the next one's)", async () => {
  const dl = new Deadlines();
  let added: number | undefined;
  const t0 = performance.now();
  dl.add(5, () => dl.add(10, () => added = performance.now() - t0));
  dl.add(60_000, () => {});
  try {
    for (let i = 0; i < 100 && added === undefined; i++) await sleep(10);
    assert.ok(added !== undefined && added < 1_000, `fired after ${added} ms`);
  } finally {
    dl.clear();
  }
});

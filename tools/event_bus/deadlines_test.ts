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

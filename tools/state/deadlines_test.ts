/**
 * One timer for many calls: expiry in order, settled calls never expire, nothing left behind.
 * The clock is the test's own, so load on the machine cannot change what expires.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Deadlines } from "./deadlines.ts";

/** Wait (real time) until `ok()`, at most 5 s. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 500) throw new Error("not within 5 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("state, deadlines", () => {
  it("expires unsettled calls after the bound, in order, and no settled one", async () => {
    let now = 0;
    const d = new Deadlines(40, () => now);
    const expired: number[] = [];
    const a = d.start(() => expired.push(1));
    d.start(() => expired.push(2));
    const c = d.start(() => expired.push(3));
    d.settle(a);
    d.settle(c);
    now = 15;
    d.start(() => expired.push(4)); // expires at 55
    now = 39;
    await new Promise((r) => setTimeout(r, 60)); // the timer fired: nothing is due at 39
    assert.deepEqual(expired, []);
    now = 45;
    await until(() => expired.length > 0);
    assert.deepEqual(expired, [2], "only the unsettled one of the first three");
    now = 60;
    await until(() => expired.length > 1);
    assert.deepEqual(expired, [2, 4], "the later one at its own deadline");
    assert.equal(d.size, 0);
  });

  it("drops settled calls as they settle in order, so the queue stays short", () => {
    const d = new Deadlines(1000);
    for (let i = 0; i < 5000; i++) d.settle(d.start(() => assert.fail("settled")));
    assert.equal(d.size, 0);
    const first = d.start(() => {});
    const later = Array.from({ length: 3000 }, () => d.start(() => {}));
    for (const x of later) d.settle(x);
    assert.equal(d.size, 3001, "held behind the oldest pending call");
    d.settle(first);
    assert.equal(d.size, 0);
    d.clear();
  });

  it("an expiry never runs twice, and clear() stops everything", async () => {
    let now = 0;
    const d = new Deadlines(10, () => now);
    let n = 0;
    const x = d.start(() => n++);
    now = 20;
    await until(() => n === 1);
    d.settle(x); // a late reply after the timeout
    d.start(() => n++);
    d.clear();
    now = 100;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(n, 1);
  });
});

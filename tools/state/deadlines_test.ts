/**
 * One timer for many calls: expiry in order, settled calls never expire, nothing left behind.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Deadlines } from "./deadlines.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("state, deadlines", () => {
  it("expires unsettled calls after the bound, in order, and no settled one", async () => {
    const d = new Deadlines(40);
    const expired: number[] = [];
    const t0 = performance.now();
    const a = d.start(() => expired.push(1));
    d.start(() => expired.push(2));
    const c = d.start(() => expired.push(3));
    d.settle(a);
    await sleep(15);
    d.start(() => expired.push(4));
    d.settle(c);
    await sleep(30);
    assert.deepEqual(expired, [2], "only the unsettled one of the first three");
    assert.ok(performance.now() - t0 >= 40);
    await sleep(30);
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
    const d = new Deadlines(10);
    let n = 0;
    const x = d.start(() => n++);
    await sleep(30);
    d.settle(x); // a late reply after the timeout
    assert.equal(n, 1);
    d.start(() => n++);
    d.clear();
    await sleep(30);
    assert.equal(n, 1);
  });
});

/**
 * The memory driver: the store contract, and expiry sweeps without timers.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryDriver, State } from "./mod.ts";
import { stateContract } from "./store_contract.ts";

describe("state, memory driver", () => {
  let now = 1_000_000;
  stateContract({
    driver: () => Promise.resolve(new MemoryDriver({ now: () => now })),
    advance: (ms) => Promise.resolve(void (now += ms)),
    tick: 1000,
  });

  it("drops expired entries in amortized sweeps, without timers and without reads", async () => {
    let t = 0;
    const d = new MemoryDriver({ now: () => t, sweepEvery: 10, sweepBatch: 50 });
    const s = new State(d);
    for (let i = 0; i < 100; i++) await s.set(`tmp${i}`, i, { ttlMs: 10 });
    t = 100;
    assert.equal(d.size, 100);
    // Only writes of other keys from here on; expired keys are never read.
    for (let i = 0; i < 40; i++) await s.set(`keep${i}`, i);
    assert.equal(d.size, 40, "expired entries were swept");
    await d.close();
  });

  it("sweep() can be called explicitly", async () => {
    let t = 0;
    const d = new MemoryDriver({ now: () => t });
    await d.set("a", 1, 5);
    await d.set("b", 1);
    t = 10;
    assert.equal(d.sweep(), 1);
    assert.equal(d.size, 1);
  });
});

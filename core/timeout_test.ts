import { equal, rejects } from "node:assert/strict";
import { settleWithin, withTimeout } from "./timeout.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const withTimers = { sanitizeOps: true }; // fails a test that leaves a timer running

Deno.test(
  "withTimeout: the value when in time; the message once late; the timer always cleared",
  withTimers,
  async () => {
    equal(await withTimeout(sleep(10).then(() => "v"), 1_000, "late"), "v");
    await rejects(withTimeout(new Promise(() => {}), 10, "too slow"), /^Error: too slow$/);
    await rejects(withTimeout(Promise.reject(new Error("own")), 1_000, "late"), /own/);
    // The ops sanitizer (opt-in since Deno 2.x) fails this test if a 1 s timer is left behind.
  },
);

Deno.test("withTimeout: a negative time is no time (rejects at once, not never)", async () => {
  const t0 = performance.now();
  await rejects(withTimeout(new Promise(() => {}), -5, "now"), /now/);
  equal(performance.now() - t0 < 500, true);
});

Deno.test(
  "settleWithin: waits for the promise, at most the time; never rejects",
  withTimers,
  async () => {
    let done = false;
    await settleWithin(sleep(20).then(() => done = true), 1_000);
    equal(done, true, "waited for it");
    const t0 = performance.now();
    await settleWithin(new Promise(() => {}), 20);
    const waited = performance.now() - t0;
    equal(waited >= 15 && waited < 1_000, true, `gave up after its time (${waited} ms)`);
    equal(await settleWithin(Promise.reject(new Error("x")), 1_000), undefined);
  },
);

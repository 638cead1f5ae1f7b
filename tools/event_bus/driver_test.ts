/**
 * The in-process driver: batched asynchronous delivery, and `idle()` (what `quiesce` waits on).
 * @module
 */
import assert from "node:assert/strict";
import { InProcessDriver } from "./driver.ts";
import type { Envelope } from "./types.ts";

const envelope = (name: string): Envelope => ({
  id: name,
  name,
  payload: null,
  time: 0,
  source: "test",
  correlationId: name,
});

Deno.test("in-process driver: idle waits for the queue and for what handlers send meanwhile", async () => {
  const driver = new InProcessDriver();
  const got: string[] = [];
  driver.open((env) => {
    got.push(env.name);
    if (env.name === "a") driver.send(envelope("b")); // a handler publishing again
  });
  await driver.idle(); // nothing queued: at once
  driver.send(envelope("a"));
  assert.equal(driver.pending, 1);
  assert.deepEqual(got, [], "delivery is asynchronous");
  await driver.idle();
  assert.deepEqual(got, ["a", "b"]);
  assert.equal(driver.pending, 0);
  driver.close();
});

Deno.test("in-process driver: close drops the queue and wakes idle waiters", async () => {
  const driver = new InProcessDriver("timeout");
  let delivered = 0;
  driver.open(() => void delivered++);
  driver.send(envelope("a"));
  const idle = driver.idle();
  driver.close();
  await idle;
  assert.equal(delivered, 0);
  assert.equal(driver.pending, 0);
});

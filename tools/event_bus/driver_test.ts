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

const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

Deno.test("in-process driver: batches in a microtask, every 256th batch after a timer", async () => {
  const driver = new InProcessDriver();
  let delivered = 0;
  driver.open(() => void delivered++);
  driver.send(envelope("a"));
  driver.send(envelope("b")); // same tick: same batch (flush 1)
  await microtasks();
  assert.equal(delivered, 2);
  for (let flush = 2; flush < 256; flush++) {
    driver.send(envelope("x"));
    await microtasks();
    assert.equal(delivered, flush + 1, `batch ${flush} is a microtask`);
  }
  driver.send(envelope("x"));
  await microtasks();
  assert.equal(delivered, 256, "batch 256 waits for a timer: I/O gets its turn");
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(delivered, 257);
  driver.send(envelope("x"));
  await microtasks();
  assert.equal(delivered, 258, "then microtasks again");
  driver.close();
});

Deno.test("in-process driver: the timeout scheduler always waits for a timer", async () => {
  const driver = new InProcessDriver("timeout");
  let delivered = 0;
  driver.open(() => void delivered++);
  driver.send(envelope("a"));
  await microtasks();
  assert.equal(delivered, 0);
  await driver.idle();
  assert.equal(delivered, 1);
  driver.close();
});

Deno.test("in-process driver: nothing is queued after close, until opened again", async () => {
  const driver = new InProcessDriver();
  const got: string[] = [];
  driver.open((env) => void got.push(env.name));
  driver.close();
  driver.send(envelope("lost"));
  assert.equal(driver.pending, 0);
  await microtasks();
  driver.open((env) => void got.push(env.name));
  driver.send(envelope("kept"));
  await driver.idle();
  assert.deepEqual(got, ["kept"]);
  driver.close();
  driver.close();
});

Deno.test("in-process driver: several idle waiters wake together", async () => {
  const driver = new InProcessDriver();
  driver.open(() => {});
  driver.send(envelope("a"));
  const woke: number[] = [];
  await Promise.all([1, 2, 3].map((n) => driver.idle().then(() => woke.push(n))));
  assert.deepEqual(woke, [1, 2, 3]);
  driver.close();
});

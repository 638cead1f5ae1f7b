/**
 * `Delivery.handled`: an in-process delivery that settles once every subscriber is done with
 * the event — handled, or failed for good after its retries — which the outbox relay waits for.
 * @module
 */
import assert from "node:assert/strict";
import { Delivery } from "./delivery.ts";
import { InProcessDriver } from "./driver.ts";
import { BusShared } from "./shared.ts";
import { envelope, owner, tick } from "./test_helpers.ts";
import type { EventHandler, SubscribeOptions } from "./types.ts";

function delivery() {
  const s = new BusShared(new InProcessDriver());
  s.log = { debug() {}, info() {}, warn() {}, error() {} };
  const d = new Delivery(s, () => {});
  const sub = (id: string, pattern: string, fn: EventHandler, options?: SubscribeOptions) => {
    const o = owner(id);
    d.subscribe(o, pattern, fn, options);
    d.activate(o);
  };
  return { d, sub };
}

Deno.test("delivery: handled settles once every subscriber is done, retries included", async () => {
  const { d, sub } = delivery();
  const order: string[] = [];
  const slow = Promise.withResolvers<void>();
  sub("a/slow", "x.y", async () => {
    await slow.promise;
    order.push("slow");
  });
  let tries = 0;
  sub("b/flaky", "x.y", () => {
    if (++tries < 2) throw new Error("not yet");
    order.push("flaky");
  }, { retries: 1, backoffMs: 5 });
  sub("c/broken", "x.*", () => {
    throw new Error("always");
  }, { group: "g" });
  let done = false;
  const p = d.handled(envelope("x.y")).then(() => void (done = true));
  await tick(30);
  assert.deepEqual([done, order], [false, ["flaky"]], "the slow one still works");
  slow.resolve();
  await p;
  assert.deepEqual(order, ["flaky", "slow"]);
  d.close();
});

Deno.test("delivery: handled settles at once when nobody subscribes", async () => {
  const { d } = delivery();
  await d.handled(envelope("nobody.here"));
  d.close();
});

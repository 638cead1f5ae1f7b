import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import type { DeliveryFailed, SubscriberDropped } from "./resilience.ts";
import { EventBusTool } from "./tool.ts";
import { owner, tick } from "./test_helpers.ts";
import type { DeadLetter, Envelope } from "./types.ts";

function bus(env: Record<string, string> = {}) {
  const tool = new EventBusTool();
  tool.setup(standaloneContext({ env }));
  const live = (id: string) => {
    const o = owner(id);
    const api = tool.forOwner(o);
    tool.activate(o);
    return api;
  };
  return { tool, live };
}

Deno.test("a subscriber failing N times in a row is suspended; system.subscriber.dropped once", async () => {
  const { tool, live } = bus({ EVENT_BUS_SUSPEND_AFTER: "3" });
  const shop = live("shop/orders");
  const watch = live("ops/watch");
  const dropped: SubscriberDropped[] = [];
  const failed: DeliveryFailed[] = [];
  const letters: DeadLetter[] = [];
  watch.subscribe<SubscriberDropped>(
    "system.subscriber.dropped",
    (e) => void dropped.push(e.payload),
  );
  watch.subscribe<DeliveryFailed>("event.delivery.failed", (e) => void failed.push(e.payload));
  watch.subscribe<DeadLetter>("_dlq.**", (e) => void letters.push(e.payload));
  let calls = 0;
  shop.subscribe("order.placed", () => {
    calls++;
    throw new Error("boom");
  });
  let healthy = 0;
  live("shop/audit").subscribe("order.placed", () => void healthy++);
  for (let i = 0; i < 5; i++) {
    shop.publish("order.placed", { i });
    await tick();
  }
  await tick(5);
  assert.equal(calls, 3, "nothing more after the suspension");
  assert.equal(healthy, 5, "the other subscribers go on");
  assert.equal(dropped.length, 1);
  assert.deepEqual({ ...dropped[0], droppedAt: 0 }, {
    subscriber: "shop/orders",
    pattern: "order.placed",
    failures: 3,
    error: { name: "Error", message: "boom" },
    droppedAt: 0,
  });
  assert.equal(failed.length, 3);
  assert.deepEqual(failed[0].event.name, "order.placed");
  assert.equal(failed[0].subscriber, "shop/orders");
  assert.equal(letters.length, 3);
  assert.ok(letters.every((l) => typeof l.failedAt === "number" && l.failedAt > 0), "failedAt");
  // The status says which subscription is suspended, and only that one.
  assert.deepEqual(tool.describeOwner("shop/orders")?.suspended, ["order.placed"]);
  assert.equal(tool.describeOwner("shop/audit")?.suspended, undefined);
  await tool.shutdown?.();
});

Deno.test("a success ends the run of failures: no suspension when failures do not follow each other", async () => {
  const { tool, live } = bus({ EVENT_BUS_SUSPEND_AFTER: "2" });
  const shop = live("shop/orders");
  let calls = 0;
  shop.subscribe<{ ok: boolean }>("x.y", (e) => {
    calls++;
    if (!e.payload.ok) throw new Error("no");
  });
  for (const ok of [false, true, false, true, false]) {
    shop.publish("x.y", { ok });
    await tick();
  }
  shop.publish("x.y", { ok: true });
  await tick(5);
  assert.equal(calls, 6);
  await tool.shutdown?.();
});

Deno.test("TTL: a delivery not begun before the envelope expires is skipped and counted", async () => {
  const { tool, live } = bus();
  const shop = live("shop/orders");
  const got: Envelope[] = [];
  let attempts = 0;
  shop.subscribe("slow.path", (e) => {
    attempts++;
    got.push(e);
    throw new Error("first attempt fails");
  }, { retries: 1, backoffMs: 30 });
  shop.publish("slow.path", {}, { ttlMs: 10 });
  await tick(60);
  assert.equal(attempts, 1, "the retry came after the TTL");
  assert.equal(typeof got[0].expiresAt, "number");
  const events = (tool.describe() as { events: Record<string, { expired: number }> }).events;
  assert.equal(events["slow.path"].expired, 1);
  assert.throws(() => shop.publish("slow.path", {}, { ttlMs: 0 }), /ttlMs must be a positive/);
  await tool.shutdown?.();
});

Deno.test("EVENT_BUS_DEAD_LETTERS=off: no dead letter, event.delivery.failed still published", async () => {
  const { tool, live } = bus({ EVENT_BUS_DEAD_LETTERS: "off" });
  const shop = live("shop/orders");
  const seen: string[] = [];
  live("ops/watch").subscribe("**", (e) => void seen.push(e.name));
  shop.subscribe("a.b", () => {
    throw new Error("x");
  });
  shop.publish("a.b", {});
  await tick(5);
  assert.deepEqual(seen.sort(), ["a.b", "event.delivery.failed"]);
  await tool.shutdown?.();
});

Deno.test("resilience settings: bad values fail setup with what to use", () => {
  assert.throws(() => bus({ EVENT_BUS_SUSPEND_AFTER: "-1" }), /EVENT_BUS_SUSPEND_AFTER="-1"/);
  assert.throws(() => bus({ EVENT_BUS_DEAD_LETTERS: "maybe" }), /use on or off/);
});

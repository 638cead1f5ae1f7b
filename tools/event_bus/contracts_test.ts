import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import type { Mode } from "@core";
import { BusError } from "./errors.ts";
import { EventBusTool } from "./tool.ts";
import { owner, tick } from "./test_helpers.ts";
import type { Envelope } from "./types.ts";

const dir = (name: string) => new URL(`./testdata/${name}`, import.meta.url).pathname;

/** A bus with the `shop` domain's contract (testdata/shop/events.ts) loaded when validating. */
async function shopBus(mode: Mode = "test", env: Record<string, string> = {}) {
  const bus = new EventBusTool();
  bus.setup(standaloneContext({ mode, env }));
  await bus.prepareDomain({ name: "shop", dir: dir("shop") });
  await bus.prepareDomain({ name: "empty", dir: dir("none") });
  const live = (id: string) => {
    const o = owner(id);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, live };
}

const busError = (code: string, re: RegExp) => (e: unknown) =>
  e instanceof BusError && e.code === code && re.test(e.message);

Deno.test("contracts: a declared event with a matching payload is delivered unchanged", async () => {
  const { bus, live } = await shopBus();
  const got: Envelope[] = [];
  live("audit/log").subscribe("order.placed", (e) => void got.push(e));
  await live("shop/place").publish("order.placed", { id: 1, total: 9.5 });
  await tick();
  assert.deepEqual(got.map((e) => e.payload), [{ id: 1, total: 9.5 }]);
  await bus.shutdown();
});

Deno.test("contracts: an undeclared event or a wrong payload throws at publish, nothing is sent", async () => {
  const { bus, live } = await shopBus();
  const got: unknown[] = [];
  live("audit/log").subscribe("**", (e) => void got.push(e.name));
  const shop = live("shop/place");
  assert.throws(
    () => shop.publish("order.shipped", { id: 1 }),
    busError(
      "undeclared",
      /^shop\/place publishes "order.shipped", which domain shop does not declare: add it to domains\/shop\/events.ts/,
    ),
  );
  assert.throws(
    () => shop.publish("order.placed", { id: "1" }),
    busError(
      "invalid_payload",
      /^"order.placed" published by shop\/place does not match domains\/shop\/events.ts: id: expected number, received string; total: expected number, received undefined$/,
    ),
  );
  // Another domain publishing shop's event is told who owns it.
  assert.throws(
    () => live("empty/x").publish("order.placed", { id: 1, total: 1 }),
    busError("undeclared", /only domain shop publishes it/),
  );
  await tick();
  assert.deepEqual(got, []);
  await bus.shutdown();
});

Deno.test("contracts: requests and responses are checked both ways; undeclared responders refused", async () => {
  const { bus, live } = await shopBus();
  const shop = live("shop/prices");
  assert.throws(
    () => live("empty/q").respond("shop.price", () => ({ cents: 1 })),
    busError(
      "undeclared",
      /^empty\/q responds to "shop.price", which domain empty does not declare/,
    ),
  );
  let answer: unknown = { cents: 250 };
  shop.respond("shop.price", () => answer);
  const asker = live("audit/ask");
  assert.deepEqual(await asker.request("shop.price", { sku: "A" }), { cents: 250 });
  await assert.rejects(
    asker.request("shop.price", { sku: 7 }),
    busError(
      "invalid_payload",
      /^the request of "shop.price" does not match .*sku: expected string/,
    ),
  );
  answer = { cents: "lots" };
  await assert.rejects(
    asker.request("shop.price", { sku: "A" }),
    (e) =>
      e instanceof BusError && e.code === "responder_error" &&
      /the response of "shop.price" does not match .*cents: expected number/.test(e.message),
  );
  await bus.shutdown();
});

Deno.test("contracts: while validating, a sync responder is answered at once (nothing in flight); an async one is checked once it settles", async () => {
  const { bus, live } = await shopBus();
  live("shop/prices").respond("shop.price", () => ({ cents: 250 }));
  const sync = live("audit/ask").request("shop.price", { sku: "A" });
  assert.equal(bus.describe().inFlight, 0, "a sync answer holds no in-flight work, no timer");
  assert.deepEqual(await sync, { cents: 250 });
  await bus.shutdown();

  const later = await shopBus();
  let answer: unknown = { cents: 1 };
  later.live("shop/prices").respond("shop.price", async () => {
    await tick();
    return answer;
  });
  const ask = later.live("audit/ask");
  const pending = ask.request("shop.price", { sku: "A" });
  assert.equal(later.bus.describe().inFlight, 1, "an async answer is in flight until it settles");
  assert.deepEqual(await pending, { cents: 1 });
  answer = { cents: "lots" };
  await assert.rejects(
    ask.request("shop.price", { sku: "A" }),
    (e) =>
      e instanceof BusError && e.code === "responder_error" &&
      /the response of "shop.price" does not match .*cents: expected number/.test(e.message),
  );
  assert.equal(later.bus.describe().inFlight, 0);
  await later.bus.shutdown();
});

Deno.test("contracts: off in start mode unless EVENT_BUS_VALIDATE=true; owners outside domains are free", async () => {
  const start = await shopBus("start");
  start.live("shop/place").publish("order.shipped", { anything: true });
  assert.equal(start.bus.contracts().size, 0);
  await start.bus.shutdown();

  const on = await shopBus("start", { EVENT_BUS_VALIDATE: "true" });
  assert.throws(() => on.live("shop/place").publish("order.shipped", {}), BusError);
  on.live("test-kit").publish("order.shipped", {}); // not a plugin of a domain
  on.live("other/p").publish("x.y", {}); // a domain never prepared: not checked
  await on.bus.shutdown();

  const off = await shopBus("test", { EVENT_BUS_VALIDATE: "false" });
  off.live("shop/place").publish("order.placed", { id: "x" });
  await off.bus.shutdown();
});

Deno.test("contracts: an events.ts without defineContract fails its domain, saying what to export", async () => {
  const bus = new EventBusTool();
  bus.setup(standaloneContext({ mode: "test" }));
  await assert.rejects(
    bus.prepareDomain({ name: "bad", dir: dir("bad") }),
    /domains\/bad\/events.ts must default-export defineContract\(\{ publishes, responds \}\)/,
  );
  assert.throws(
    () => bus.setup(standaloneContext({ env: { EVENT_BUS_VALIDATE: "maybe" } })),
    /EVENT_BUS_VALIDATE="maybe": use true or false/,
  );
  await bus.shutdown();
});

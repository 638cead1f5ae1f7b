/**
 * The tool around the parts: its status (describe, describeOwner), quiesce and dropped
 * publishes, setup with a driver that connects, and the interest a routing driver is told.
 * @module
 */
import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import type { Interest } from "./driver.ts";
import { BusError } from "./errors.ts";
import { EventBusTool } from "./tool.ts";
import { envelope, FakeDriver, makeBus, makeFakeBus, owner, tick } from "./test_helpers.ts";

type Counts = Record<string, Record<string, unknown>>;

const plain = (i: Interest) => ({
  groups: Object.fromEntries(i.groups),
  responders: i.responders,
  solo: i.solo,
});

Deno.test("tool: describe reports the driver, state, queue, work in flight and registrations", async () => {
  const { bus, driver, live } = makeFakeBus();
  driver.pending = 3;
  const p = live("shop/create");
  live("mail/notify").subscribe("product.*", async () => await tick(10), { group: "mailers" });
  live("audit/log").subscribe("product.created", () => {});
  live("stock/level").respond("stock.level", () => 1);
  p.publish("product.created", { id: 1 });
  driver.deliver(driver.sent[0]);
  assert.deepEqual(bus.describe(), {
    driver: "fake",
    state: "open",
    queued: 3,
    inFlight: 1,
    published: 1,
    dropped: 0,
    events: {
      "product.created": {
        published: 1,
        delivered: 1,
        errors: 0,
        expired: 0,
        failed: 0,
        deadLettered: 0,
        duplicates: 0,
        requests: 0,
        timeouts: 0,
        publishers: ["shop/create"],
        subscribers: ["audit/log", "mail/notify"],
      },
    },
    subscriptions: [
      { owner: "mail/notify", pattern: "product.*", group: "mailers" },
      { owner: "audit/log", pattern: "product.created" },
    ],
    responders: { "stock.level": "stock/level" },
  });
  driver.pending = 0;
  await bus.idle();
  assert.equal(bus.describe().inFlight, 0);
  await bus.shutdown();
  assert.equal(bus.describe().state, "closed");
});

Deno.test("tool: describeOwner lists what one plugin does, undefined when nothing", async () => {
  const { bus, live } = makeBus();
  const p = live("shop/create");
  assert.equal(bus.describeOwner("shop/create"), undefined);
  p.publish("a");
  p.publish("b");
  p.publish("a");
  assert.deepEqual(bus.describeOwner("shop/create"), {
    subscribes: [],
    responds: [],
    publishes: ["a", "b"],
  });
  live("stock/level").respond("stock.level", () => 1);
  assert.deepEqual(bus.describeOwner("stock/level"), {
    subscribes: [],
    responds: ["stock.level"],
    publishes: [],
  });
  live("mail/notify").subscribe("a", () => {});
  assert.deepEqual(bus.describeOwner("mail/notify"), {
    subscribes: ["a"],
    responds: [],
    publishes: [],
  });
  await bus.shutdown();
});

Deno.test("tool: a request counts its requester as a publisher of the name", async () => {
  const { bus, live } = makeBus();
  const c = live("x/caller");
  live("r/resp").respond("q", () => 1);
  await c.request("q");
  await c.request("q");
  const ev = (bus.describe().events as Counts).q;
  assert.deepEqual([ev.requests, ev.publishers], [2, ["x/caller"]]);
  assert.deepEqual(bus.describeOwner("x/caller")?.publishes, ["q"]);
  await bus.shutdown();
});

Deno.test("tool: publishes alternating between names are counted per name", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  const q = live("b/pub");
  for (const n of ["x", "y", "x", "x", "y"]) p.publish(n);
  q.publish("x");
  const ev = bus.describe().events as Counts;
  assert.deepEqual([ev.x.published, ev.y.published], [4, 2]);
  assert.deepEqual(ev.x.publishers, ["a/pub", "b/pub"]);
  assert.throws(() => p.publish("x.*"), /invalid event name "x\.\*"/);
  await bus.shutdown();
});

Deno.test("tool: release of one generation keeps what the plugin published; of all, forgets", async () => {
  const { bus, live } = makeBus();
  live("a/pub").publish("x");
  bus.release("a/pub", 1);
  assert.deepEqual(bus.describeOwner("a/pub"), { subscribes: [], responds: [], publishes: ["x"] });
  bus.release("a/pub");
  assert.equal(bus.describeOwner("a/pub"), undefined);
  await bus.shutdown();
});

Deno.test("tool: quiesce drains, then closes; a second quiesce does not wait again", async () => {
  const { bus, log, live } = makeBus();
  const p = live("a/pub");
  const order: string[] = [];
  live("b/sub").subscribe("slow", async () => {
    await tick(20);
    order.push("handled");
  });
  p.publish("slow");
  const first = bus.quiesce(1000).then(() => order.push("first"));
  assert.equal(bus.describe().state, "draining");
  p.publish("slow"); // still accepted while draining
  await bus.quiesce(1000);
  order.push("second");
  await first;
  assert.deepEqual(order, ["second", "handled", "handled", "first"]);
  assert.equal(bus.describe().state, "closed");
  p.publish("slow");
  p.publish("other");
  assert.equal(bus.describe().dropped, 2);
  assert.deepEqual(log.lines.map((l) => [l.level, l.message, l.props]), [[
    "warn",
    "event published after the bus closed; dropped",
    { plugin: "a/pub", event: "slow" },
  ]], "one warning for every dropped event");
  assert.equal((bus.describe().events as Counts).slow.published, 2);
  await bus.shutdown();
});

Deno.test("tool: idle waits for handlers that publish again", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  const seen: string[] = [];
  live("b/sub").subscribe("one", async () => {
    await tick(5);
    seen.push("one");
    p.publish("two");
  });
  live("c/sub").subscribe("two", async () => {
    await tick(5);
    seen.push("two");
  });
  p.publish("one");
  await bus.idle();
  assert.deepEqual(seen, ["one", "two"]);
  await bus.shutdown();
});

Deno.test("tool: setup waits for a driver that connects, and fails with it", async () => {
  let connected = false;
  const ok = new FakeDriver();
  ok.open = () => tick(10).then(() => void (connected = true));
  const bus = new EventBusTool({ driver: ok });
  await bus.setup(standaloneContext());
  assert.equal(connected, true);
  await bus.shutdown();
  assert.equal(ok.closes, 1);

  const bad = new FakeDriver();
  bad.open = () => Promise.reject(new Error("no broker"));
  const failing = new EventBusTool({ driver: bad });
  await assert.rejects(async () => await failing.setup(standaloneContext()), /^Error: no broker$/);
  await failing.shutdown();

  // Never set up (a script): the failed connection is not an unhandled rejection.
  const unused = new FakeDriver();
  unused.open = () => Promise.reject(new Error("nobody listens"));
  await new EventBusTool({ driver: unused }).shutdown();
  await tick();
});

Deno.test("tool: a routing driver is told the groups and responders once per tick", async () => {
  const { bus, driver, live } = makeFakeBus();
  const a = live("a/one");
  const b = live("b/two");
  await tick();
  assert.deepEqual(driver.interests.map(plain), [{ groups: {}, responders: [], solo: false }]);
  a.subscribe("p.*", () => {}, { group: "g" });
  b.subscribe("p.*", () => {}, { group: "g" });
  b.subscribe("q", () => {}, { group: "g" });
  a.subscribe("solo", () => {});
  a.subscribe("r", () => {}, { group: "h" });
  a.respond("ask", () => 1);
  assert.equal(driver.interests.length, 1, "told at the end of the tick");
  await tick();
  assert.deepEqual(driver.interests.map(plain).slice(1), [{
    groups: { g: ["p.*", "q"], h: ["r"] },
    responders: ["ask"],
    solo: true,
  }]);
  await bus.settled();
  assert.equal(driver.settles, 1);
  assert.equal(driver.interests.length, 3, "settled tells the driver again first");
  bus.release("b/two");
  await tick();
  assert.deepEqual(plain(driver.interests[3]), {
    groups: { g: ["p.*"], h: ["r"] },
    responders: ["ask"],
    solo: true,
  });
  await bus.onBootComplete();
  assert.equal(driver.settles, 2);
  await bus.shutdown();
  a.subscribe("late", () => {}, { group: "z" });
  bus.activate(owner("c/three"));
  await tick();
  await bus.settled();
  assert.equal(driver.interests.length, 5, "nothing told once closed");
});

Deno.test("tool: unsubscribing a subscription or a responder tells the driver", async () => {
  const { bus, driver, live } = makeFakeBus();
  const a = live("a/one");
  const offSolo = a.subscribe("s", () => {});
  const offGroup = a.subscribe("p", () => {}, { group: "g" });
  const stop = a.respond("ask", () => 1);
  await tick();
  const before = driver.interests.length;
  assert.equal(plain(driver.interests.at(-1)!).solo, true);
  offSolo();
  await tick();
  assert.deepEqual(
    plain(driver.interests.at(-1)!),
    { groups: { g: ["p"] }, responders: ["ask"], solo: false },
    "the last ungrouped subscription gone: the instance needs no events but its groups'",
  );
  offGroup();
  await tick();
  assert.deepEqual(plain(driver.interests.at(-1)!), {
    groups: {},
    responders: ["ask"],
    solo: false,
  });
  stop();
  await tick();
  assert.deepEqual(plain(driver.interests.at(-1)!), { groups: {}, responders: [], solo: false });
  assert.equal(driver.interests.length, before + 3);
  await bus.shutdown();
});

Deno.test("tool: a driver that does not route is never told, settled resolves at once", async () => {
  const { bus, driver, live } = makeFakeBus(new FakeDriver(false));
  live("a/one").subscribe("p", () => {}, { group: "g" });
  await tick();
  await bus.settled();
  assert.deepEqual([driver.interests.length, driver.settles], [0, 0]);
  await bus.shutdown();
});

Deno.test("tool: a failed receipt nobody awaited is logged with the event, never unhandled", async () => {
  const { bus, driver, log } = makeFakeBus();
  const env = envelope("order.placed", 1, "id-1");
  driver.host!.unconfirmed!(env, new BusError("unavailable", "NATS away"));
  assert.deepEqual(log.lines.filter((l) => l.level === "error"), [{
    level: "error",
    message: 'event "order.placed" (id-1) was not stored: NATS away',
    props: { event: "order.placed", eventId: "id-1", source: "x/remote", error: "NATS away" },
  }]);
  await bus.shutdown();
});

Deno.test("tool: a publish after shutdown returns a receipt rejected with closed", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  await bus.shutdown();
  await assert.rejects(
    async () => await p.publish("late.one"),
    (e) => e instanceof BusError && e.kind === "closed",
  );
  p.publish("late.two"); // not awaited: counted, no unhandled rejection
  await tick();
  assert.equal(bus.describe().dropped, 2);
});

Deno.test("tool: with an at-least-once driver, an event id handed over twice is handled once", async () => {
  const driver = new FakeDriver();
  (driver as { atLeastOnce?: boolean }).atLeastOnce = true;
  const { bus, live } = makeFakeBus(driver);
  const got: string[] = [];
  live("mail/notify").subscribe("a.b", (e) => void got.push(e.id));
  const env = envelope("a.b", 1, "e1");
  driver.deliver(env, "solo");
  driver.deliver(env, "solo");
  await tick();
  assert.deepEqual(got, ["e1"]);
  assert.equal((bus.describe().events as Counts)["a.b"].duplicates, 1);
  await bus.shutdown();
});

Deno.test("tool: without at-least-once (twin), the driver's every hand-over is delivered", async () => {
  const driver = new FakeDriver();
  const { bus, live } = makeFakeBus(driver);
  const got: string[] = [];
  live("mail/notify").subscribe("a.b", (e) => void got.push(e.id));
  const env = envelope("a.b", 1, "e1");
  driver.deliver(env, "solo");
  driver.deliver(env, "solo");
  await tick();
  assert.deepEqual(got, ["e1", "e1"]);
  await bus.shutdown();
});

Deno.test("tool: a publish without a valid name throws the name error, the first time and the next", async () => {
  const { bus, live } = makeBus();
  const pub = live("shop/create");
  for (let i = 0; i < 2; i++) {
    assert.throws(
      () => pub.publish(undefined as unknown as string, 1),
      (e) => e instanceof BusError && e.code === "invalid_name",
    );
  }
  await bus.shutdown();
});

Deno.test("tool: before setup, warnings go to the console with the bus's prefix", async () => {
  const bus = new EventBusTool();
  const warned: unknown[][] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args);
  try {
    const old = owner("a/b", 1);
    const api = bus.forOwner(old);
    bus.activate(owner("a/b", 2));
    api.subscribe("x.y", () => {});
  } finally {
    console.warn = warn;
    await bus.shutdown();
  }
  assert.deepEqual(warned, [[
    '[event_bus] ignored subscribe("x.y") from a replaced generation of a/b',
    { plugin: "a/b", generation: 1, live: 2 },
  ]]);
});

Deno.test("tool: drain of a generation returns once its async handlers are done", async () => {
  const { bus, live } = makeBus();
  live("mail/notify").subscribe("a.b", async () => await tick(5));
  live("shop/pub").publish("a.b", 1);
  await tick();
  const t0 = performance.now();
  await bus.drain("mail/notify", 1, 3000);
  assert.ok(performance.now() - t0 < 1000, "not held until the timeout");
  await bus.shutdown();
});

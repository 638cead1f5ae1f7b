/**
 * The bus kit (`t.bus`): what the test delivers and as whom, what it records of the plugin's
 * publishes, and how a delivery fails.
 */
import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import type { Envelope, EventBus } from "@tools/event_bus/mod.ts";
import { bootPlugin, DeliveryError } from "./mod.ts";

class Orders extends BasePlugin {
  sources: string[] = [];
  constructor(private event_bus: EventBus) {
    super();
  }
  override onBoot() {
    this.event_bus.subscribe<{ n: number }>("order.*", (e) => {
      this.sources.push(e.source);
      this.event_bus.publish("audit.seen", { n: e.payload.n });
      if (e.payload.n === 2) this.event_bus.publish("audit.big", { n: 2 });
    });
  }
}

Deno.test("bus: the test delivers as test-kit; payloads(name) is what the plugin published", async () => {
  await using t = await bootPlugin(Orders);
  await t.bus.deliver("order.placed", { n: 1 });
  await t.bus.deliver("order.paid", { n: 2 });
  assert.deepEqual(t.plugin.sources, ["test-kit", "test-kit"]);
  assert.deepEqual(t.bus.payloads("audit.seen"), [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(t.bus.payloads("audit.big"), [{ n: 2 }]);
  assert.deepEqual(
    t.bus.payloads("order.placed"),
    [],
    "the test's own deliveries are not recorded",
  );
  assert.deepEqual(t.bus.published.map((e) => e.name), ["audit.seen", "audit.seen", "audit.big"]);
  assert.equal(t.bus, t.bus, "one driver per test");
});

class Failing extends BasePlugin {
  constructor(private event_bus: EventBus) {
    super();
  }
  override onBoot() {
    const fail = (why: string) => (e: Envelope<{ ok?: boolean }>) => {
      if (!e.payload?.ok) throw new Error(why);
    };
    this.event_bus.subscribe("job.run", fail("first"));
    this.event_bus.subscribe("job.run", fail("second"));
    // Handling job.chain publishes job.side, whose subscriber fails.
    this.event_bus.subscribe("job.chain", () => this.event_bus.publish("job.side", {}));
    this.event_bus.subscribe("job.side", fail("side"));
  }
}

Deno.test("bus: deliver rejects with every failure of that delivery, and only those", async () => {
  await using t = await bootPlugin(Failing);
  const err = await t.bus.deliver("job.run", { ok: false }).catch((e) => e);
  assert.ok(err instanceof DeliveryError);
  assert.equal(err.name, "DeliveryError");
  assert.equal(
    err.message,
    'subscriber test/failing failed on "job.run" after 1 attempt(s): first; ' +
      'subscriber test/failing failed on "job.run" after 1 attempt(s): second',
  );
  assert.deepEqual(err.deadLetters.map((d) => d.error.message), ["first", "second"]);
  assert.equal(t.bus.deadLetters.length, 2);

  // The earlier failures of job.run are not this delivery's.
  await t.bus.deliver("job.run", { ok: true });
  // A failure on another event, caused by this delivery, is a dead letter but no rejection.
  await t.bus.deliver("job.chain");
  assert.deepEqual(t.bus.deadLetters.map((d) => `${d.event.name}: ${d.error.message}`), [
    "job.run: first",
    "job.run: second",
    "job.side: side",
  ]);
  t.bus.clear();
  assert.deepEqual(t.bus.deadLetters, []);
});

Deno.test("bus: settle and deliver reject with what is still busy after the timeout", async () => {
  let finish = () => {};
  const gate = new Promise<void>((r) => (finish = r));
  class Slow extends BasePlugin {
    constructor(private event_bus: EventBus) {
      super();
    }
    override onBoot() {
      this.event_bus.subscribe("job.slow", () => gate);
    }
  }
  await using t = await bootPlugin(Slow);
  await assert.rejects(
    t.bus.deliver("job.slow", {}, { timeoutMs: 20 }),
    (e) =>
      e instanceof Error &&
      e.message === "event bus still busy after 20 ms (0 queued, 1 running)",
  );
  await assert.rejects(t.bus.settle(10), {
    message: "event bus still busy after 10 ms (0 queued, 1 running)",
  });
  finish();
  await t.bus.settle();
});

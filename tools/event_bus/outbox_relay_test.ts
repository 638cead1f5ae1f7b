/**
 * The outbox relay against an in-memory {@link Outbox} (the contract the db tool implements):
 * nothing is sent before the commit, nothing after a rollback; committed events are sent and
 * removed once confirmed; what an outage or a crash left is sent again by a sweep.
 * @module
 */
import assert from "node:assert/strict";
import type { Outbox, OutboxRecord } from "@core";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { BusError } from "./errors.ts";
import { OutboxRelay, type RelayBus } from "./outbox_relay.ts";
import { Receipt } from "./receipt.ts";
import { EventBusTool } from "./tool.ts";
import { envelope, FakeDriver, owner, tick } from "./test_helpers.ts";
import type { Envelope } from "./types.ts";

/** An in-memory outbox: `tx(fn)` is a transaction; rows keep their write time. */
class FakeOutbox implements Outbox {
  rows = new Map<string, { body: string; at: number }>();
  removed: string[] = [];
  failRemove = false;
  #tx: OutboxRecord[] | undefined;
  #listeners: ((r: readonly OutboxRecord[]) => void)[] = [];

  enlist(record: OutboxRecord): boolean {
    if (!this.#tx) return false;
    this.#tx.push({ id: record.id, body: record.body }); // read now, as the db tool's write does
    return true;
  }
  onCommit(listener: (r: readonly OutboxRecord[]) => void): void {
    this.#listeners.push(listener);
  }
  pending(limit: number, olderThanMs: number): Promise<OutboxRecord[]> {
    const cut = Date.now() - olderThanMs;
    const out = [...this.rows].filter(([, r]) => r.at <= cut).slice(0, limit);
    return Promise.resolve(out.map(([id, r]) => ({ id, body: r.body })));
  }
  remove(ids: readonly string[]): Promise<void> {
    if (this.failRemove) return Promise.reject(new Error("db away"));
    for (const id of ids) this.rows.delete(id), this.removed.push(id);
    return Promise.resolve();
  }
  /** Run `fn` as a transaction: committed (rows written, listeners told) unless it throws. */
  async tx(fn: () => void | Promise<void>): Promise<void> {
    const records: OutboxRecord[] = this.#tx = [];
    try {
      await fn();
    } finally {
      this.#tx = undefined;
    }
    for (const r of records) this.rows.set(r.id, { body: r.body, at: Date.now() });
    for (const l of this.#listeners) l(records);
  }
  /** A row a crash left behind, written long ago. */
  left(env: Envelope): void {
    this.rows.set(env.id, { body: JSON.stringify(env), at: 0 });
  }
}

function busWith(outbox: FakeOutbox, driver?: FakeDriver) {
  const bus = new EventBusTool(driver ? { driver } : {});
  const log = recordingLog();
  bus.setup(standaloneContext({ log, outbox }));
  const live = (id: string) => {
    const o = owner(id);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, log, live };
}

Deno.test("outbox: a publish in a transaction waits for the commit; a rollback sends nothing", async () => {
  const outbox = new FakeOutbox();
  const { bus, live } = busWith(outbox);
  const got: unknown[] = [];
  live("stock/keep").subscribe("product.created", async (e) => {
    await tick(5);
    got.push(e.payload);
  });
  const pub = live("shop/create");
  await outbox.tx(async () => {
    await pub.publish("product.created", { id: 1 }); // resolves at once: no deadlock
    await tick(5);
    assert.deepEqual(got, [], "not delivered before the commit");
    assert.equal(outbox.rows.size, 0);
  });
  await assert.rejects(
    outbox.tx(() => {
      pub.publish("product.created", { id: 2 });
      throw new Error("rollback");
    }),
    /rollback/,
  );
  await bus.idle();
  assert.deepEqual(got, [{ id: 1 }], "the committed event once, the rolled back one never");
  assert.equal(outbox.rows.size, 0, "removed once its handlers were done");
  assert.equal(outbox.removed.length, 1);
  const d = bus.describe();
  assert.deepEqual(d.outbox, { enlisted: 2, relayed: 1, removed: 1, failed: 0 });
  pub.publish("product.created", { id: 3 }); // outside a transaction: sent at once
  await bus.idle();
  assert.equal(got.length, 2);
  await bus.shutdown();
});

Deno.test("outbox: in-process, removed once its own subscribers are done, busy bus or not", async () => {
  const outbox = new FakeOutbox();
  const { bus, live } = busWith(outbox);
  const slow = Promise.withResolvers<void>();
  live("jobs/slow").subscribe("job.slow", () => slow.promise); // keeps the bus busy
  const stock = Promise.withResolvers<void>();
  live("stock/keep").subscribe("product.created", () => stock.promise);
  const pub = live("shop/create");
  pub.publish("job.slow");
  await outbox.tx(() => void pub.publish("product.created", { id: 1 }));
  await tick(10);
  assert.equal(outbox.rows.size, 1, "kept while its subscriber still works on it");
  stock.resolve();
  await tick(10);
  assert.equal(outbox.rows.size, 0, "removed though another handler still runs");
  slow.resolve();
  await bus.idle();
  await bus.shutdown();
});

Deno.test("outbox: a payload that is not JSON data fails the transaction's write", async () => {
  const outbox = new FakeOutbox();
  const { bus, live } = busWith(outbox);
  const pub = live("shop/create");
  await assert.rejects(
    outbox.tx(() => void pub.publish("x.y", new Map([[1, 2]]))),
    (e) =>
      e instanceof TypeError &&
      e.message === 'event "x.y": a payload published inside a transaction must be JSON data ' +
          "(no Map, Date, bigint, typed array)",
  );
  assert.equal(outbox.rows.size, 0);
  await bus.shutdown();
});

Deno.test("outbox: after boot, what a crash left is sent, delivered once, removed", async () => {
  const outbox = new FakeOutbox();
  const left = envelope("product.created", { id: 9 }, "crash-1");
  outbox.left(left);
  const { bus, live } = busWith(outbox);
  const got: Envelope[] = [];
  live("stock/keep").subscribe("product.created", (e) => void got.push(e));
  live("shop/create").publish("warm.up"); // the relay is made on the first publish
  await bus.onBootComplete();
  await bus.idle();
  assert.deepEqual(got, [left]);
  assert.deepEqual(outbox.removed, ["crash-1"]);
  outbox.left(left); // relayed again (two instances swept at once): the subscriber skips it
  await bus.onBootComplete();
  await bus.idle();
  assert.equal(got.length, 1, "a repeat of an id is not delivered twice");
  assert.deepEqual(outbox.removed, ["crash-1", "crash-1"]);
  assert.equal(
    (bus.describe().events as Record<string, { duplicates: number }>)[
      "product.created"
    ].duplicates,
    1,
  );
  await bus.shutdown();
});

/** A relay target whose sends settle as the test says. */
function target() {
  const sent: Envelope[] = [];
  const warnings: string[] = [];
  let fail = false;
  const bus: RelayBus = {
    send: (env) => {
      sent.push(env);
      const r = new Receipt(() => {});
      if (fail) r.reject(new BusError("unavailable", "NATS away"));
      else r.resolve();
      return r;
    },
    warn: (m, props) => {
      warnings.push(m);
      props_.push(props);
    },
  };
  const props_: (Record<string, unknown> | undefined)[] = [];
  return { bus, sent, warnings, props: props_, failing: (f: boolean) => void (fail = f) };
}

Deno.test("outbox relay: a failed send stays for the next sweep, then is removed", async () => {
  const outbox = new FakeOutbox();
  const t = target();
  const relay = new OutboxRelay(outbox, t.bus, { olderThanMs: 0 });
  t.failing(true);
  await outbox.tx(() => void relay.enlist(envelope("a.b", 1, "e1")));
  await relay.idle();
  assert.deepEqual([...outbox.rows.keys()], ["e1"], "kept: the broker did not confirm");
  assert.deepEqual(t.warnings, ['outbox: event "a.b" (e1) not relayed yet: NATS away']);
  assert.equal(await relay.sweep(), 1);
  assert.equal(outbox.rows.size, 1, "still away");
  t.failing(false);
  assert.equal(await relay.sweep(), 1);
  assert.equal(outbox.rows.size, 0);
  assert.deepEqual(t.sent.map((e) => e.id), ["e1", "e1", "e1"]);
  assert.deepEqual(relay.stats(), { enlisted: 1, relayed: 3, removed: 1, failed: 2 });
  assert.equal(await relay.sweep(), 0, "nothing left");
  relay.close();
});

Deno.test("outbox relay: outside a transaction enlist is false and nothing is written", () => {
  const outbox = new FakeOutbox();
  const relay = new OutboxRelay(outbox, target().bus);
  assert.equal(relay.enlist(envelope("a.b")), false);
  assert.equal(relay.stats().enlisted, 0);
  relay.close();
});

Deno.test("outbox relay: a sweep skips what is in flight, pages, removes garbage", async () => {
  const outbox = new FakeOutbox();
  const t = target();
  const relay = new OutboxRelay(outbox, t.bus, { olderThanMs: 0, batch: 2 });
  for (let i = 0; i < 5; i++) outbox.left(envelope("a.b", i, `e${i}`));
  outbox.rows.set("junk", { body: "{}", at: 0 });
  outbox.rows.set("nameless", { body: '{"id": "n1", "name": 7}', at: 0 });
  assert.equal(await relay.sweep(), 7);
  assert.equal(outbox.rows.size, 0);
  assert.deepEqual(t.sent.map((e) => e.id), ["e0", "e1", "e2", "e3", "e4"]);
  assert.deepEqual(t.warnings, [
    "outbox: record junk is no event; removed",
    "outbox: record nameless is no event; removed",
  ]);
  // Two sweeps at once are one sweep.
  outbox.left(envelope("a.b", 1, "again"));
  const [x, y] = await Promise.all([relay.sweep(), relay.sweep()]);
  assert.deepEqual([x, y], [1, 1]);
  assert.equal(t.sent.length, 6);
  relay.close();
});

Deno.test("outbox relay: a failed removal is reported and retried by the next sweep", async () => {
  const outbox = new FakeOutbox();
  const t = target();
  const relay = new OutboxRelay(outbox, t.bus, { olderThanMs: 0 });
  outbox.left(envelope("a.b", 1, "e1"));
  outbox.failRemove = true;
  await relay.sweep();
  assert.deepEqual(t.warnings, ["outbox: could not remove 1 relayed event(s): db away"]);
  outbox.failRemove = false;
  await relay.sweep();
  assert.equal(outbox.rows.size, 0);
  relay.close();
});

Deno.test("outbox relay: start sweeps at once and then every sweepMs; close stops it", async () => {
  const outbox = new FakeOutbox();
  const t = target();
  const relay = new OutboxRelay(outbox, t.bus, { olderThanMs: 0, sweepMs: 20 });
  outbox.left(envelope("a.b", 1, "e1"));
  assert.equal(await relay.start(), 1);
  outbox.left(envelope("a.b", 2, "e2"));
  await tick(60);
  assert.equal(outbox.rows.size, 0, "the timer swept");
  relay.close();
  outbox.left(envelope("a.b", 3, "e3"));
  await tick(60);
  assert.equal(outbox.rows.size, 1, "closed: no more sweeps");
});

Deno.test("outbox relay: a sweep that cannot read the outbox says so", async () => {
  const outbox = new FakeOutbox();
  outbox.pending = () => Promise.reject(new Error("db away"));
  const t = target();
  const relay = new OutboxRelay(outbox, t.bus);
  assert.equal(await relay.sweep(), 0);
  assert.deepEqual(t.warnings, ["outbox: could not read pending events: db away"]);
  assert.deepEqual(t.props, [{ error: "db away" }], "the log line carries the error as a field");
  relay.close();
});

Deno.test("outbox: with a broker driver, removed once the driver confirmed", async () => {
  const outbox = new FakeOutbox();
  const driver = new FakeDriver();
  const receipts: Receipt[] = [];
  driver.send = (env: Envelope) => {
    driver.sent.push(env);
    const r = new Receipt(() => {});
    receipts.push(r);
    return r;
  };
  const { bus, live } = busWith(outbox, driver);
  const pub = live("shop/create");
  await outbox.tx(() => void pub.publish("a.b", 1));
  await tick();
  assert.equal(driver.sent.length, 1);
  assert.equal(outbox.rows.size, 1, "not confirmed yet");
  receipts[0].resolve();
  await bus.idle();
  assert.equal(outbox.rows.size, 0);
  await bus.shutdown();
});

Deno.test("outbox: a transaction that commits after shutdown is left in the outbox for the next start", async () => {
  const outbox = new FakeOutbox();
  const { bus, live } = busWith(outbox);
  const got: unknown[] = [];
  live("stock/keep").subscribe("product.created", (e) => void got.push(e.payload));
  await bus.onBootComplete();
  await outbox.tx(async () => {
    live("shop/create").publish("product.created", { id: 1 });
    await bus.shutdown(); // no quiesce first: shutdown alone stops the relay
  });
  await tick(10);
  assert.deepEqual(got, [], "not delivered by a shut-down bus");
  assert.equal(outbox.rows.size, 1, "kept for the next start");
});

Deno.test("outbox: one relay per bus, also once boot completes after a first publish", async () => {
  const outbox = new FakeOutbox();
  const { bus, live } = busWith(outbox);
  const got: unknown[] = [];
  live("stock/keep").subscribe("product.created", (e) => void got.push(e.payload));
  const pub = live("shop/create");
  await outbox.tx(() => void pub.publish("product.created", { id: 1 }));
  await bus.onBootComplete();
  await outbox.tx(() => void pub.publish("product.created", { id: 2 }));
  await bus.idle();
  assert.deepEqual(got, [{ id: 1 }, { id: 2 }]);
  const events = bus.describe().events as Record<string, { duplicates: number }>;
  assert.equal(events["product.created"].duplicates, 0, "no second relay sending it again");
  await bus.shutdown();
});

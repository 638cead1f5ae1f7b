/**
 * Delivery in detail: subscribe options, unsubscribing, what a driver's audiences reach, the
 * log line and dead letter of a failure, and what happens around shutdown.
 * @module
 */
import assert from "node:assert/strict";
import { BusError } from "./errors.ts";
import type { DeadLetter, Envelope } from "./types.ts";
import { envelope, makeBus, makeFakeBus, tick } from "./test_helpers.ts";

type Counts = Record<string, Record<string, unknown>>;

Deno.test("delivery: a handler that is not a function is refused, naming the pattern", async () => {
  const { bus, live } = makeBus();
  const s = live("b/sub");
  assert.throws(
    () => s.subscribe("a.b", "nope" as unknown as () => void),
    (e) => e instanceof TypeError && e.message === 'subscribe("a.b"): handler must be a function',
  );
  assert.deepEqual(bus.describe().subscriptions, []);
  await bus.shutdown();
});

Deno.test("delivery: retries are whole and never negative; backoff never negative", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  const s = live("b/sub");
  const calls: Record<string, number> = { frac: 0, neg: 0, fast: 0 };
  const fail = (k: string) => () => {
    calls[k]++;
    throw new Error(k);
  };
  s.subscribe("frac", fail("frac"), { retries: 1.9, backoffMs: 1 });
  s.subscribe("neg", fail("neg"), { retries: -2, backoffMs: 1 });
  s.subscribe("fast", fail("fast"), { retries: 2, backoffMs: -50 });
  p.publish("frac");
  p.publish("neg");
  p.publish("fast");
  await bus.idle(); // every retry done (a fixed wait was flaky on a loaded machine)
  assert.deepEqual(calls, { frac: 2, neg: 1, fast: 3 });
  const ev = bus.describe().events as Counts;
  assert.equal(ev.frac.deadLettered, 1);
  assert.equal(ev.neg.deadLettered, 1);
  await bus.shutdown();
});

Deno.test("delivery: the default backoff is 100 ms", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  let calls = 0;
  live("b/sub").subscribe("e", () => {
    calls++;
    throw new Error("x");
  }, { retries: 1 });
  p.publish("e");
  await tick(60);
  assert.equal(calls, 1, "no retry before 100 ms");
  await tick(80);
  assert.equal(calls, 2);
  await bus.shutdown();
});

Deno.test("delivery: an empty group name is no group; timeoutMs ≤ 0 is no timeout", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  const got: string[] = [];
  live("b/one").subscribe("e", () => void got.push("one"), { group: "" });
  live("b/two").subscribe("e", () => void got.push("two"), { group: "" });
  let slow = 0;
  live("c/slow").subscribe("e", async () => {
    await tick(15);
    slow++;
  }, { timeoutMs: -1 });
  live("c/zero").subscribe("e", async () => {
    await tick(15);
    slow++;
  }, { timeoutMs: 0 });
  p.publish("e");
  await tick(40);
  assert.deepEqual(got, ["one", "two"], "both get a copy");
  assert.equal(slow, 2);
  const ev = (bus.describe().events as Counts).e;
  assert.deepEqual([ev.delivered, ev.errors], [4, 0]);
  assert.deepEqual(bus.describe().subscriptions, [
    { owner: "b/one", pattern: "e" },
    { owner: "b/two", pattern: "e" },
    { owner: "c/slow", pattern: "e" },
    { owner: "c/zero", pattern: "e" },
  ]);
  await bus.shutdown();
});

Deno.test("delivery: unsubscribe stops delivery and drops a pending retry", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  const s = live("b/sub");
  let plain = 0, flaky = 0;
  const offPlain = s.subscribe("e", () => void plain++);
  const offFlaky = s.subscribe("e", () => {
    flaky++;
    throw new Error("x");
  }, { retries: 3, backoffMs: 5 });
  p.publish("e");
  await tick();
  offPlain();
  offFlaky();
  p.publish("e");
  await tick(30);
  assert.deepEqual([plain, flaky], [1, 1]);
  assert.deepEqual(bus.describeOwner("b/sub"), undefined);
  await bus.shutdown();
});

Deno.test("delivery: a failure is logged with its attempt, and the dead letter says all", async () => {
  const { bus, log, live } = makeBus();
  const p = live("a/pub");
  live("b/sub").subscribe("job.*", () => {
    throw "plain string";
  }, { retries: 1, backoffMs: 1, group: "workers" });
  const letters: Envelope<DeadLetter>[] = [];
  live("ops/dlq").subscribe<DeadLetter>("_dlq.job.run", (e) => void letters.push(e));
  p.publish("job.run", { n: 1 });
  await tick(20);
  const errs = log.lines.filter((l) => l.level === "error");
  assert.equal(errs.length, 2);
  const [first, last] = errs;
  assert.equal(first.message, 'subscriber b/sub failed on "job.run": plain string');
  assert.equal(letters.length, 1);
  const [dl] = letters;
  const { error: _e, ...props } = first.props!;
  assert.deepEqual(props, {
    plugin: "b/sub",
    event: "job.run",
    eventId: dl.payload.event.id,
    pattern: "job.*",
    attempt: 1,
    final: false,
  });
  assert.equal(first.props!.error, "plain string");
  assert.equal(last.props!.attempt, 2);
  assert.equal(last.props!.final, true);
  assert.deepEqual(dl.payload, {
    event: dl.payload.event,
    subscriber: "b/sub",
    pattern: "job.*",
    group: "workers",
    error: { name: "Error", message: "plain string" },
    attempts: 2,
    failedAt: dl.payload.failedAt,
  });
  assert.ok(Math.abs(dl.payload.failedAt - Date.now()) < 5000, "when the last attempt failed");
  assert.equal(dl.payload.event.name, "job.run");
  assert.equal(dl.source, "event_bus");
  assert.ok(Object.isFrozen(dl.payload) && Object.isFrozen(dl.payload.error));
  const ev = bus.describe().events as Counts;
  assert.deepEqual(ev["_dlq.job.run"], {
    published: 1,
    delivered: 1,
    errors: 0,
    failed: 0,
    deadLettered: 0,
    duplicates: 0,
    expired: 0,
    requests: 0,
    timeouts: 0,
    publishers: ["event_bus"],
    subscribers: ["ops/dlq"],
  });
  await bus.shutdown();
});

Deno.test("delivery: a dead letter without a group has no group field; error name kept", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  live("b/sub").subscribe("e", () => {
    throw new RangeError("out");
  });
  const letters: DeadLetter[] = [];
  live("ops/dlq").subscribe<DeadLetter>("_dlq.e", (e) => void letters.push(e.payload));
  p.publish("e");
  await tick(5);
  assert.equal(letters.length, 1);
  assert.equal("group" in letters[0], false);
  assert.deepEqual(letters[0].error, { name: "RangeError", message: "out" });
  assert.equal(letters[0].attempts, 1);
  await bus.shutdown();
});

Deno.test("delivery: a driver's audiences — solo, one group, a group not here", async () => {
  const { bus, driver, live } = makeFakeBus();
  const got: string[] = [];
  live("b/solo").subscribe("e", () => void got.push("solo"));
  live("c/w1").subscribe("e", () => void got.push("w1"), { group: "g" });
  live("c/w2").subscribe("e", () => void got.push("w2"), { group: "g" });
  assert.equal(driver.deliver(envelope("e"), "solo"), undefined);
  assert.deepEqual(got, ["solo"], "solo: ungrouped subscriptions only");
  assert.equal(driver.deliver(envelope("e"), { group: "other" }), undefined);
  assert.deepEqual(got, ["solo"], "a group with no subscription here: nothing");
  await driver.deliver(envelope("e"), { group: "g" });
  await driver.deliver(envelope("e"), { group: "g" });
  await driver.deliver(envelope("e"), { group: "g" });
  assert.deepEqual(got, ["solo", "w1", "w2", "w1"], "one of the group, round robin");
  assert.equal(driver.deliver(envelope("nobody")), undefined);
  driver.deliver(envelope("e"));
  assert.deepEqual(got, ["solo", "w1", "w2", "w1", "solo", "w2"], "all: solo and one per group");
  await bus.shutdown();
});

Deno.test("delivery: a group delivery settles once its subscriber is done", async () => {
  const { bus, driver, live } = makeFakeBus();
  const order: string[] = [];
  let calls = 0;
  live("c/w").subscribe("slow", async () => {
    await tick(10);
    order.push("handled");
  }, { group: "g" });
  live("c/w").subscribe("flaky", () => {
    calls++;
    throw new Error("x");
  }, { group: "g", retries: 2, backoffMs: 2 });
  await driver.deliver(envelope("slow"), { group: "g" })!.then(() => order.push("settled"));
  assert.deepEqual(order, ["handled", "settled"]);
  await driver.deliver(envelope("flaky"), { group: "g" });
  assert.equal(calls, 3, "settles after the last retry");
  assert.deepEqual(
    driver.sent.map((e) => e.name),
    ["event.delivery.failed", "_dlq.flaky"],
    "…the failure event and the dead letter",
  );
  await bus.shutdown();
});

Deno.test("delivery: a group delivery whose subscriber went away during a retry settles", async () => {
  const { bus, driver, live } = makeFakeBus();
  let calls = 0;
  const off = live("c/w").subscribe("e", () => {
    calls++;
    throw new Error("x");
  }, { group: "g", retries: 1, backoffMs: 10 });
  const done = driver.deliver(envelope("e"), { group: "g" });
  off();
  await done;
  assert.equal(calls, 1);
  assert.deepEqual(driver.sent, [], "no dead letter for a subscription that is gone");
  await bus.shutdown();
});

Deno.test("delivery: after shutdown a group delivery is refused with closed", async () => {
  const { bus, driver, live } = makeFakeBus();
  live("c/w").subscribe("e", () => {}, { group: "g" });
  await bus.shutdown();
  await assert.rejects(
    driver.deliver(envelope("e"), { group: "g" }) as Promise<void>,
    (e) => e instanceof BusError && e.code === "closed" && e.message === "the event bus is closed",
  );
  assert.equal(driver.deliver(envelope("none"), { group: "g" }), undefined, "nothing matches");
});

Deno.test("delivery: shutdown is not a handler's failure (no timeout, no retry, no letter)", async () => {
  const { bus, driver, log, live } = makeFakeBus();
  let calls = 0;
  let reject!: (e: Error) => void;
  live("b/hang").subscribe("hang", () => new Promise(() => {}), { timeoutMs: 10_000 });
  live("b/late").subscribe("late", () => {
    calls++;
    return new Promise((_, r) => reject = r);
  }, { retries: 3, backoffMs: 1 });
  driver.deliver(envelope("hang"));
  driver.deliver(envelope("late"));
  assert.equal(bus.describe().inFlight, 2);
  await bus.shutdown();
  reject(new Error("after shutdown"));
  await tick(10);
  assert.equal(calls, 1, "no retry once closed");
  assert.deepEqual(driver.sent, [], "no dead letter once closed");
  const ev = bus.describe().events as Counts;
  assert.deepEqual([ev.hang.errors, ev.hang.failed], [0, 0]);
  assert.deepEqual([ev.late.errors, ev.late.failed, ev.late.deadLettered], [1, 1, 0]);
  assert.deepEqual(log.lines.map((l) => l.props?.event), ["late"]);
});

Deno.test("delivery: a group delivery that fails after shutdown stays unsettled", async () => {
  const { bus, driver, live } = makeFakeBus();
  let reject!: (e: Error) => void;
  live("c/w").subscribe("e", () => new Promise((_, r) => reject = r), { group: "g" });
  let settled = false;
  driver.deliver(envelope("e"), { group: "g" })!.then(() => settled = true);
  await bus.shutdown();
  reject(new Error("x"));
  await tick(5);
  assert.equal(settled, false, "not acknowledged: a broker may redeliver it");
});

Deno.test("delivery: a handler timeout counts once, a late result is ignored", async () => {
  const { bus, log, live } = makeBus();
  const p = live("a/pub");
  let resolve!: () => void;
  live("b/sub").subscribe("e", () => new Promise<void>((r) => resolve = r), { timeoutMs: 10 });
  p.publish("e");
  await tick(30);
  resolve();
  await tick();
  const ev = (bus.describe().events as Counts).e;
  assert.deepEqual([ev.delivered, ev.errors, ev.failed], [0, 1, 1]);
  assert.equal(log.lines.length, 1);
  assert.equal(
    log.lines[0].message,
    'subscriber b/sub failed on "e": handler did not settle within 10 ms',
  );
  assert.equal(bus.describe().inFlight, 0);
  await bus.shutdown();
});

Deno.test("delivery: a handler that settles in time clears its deadline", async () => {
  const { bus, log, live } = makeBus();
  const p = live("a/pub");
  live("b/sub").subscribe("e", async () => {
    await tick(2);
  }, { timeoutMs: 30 });
  p.publish("e");
  await tick(50);
  assert.deepEqual(log.lines, []);
  const ev = (bus.describe().events as Counts).e;
  assert.deepEqual([ev.delivered, ev.errors], [1, 0]);
  await bus.shutdown();
});

Deno.test("delivery: status beyond 2000 names lists no subscribers under (other)", async () => {
  const { bus, live } = makeBus();
  const p = live("a/pub");
  live("b/all").subscribe("**", () => {});
  for (let i = 0; i < 2002; i++) p.publish(`n${i}`);
  await bus.idle();
  const ev = bus.describe().events as Counts;
  assert.equal(Object.keys(ev).length, 2001);
  assert.deepEqual(ev.n0.subscribers, ["b/all"]);
  assert.deepEqual(ev["(other)"].subscribers, []);
  assert.equal(ev["(other)"].published, 2);
  assert.equal((bus.describeOwner("a/pub")!.publishes as string[]).length, 200);
  await bus.shutdown();
});

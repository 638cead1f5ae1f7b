/**
 * Request–response in detail: the exact errors a requester gets, the counters, a responder's
 * in-flight work, requests answered for other instances, and requests sent to them.
 * @module
 */
import assert from "node:assert/strict";
import { BusError, type BusErrorCode } from "./errors.ts";
import { envelope, FakeDriver, makeBus, makeFakeBus, owner, tick } from "./test_helpers.ts";
import type { Envelope } from "./types.ts";

type Counts = Record<string, Record<string, unknown>>;

/** Asserts a rejection (or throw) is the BusError `code` with exactly `message`. */
const busError = (code: BusErrorCode, message: string) => (e: unknown) => {
  assert.ok(e instanceof BusError, `a BusError, got ${e}`);
  assert.deepEqual({ code: e.code, message: e.message }, { code, message });
  return true;
};

const counts = (bus: { describe(): Record<string, unknown> }, name: string) => {
  const { publishers: _p, subscribers: _s, ...c } = (bus.describe().events as Counts)[name];
  return c;
};

Deno.test("requests: exact errors for no responder, a timeout, a throw and after shutdown", async () => {
  const { bus, log, live } = makeBus();
  const r = live("slow/one");
  const c = live("x/caller");
  await assert.rejects(
    c.request("nobody.home"),
    busError("no_responder", 'no plugin responds to "nobody.home"'),
  );
  r.respond("slow.op", () => new Promise(() => {}));
  await assert.rejects(
    c.request("slow.op", {}, { timeout: 15 }),
    busError("timeout", 'no answer to "slow.op" from slow/one within 15 ms'),
  );
  r.respond("bad.op", () => {
    throw new Error("nope");
  });
  await assert.rejects(c.request("bad.op"), (e) => {
    busError("responder_error", 'responder slow/one of "bad.op" failed: nope')(e);
    assert.equal(((e as Error).cause as Error).message, "nope");
    return true;
  });
  const warn = log.lines.find((l) => l.level === "warn")!;
  assert.equal(warn.message, 'responder slow/one failed on "bad.op": nope');
  assert.equal(warn.props?.plugin, "slow/one");
  assert.equal(warn.props?.event, "bad.op");
  assert.match(String(warn.props?.error), /^Error: nope\n/);
  assert.deepEqual(counts(bus, "slow.op"), {
    published: 0,
    delivered: 0,
    errors: 0,
    expired: 0,
    failed: 0,
    deadLettered: 0,
    duplicates: 0,
    requests: 1,
    timeouts: 1,
  });
  assert.deepEqual([counts(bus, "bad.op").requests, counts(bus, "bad.op").errors], [1, 1]);
  assert.deepEqual(counts(bus, "nobody.home").requests, 1);
  await bus.shutdown();
  await assert.rejects(
    c.request("slow.op"),
    busError("closed", 'request "slow.op": the event bus is closed'),
  );
});

Deno.test("requests: a pending request fails with closed when the bus shuts down", async () => {
  const { bus, live } = makeBus();
  live("r/resp").respond("q", () => new Promise(() => {}));
  const pending = live("x/caller").request("q");
  await bus.shutdown();
  await assert.rejects(pending, busError("closed", 'request "q": the event bus shut down'));
  assert.equal(counts(bus, "q").timeouts, 0, "not a timeout");
  assert.equal(bus.describe().inFlight, 0);
});

Deno.test("requests: without a timeout option an async answer may take its time", async () => {
  const { bus, live } = makeBus();
  live("r/resp").respond("q", async (req) => {
    await tick(20);
    return { echo: req.payload, correlationId: req.correlationId };
  });
  const answer = await live("x/caller").request("q", { a: [1] }, { correlationId: "c-9" });
  assert.deepEqual(answer, { echo: { a: [1] }, correlationId: "c-9" });
  assert.ok(Object.isFrozen(answer), "the answer is a frozen copy");
  assert.equal(counts(bus, "q").delivered, 1);
  await bus.shutdown();
});

Deno.test("requests: async rejections and unclonable async answers are responder errors", async () => {
  const { bus, live } = makeBus();
  const r = live("r/resp");
  r.respond("rej", () => Promise.reject(new Error("async no")));
  r.respond("fn", () => Promise.resolve(() => 1));
  const c = live("x/caller");
  await assert.rejects(
    c.request("rej"),
    busError("responder_error", 'responder r/resp of "rej" failed: async no'),
  );
  await assert.rejects(c.request("fn"), (e) => {
    assert.ok(e instanceof BusError && e.code === "responder_error");
    assert.match(e.message, /^responder r\/resp of "fn" failed: .*could not be cloned/);
    return true;
  });
  assert.deepEqual([counts(bus, "rej").errors, counts(bus, "rej").delivered], [1, 0]);
  assert.equal(bus.describe().inFlight, 0);
  await bus.shutdown();
});

Deno.test("requests: a sync answer is a frozen copy and counts as delivered", async () => {
  const { bus, live } = makeBus();
  const kept = { n: 1 };
  live("r/resp").respond("q", () => kept);
  const answer = await live("x/caller").request<{ n: number }>("q");
  assert.deepEqual(answer, { n: 1 });
  assert.notEqual(answer, kept);
  assert.ok(Object.isFrozen(answer));
  assert.equal(counts(bus, "q").delivered, 1);
  await bus.shutdown();
});

Deno.test("requests: an async responder's work counts for its generation's drain", async () => {
  const { bus, live } = makeBus();
  let finished = false;
  live("r/resp").respond("q", async () => {
    await tick(15);
    finished = true;
    return 1;
  });
  const answer = live("x/caller").request("q");
  assert.equal(bus.describe().inFlight, 1);
  await bus.drain("r/resp", 1, 1000);
  assert.equal(finished, true);
  assert.equal(await answer, 1);
  assert.equal(bus.describe().inFlight, 0);
  await bus.shutdown();
});

Deno.test("requests: respond refuses a non-function handler and a second responder", async () => {
  const { bus, live } = makeBus();
  const a = live("inv/a");
  assert.throws(
    () => a.respond("q", 1 as unknown as () => void),
    (e) => e instanceof TypeError && e.message === 'respond("q"): handler must be a function',
  );
  a.respond("q", () => 1);
  assert.throws(
    () => a.respond("q", () => 2),
    busError("responder_conflict", 'inv/a already responds to "q"'),
  );
  assert.throws(
    () => live("inv/b").respond("q", () => 3),
    busError(
      "responder_conflict",
      '"q" already has a responder, inv/a; inv/b cannot respond to it too',
    ),
  );
  a.respond("other", () => 4);
  assert.deepEqual(bus.describe().responders, { q: "inv/a", other: "inv/a" });
  await bus.shutdown();
});

Deno.test("requests: the function respond returns stops answering", async () => {
  const { bus, live } = makeBus();
  const stop = live("r/resp").respond("q", () => 1);
  const c = live("x/caller");
  assert.equal(await c.request("q"), 1);
  stop();
  await assert.rejects(c.request("q"), busError("no_responder", 'no plugin responds to "q"'));
  assert.deepEqual(bus.describe().responders, {});
  assert.equal(bus.describeOwner("r/resp"), undefined);
  live("r/other").respond("q", () => 2);
  assert.equal(await c.request("q"), 2, "another plugin may take the name");
  await bus.shutdown();
});

Deno.test("requests: a replaced generation cannot respond any more", async () => {
  const { bus, log, live } = makeBus();
  const old = bus.forOwner(owner("r/resp", 1));
  bus.activate(owner("r/resp", 1));
  live("r/resp", 2);
  const stop = old.respond("q", () => 1);
  stop();
  assert.deepEqual(bus.describe().responders, {});
  assert.deepEqual(log.lines.map((l) => [l.level, l.message, l.props]), [[
    "warn",
    'ignored respond("q") from a replaced generation of r/resp',
    { plugin: "r/resp", generation: 1, live: 2 },
  ]]);
  await bus.shutdown();
});

Deno.test("requests: an invalid request name rejects (does not throw)", async () => {
  const { bus, live } = makeBus();
  const p = live("x/caller").request("a..b");
  await assert.rejects(
    p,
    busError(
      "invalid_name",
      'invalid event name "a..b": segments must be non-empty and without wildcards',
    ),
  );
  await bus.shutdown();
});

Deno.test("requests: answering another instance's request with the local responder", async () => {
  const { bus, driver, live } = makeFakeBus();
  const host = driver.host!;
  await assert.rejects(
    host.answer(envelope("q")),
    busError("no_responder", 'no plugin responds to "q"'),
  );
  let seen: Envelope | undefined;
  live("r/resp").respond("q", async (req) => {
    seen = req;
    await tick(5);
    return { got: req.payload };
  });
  live("r/resp").respond("bad", () => {
    throw new Error("broken");
  });
  const env = envelope("q", { n: 1 });
  const pending = host.answer(env);
  assert.equal(bus.describe().inFlight, 1);
  const value = await pending;
  assert.deepEqual(value, { got: { n: 1 } });
  assert.ok(Object.isFrozen(value));
  assert.equal(seen, env, "the responder gets the envelope as it came");
  assert.equal(bus.describe().inFlight, 0);
  await assert.rejects(
    host.answer(envelope("bad")),
    busError("responder_error", 'responder r/resp of "bad" failed: broken'),
  );
  assert.equal(bus.describe().inFlight, 0);
  assert.deepEqual([counts(bus, "q").delivered, counts(bus, "bad").errors], [1, 1]);
  await bus.shutdown();
  await assert.rejects(
    host.answer(envelope("q")),
    busError("no_responder", 'no plugin responds to "q"'),
    "closed: no local responder any more",
  );
});

Deno.test("requests: with no local responder a routing driver asks the others", async () => {
  const asked: [Envelope, number][] = [];
  const answers: Record<string, () => Promise<unknown>> = {
    ok: () => Promise.resolve({ v: 1 }),
    slow: () => Promise.reject(new BusError("timeout", "remote timeout")),
    bad: () => Promise.reject(new BusError("responder_error", "remote broke")),
    gone: () => Promise.reject(new BusError("no_responder", "nobody")),
  };
  const driver = new FakeDriver(true, (env, ms) => {
    asked.push([env, ms]);
    return answers[env.name]();
  });
  const { bus, live } = makeFakeBus(driver);
  const c = live("x/caller");
  live("r/local").respond("local", () => "here");
  assert.equal(await c.request("local"), "here", "a local responder answers without a hop");
  assert.deepEqual(await c.request("ok", { a: 1 }, { correlationId: "c-1" }), { v: 1 });
  await assert.rejects(
    c.request("slow", null, { timeout: 40 }),
    busError("timeout", "remote timeout"),
  );
  await assert.rejects(c.request("bad"), busError("responder_error", "remote broke"));
  await assert.rejects(c.request("gone"), busError("no_responder", "nobody"));
  assert.deepEqual(asked.map(([e, ms]) => [e.name, ms]), [
    ["ok", 5000],
    ["slow", 40],
    ["bad", 5000],
    ["gone", 5000],
  ]);
  const [okEnv] = asked[0];
  assert.deepEqual(
    [okEnv.payload, okEnv.source, okEnv.correlationId],
    [{ a: 1 }, "x/caller", "c-1"],
  );
  assert.deepEqual(
    ["ok", "slow", "bad", "gone"].map((n) => {
      const c = counts(bus, n);
      return [c.requests, c.delivered, c.timeouts, c.errors];
    }),
    [[1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1], [1, 0, 0, 0]],
  );
  await bus.shutdown();
});

Deno.test("requests: a remote request failing because the bus shut down is closed", async () => {
  let fail!: (e: unknown) => void;
  const driver = new FakeDriver(true, () => new Promise((_, r) => fail = r));
  const { bus, live } = makeFakeBus(driver);
  const pending = live("x/caller").request("q");
  await bus.shutdown();
  const cause = new Error("connection closed");
  fail(cause);
  await assert.rejects(pending, (e) => {
    busError("closed", 'request "q": the event bus shut down')(e);
    assert.equal((e as Error).cause, cause);
    return true;
  });
});

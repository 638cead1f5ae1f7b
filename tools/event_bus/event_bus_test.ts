/**
 * The bus as plugins use it, in-process: delivery, wildcards, isolation, retries, dead letters,
 * groups, request–response, reloads, status, quiesce, drain and shutdown.
 * @module
 */
import assert from "node:assert/strict";
import { BusError } from "./errors.ts";
import type { DeadLetter, Envelope } from "./types.ts";
import { makeBus, owner, tick } from "./test_helpers.ts";

type Bus = ReturnType<typeof makeBus>;

/** Run `fn` with a fresh bus and always shut it down (no leaked timers). */
function busTest(name: string, fn: (b: Bus) => Promise<void> | void) {
  Deno.test(`bus: ${name}`, async () => {
    const b = makeBus();
    try {
      await fn(b);
    } finally {
      await b.bus.shutdown();
    }
  });
}

const isCode = (code: string) => (e: unknown) => e instanceof BusError && e.code === code;

busTest(
  "publish returns before delivery; envelope carries id, source, time, correlation",
  async ({ live }) => {
    const pub = live("shop/create_product");
    const sub = live("mail/notify");
    const got: Envelope[] = [];
    sub.subscribe("product.created", (e) => void got.push(e));
    pub.publish("product.created", { id: 7 });
    assert.equal(got.length, 0, "delivery is asynchronous");
    await tick();
    assert.equal(got.length, 1);
    const [e] = got;
    assert.equal(e.name, "product.created");
    assert.deepEqual(e.payload, { id: 7 });
    assert.equal(e.source, "shop/create_product");
    assert.equal(e.correlationId, e.id);
    assert.ok(typeof e.id === "string" && e.id.length > 0);
    assert.ok(Math.abs(e.time - Date.now()) < 1000);
    pub.publish("product.created", {}, { correlationId: "req-1" });
    await tick();
    assert.equal(got[1].correlationId, "req-1");
    assert.notEqual(got[1].id, got[0].id);
  },
);

busTest("wildcards: * is one segment, ** many, exact names only themselves", async ({ live }) => {
  const p = live("a/pub");
  const s = live("b/sub");
  const seen: Record<string, string[]> = { exact: [], star: [], lead: [], multi: [] };
  s.subscribe("product.created", (e) => void seen.exact.push(e.name));
  s.subscribe("product.*", (e) => void seen.star.push(e.name));
  s.subscribe("*.created", (e) => void seen.lead.push(e.name));
  s.subscribe("product.**", (e) => void seen.multi.push(e.name));
  for (const n of ["product.created", "product.updated", "order.created", "product.img.added"]) {
    p.publish(n, null);
  }
  await tick();
  assert.deepEqual(seen.exact, ["product.created"]);
  assert.deepEqual(seen.star, ["product.created", "product.updated"]);
  assert.deepEqual(seen.lead, ["product.created", "order.created"]);
  assert.deepEqual(seen.multi, ["product.created", "product.updated", "product.img.added"]);
});

busTest("wildcard cache follows subscribe/unsubscribe", async ({ live }) => {
  const p = live("a/pub");
  const s = live("b/sub");
  let n = 0;
  p.publish("x.y", 1);
  await tick();
  const off = s.subscribe("x.*", () => void n++);
  p.publish("x.y", 1);
  await tick();
  off();
  p.publish("x.y", 1);
  await tick();
  assert.equal(n, 1);
});

busTest(
  "copy isolation: publisher changes and subscriber writes are not seen by others",
  async ({ live }) => {
    const p = live("a/pub");
    const s = live("b/sub");
    const payload = { items: [{ qty: 1 }] };
    const seen: number[] = [];
    let writeError: unknown;
    s.subscribe("order.placed", (e) => {
      const pl = e.payload as typeof payload;
      try {
        pl.items[0].qty = 999;
      } catch (err) {
        writeError = err;
      }
    });
    s.subscribe("order.placed", (e) => void seen.push((e.payload as typeof payload).items[0].qty));
    p.publish("order.placed", payload);
    payload.items[0].qty = 42; // after publish: must not leak into the event
    await tick();
    assert.deepEqual(seen, [1]);
    assert.ok(writeError instanceof TypeError, "payload is frozen");
    assert.equal(payload.items[0].qty, 42, "publisher keeps a writable object");
  },
);

busTest("non-plain payloads get a private clone per subscriber", async ({ live }) => {
  const p = live("a/pub");
  const s = live("b/sub");
  const maps: Map<string, number>[] = [];
  s.subscribe("m", (e) => {
    const m = e.payload as Map<string, number>;
    m.set("k", 99);
    maps.push(m);
  });
  s.subscribe("m", (e) => void maps.push(e.payload as Map<string, number>));
  p.publish("m", new Map([["k", 1]]));
  await tick();
  assert.equal(maps.length, 2);
  assert.notEqual(maps[0], maps[1]);
  assert.equal(maps[1].get("k"), 1);
});

busTest(
  "a throwing subscriber does not affect others or the publisher; logged and counted",
  async ({ bus, log, live }) => {
    const p = live("a/pub");
    const s1 = live("b/bad");
    const s2 = live("c/good");
    let good = 0;
    s1.subscribe("evt", () => {
      throw new Error("boom");
    });
    s1.subscribe("evt", () => Promise.reject(new Error("async boom")));
    s2.subscribe("evt", () => void good++);
    p.publish("evt", {});
    p.publish("evt", {});
    await tick();
    assert.equal(good, 2);
    const errs = log.lines.filter((l) => l.level === "error");
    assert.equal(errs.length, 4);
    assert.equal(errs[0].props?.plugin, "b/bad");
    assert.equal(errs[0].props?.event, "evt");
    assert.match(String(errs[0].props?.error), /boom/);
    const ev = (bus.describe().events as Record<string, Record<string, number>>).evt;
    assert.equal(ev.published, 2);
    assert.equal(ev.delivered, 2);
    assert.equal(ev.failed, 4);
    assert.equal(ev.errors, 4);
  },
);

busTest(
  "a hanging subscriber times out (timeoutMs) without blocking others",
  async ({ bus, log, live }) => {
    const p = live("a/pub");
    const s = live("b/sub");
    let good = 0;
    s.subscribe("evt", () => new Promise(() => {}), { timeoutMs: 20 });
    s.subscribe("evt", () => void good++);
    p.publish("evt", 1);
    await tick();
    assert.equal(good, 1);
    await tick(40);
    const err = log.lines.find((l) => l.level === "error");
    assert.ok(err, "timeout logged");
    assert.match(err.message, /did not settle within 20 ms/);
    const ev = (bus.describe().events as Record<string, Record<string, number>>).evt;
    assert.equal(ev.failed, 1);
    assert.equal(bus.describe().inFlight, 0);
  },
);

busTest(
  "retries with exponential backoff, then a dead letter _dlq.<name>",
  async ({ bus, live }) => {
    const p = live("a/pub");
    const s = live("b/flaky");
    const watcher = live("ops/dlq");
    const times: number[] = [];
    s.subscribe("job.run", () => {
      times.push(performance.now());
      throw new Error(`fail ${times.length}`);
    }, { retries: 2, backoffMs: 10 });
    const letters: Envelope<DeadLetter>[] = [];
    watcher.subscribe<DeadLetter>("_dlq.**", (e) => void letters.push(e));
    p.publish("job.run", { n: 1 }, { correlationId: "c1" });
    await tick(100);
    assert.equal(times.length, 3, "1 attempt + 2 retries");
    assert.ok(times[1] - times[0] >= 9, `first backoff ~10 ms, was ${times[1] - times[0]}`);
    assert.ok(times[2] - times[1] >= 19, `second backoff ~20 ms, was ${times[2] - times[1]}`);
    assert.equal(letters.length, 1);
    const [dl] = letters;
    assert.equal(dl.name, "_dlq.job.run");
    assert.equal(dl.source, "event_bus");
    assert.equal(dl.correlationId, "c1");
    assert.equal(dl.payload.subscriber, "b/flaky");
    assert.equal(dl.payload.attempts, 3);
    assert.equal(dl.payload.error.message, "fail 3");
    assert.deepEqual(dl.payload.event.payload, { n: 1 });
    const ev = (bus.describe().events as Record<string, Record<string, number>>)["job.run"];
    assert.equal(ev.errors, 3);
    assert.equal(ev.failed, 1);
    assert.equal(ev.deadLettered, 1);
  },
);

busTest("a retry that succeeds counts as delivered, no dead letter", async ({ bus, live }) => {
  const p = live("a/pub");
  const s = live("b/flaky");
  let calls = 0;
  s.subscribe("job.run", () => {
    if (++calls === 1) throw new Error("once");
  }, { retries: 3, backoffMs: 1 });
  p.publish("job.run", 1);
  await tick(20);
  assert.equal(calls, 2);
  const ev = (bus.describe().events as Record<string, Record<string, number>>)["job.run"];
  assert.deepEqual([ev.delivered, ev.errors, ev.failed, ev.deadLettered], [1, 1, 0, 0]);
});

busTest(
  "groups: one delivery per group per event, round robin; others still get copies",
  async ({ live }) => {
    const p = live("a/pub");
    const got: string[] = [];
    for (const id of ["w/one", "w/two", "w/three"]) {
      live(id).subscribe("task.new", () => void got.push(id), { group: "workers" });
    }
    let audit = 0;
    live("audit/all").subscribe("task.*", () => void audit++);
    for (let i = 0; i < 6; i++) p.publish("task.new", i);
    await tick();
    assert.equal(got.length, 6);
    assert.equal(audit, 6);
    for (const id of ["w/one", "w/two", "w/three"]) {
      assert.equal(got.filter((g) => g === id).length, 2, `${id} gets its share`);
    }
  },
);

busTest("request/respond round trip with copies", async ({ live }) => {
  const r = live("stock/level");
  const c = live("shop/checkout");
  r.respond<{ sku: string }, { sku: string; qty: number }>("stock.level", (req) => {
    assert.equal(req.source, "shop/checkout");
    return { sku: req.payload.sku, qty: 3 };
  });
  r.respond("stock.slow", async () => {
    await tick(1);
    return "late";
  });
  assert.deepEqual(await c.request("stock.level", { sku: "A1" }), { sku: "A1", qty: 3 });
  assert.equal(await c.request("stock.slow"), "late");
});

busTest(
  "request: no_responder at once, timeout after the given ms, responder_error",
  async ({ bus, live }) => {
    const r = live("slow/one");
    const c = live("x/caller");
    await assert.rejects(c.request("nobody.home", {}), isCode("no_responder"));
    r.respond("slow.op", () => new Promise(() => {}));
    const t0 = performance.now();
    await assert.rejects(c.request("slow.op", {}, { timeout: 30 }), (e) => {
      assert.ok(e instanceof BusError && e.code === "timeout");
      assert.match(e.message, /slow\/one/);
      return true;
    });
    assert.ok(performance.now() - t0 >= 25);
    r.respond("bad.op", () => {
      throw new Error("nope");
    });
    await assert.rejects(c.request("bad.op"), isCode("responder_error"));
    const ev = (bus.describe().events as Record<string, Record<string, number>>)["slow.op"];
    assert.equal(ev.timeouts, 1);
  },
);

busTest(
  "responder conflict names both plugins; a new generation of the same id replaces",
  async ({ bus, live }) => {
    const a = live("inv/a");
    a.respond("inv.count", () => 1);
    const b = live("inv/b");
    assert.throws(() => b.respond("inv.count", () => 2), (e) => {
      assert.ok(e instanceof BusError && e.code === "responder_conflict");
      assert.match(e.message, /inv\/a/);
      assert.match(e.message, /inv\/b/);
      return true;
    });
    const a2o = owner("inv/a", 2);
    const a2 = bus.forOwner(a2o);
    a2.respond("inv.count", () => 2);
    assert.equal(await b.request("inv.count"), 1, "staged responder is not live yet");
    bus.activate(a2o);
    assert.equal(await b.request("inv.count"), 2);
  },
);

busTest(
  "staged generation receives nothing until activate; then the old one is gone",
  async ({ bus, live }) => {
    const p = live("a/pub");
    const calls: string[] = [];
    live("b/sub", 1).subscribe("e", () => void calls.push("v1"));
    const v2 = owner("b/sub", 2);
    bus.forOwner(v2).subscribe("e", () => void calls.push("v2"));
    p.publish("e", 1);
    await tick();
    assert.deepEqual(calls, ["v1"]);
    bus.activate(v2);
    p.publish("e", 2);
    await tick();
    assert.deepEqual(calls, ["v1", "v2"]);
  },
);

busTest("release removes exactly that owner's registrations", async ({ bus, live }) => {
  const p = live("a/pub");
  const calls: string[] = [];
  live("b/one").subscribe("e", () => void calls.push("one"));
  live("c/two").subscribe("e", () => void calls.push("two"));
  live("b/one").respond("q", () => 1);
  bus.release("b/one");
  p.publish("e", 1);
  await tick();
  assert.deepEqual(calls, ["two"]);
  await assert.rejects(p.request("q"), isCode("no_responder"));
  assert.equal(bus.describeOwner("b/one"), undefined);
});

busTest(
  "release of a failed staged generation leaves the live one serving",
  async ({ bus, live }) => {
    const p = live("a/pub");
    const calls: string[] = [];
    live("b/sub", 1).subscribe("e", () => void calls.push("v1"));
    bus.forOwner(owner("b/sub", 2)).subscribe("e", () => void calls.push("v2"));
    bus.release("b/sub", 2);
    p.publish("e", 1);
    await tick();
    assert.deepEqual(calls, ["v1"]);
  },
);

busTest("exactly once per event after 10 reloads, nothing leaks", async ({ bus, live }) => {
  const p = live("a/pub");
  const calls: number[] = [];
  for (let gen = 1; gen <= 11; gen++) {
    const o = owner("b/sub", gen);
    const api = bus.forOwner(o);
    api.subscribe("e", () => void calls.push(gen));
    api.subscribe("e.*", () => {});
    api.respond("b.ping", () => gen);
    bus.activate(o);
  }
  p.publish("e", 1);
  await tick();
  assert.deepEqual(calls, [11]);
  assert.equal(await p.request("b.ping"), 11);
  const subs = bus.describe().subscriptions as unknown[];
  assert.equal(subs.length, 2);
  assert.deepEqual(bus.describeOwner("b/sub"), {
    subscribes: ["e", "e.*"],
    responds: ["b.ping"],
    publishes: [],
  });
});

busTest("a replaced generation cannot add subscriptions any more", async ({ bus, log, live }) => {
  const p = live("a/pub");
  const old = bus.forOwner(owner("b/sub", 1));
  bus.activate(owner("b/sub", 1));
  bus.activate(owner("b/sub", 2));
  let n = 0;
  old.subscribe("e", () => void n++);
  p.publish("e", 1);
  await tick();
  assert.equal(n, 0);
  assert.ok(log.lines.some((l) => l.level === "warn" && /replaced generation/.test(l.message)));
});

busTest(
  "describe and describeOwner report counts, publishers and subscribers",
  async ({ bus, live }) => {
    const p = live("shop/create");
    const s = live("mail/notify");
    s.subscribe("product.*", () => {}, { group: "mailers" });
    s.respond("mail.count", () => 0);
    p.publish("product.created", { id: 1 });
    p.publish("product.created", { id: 2 });
    await tick();
    const ev =
      (bus.describe().events as Record<string, Record<string, unknown>>)["product.created"];
    assert.equal(ev.published, 2);
    assert.equal(ev.delivered, 2);
    assert.deepEqual(ev.publishers, ["shop/create"]);
    assert.deepEqual(ev.subscribers, ["mail/notify"]);
    assert.deepEqual(bus.describeOwner("shop/create"), {
      subscribes: [],
      responds: [],
      publishes: ["product.created"],
    });
    assert.deepEqual(bus.describeOwner("mail/notify"), {
      subscribes: ["product.* (group mailers)"],
      responds: ["mail.count"],
      publishes: [],
    });
  },
);

busTest(
  "quiesce waits for in-flight handlers, then drops later publishes",
  async ({ bus, log, live }) => {
    const p = live("a/pub");
    let finished = 0;
    live("b/sub").subscribe("slow", async () => {
      await tick(20);
      finished++;
    });
    p.publish("slow", 1);
    await bus.quiesce(1000);
    assert.equal(finished, 1);
    p.publish("slow", 2);
    await tick(30);
    assert.equal(finished, 1);
    assert.equal(bus.describe().dropped, 1);
    assert.ok(log.lines.some((l) => l.level === "warn" && /dropped/.test(l.message)));
    await assert.rejects(p.request("x"), isCode("closed"));
  },
);

busTest("quiesce is bounded by its timeout when a handler hangs", async ({ bus, live }) => {
  const p = live("a/pub");
  live("b/sub").subscribe("hang", () => new Promise(() => {}));
  p.publish("hang", 1);
  const t0 = performance.now();
  await bus.quiesce(30);
  const took = performance.now() - t0;
  assert.ok(took >= 25 && took < 500, `took ${took}`);
});

busTest("shutdown cancels pending retries and fails pending requests", async ({ bus, live }) => {
  const p = live("a/pub");
  const s = live("b/sub");
  let calls = 0;
  s.subscribe("e", () => {
    calls++;
    throw new Error("x");
  }, { retries: 5, backoffMs: 10_000 });
  s.respond("q", () => new Promise(() => {}));
  p.publish("e", 1);
  await tick();
  const pending = p.request("q", null, { timeout: 60_000 });
  await bus.shutdown();
  await assert.rejects(pending, isCode("closed"));
  assert.equal(calls, 1);
  // the sanitizers fail this test if a 10 s retry timer or the 60 s request timer survived
});

busTest("drain waits for one owner generation's handlers", async ({ bus, live }) => {
  const p = live("a/pub");
  let done = false;
  live("b/sub").subscribe("e", async () => {
    await tick(15);
    done = true;
  });
  p.publish("e", 1);
  await tick();
  await bus.drain("b/sub", 1, 1000);
  assert.ok(done);
});

busTest("invalid names throw at once", ({ live }) => {
  const p = live("a/pub");
  assert.throws(() => p.publish("a.*", 1), isCode("invalid_name"));
  assert.throws(() => p.subscribe("a..b", () => {}), isCode("invalid_name"));
  assert.throws(() => p.respond("a.*", () => {}), isCode("invalid_name"));
});

busTest("dead letters of dead letters are not sent (no loops)", async ({ bus, live }) => {
  const p = live("a/pub");
  const s = live("b/sub");
  s.subscribe("**", () => {
    throw new Error("hates everything");
  });
  p.publish("e", 1);
  await tick(10);
  const events = bus.describe().events as Record<string, Record<string, number>>;
  assert.equal(events.e.deadLettered, 1);
  assert.equal(events["_dlq.e"].published, 1);
  assert.equal(events["_dlq.e"].deadLettered, 0);
  assert.equal(events["_dlq._dlq.e"], undefined);
});

busTest("drain of a replaced generation still waits for its handlers", async ({ bus, live }) => {
  const p = live("a/pub");
  let done = false;
  live("b/sub", 1).subscribe("e", async () => {
    await tick(15);
    done = true;
  });
  p.publish("e", 1);
  await tick();
  bus.activate(owner("b/sub", 2)); // reload: v1's subscription is gone, its handler still runs
  await bus.drain("b/sub", 1, 1000);
  assert.ok(done);
});

busTest("a sync responder that returns an unclonable value fails the request", async ({ live }) => {
  const r = live("a/resp");
  r.respond("f", () => () => 1);
  await assert.rejects(live("b/caller").request("f"), isCode("responder_error"));
});

busTest("a released subscriber's pending retry never runs", async ({ bus, live }) => {
  const pub = live("shop/pub");
  const calls: string[] = [];
  const sub = live("mail/flaky");
  sub.subscribe("job.run", () => {
    calls.push("mail/flaky");
    throw new Error("first attempt fails");
  }, { retries: 3, backoffMs: 30 });
  const other = live("mail/steady");
  other.subscribe("job.run", () => {
    calls.push("mail/steady");
    if (calls.filter((c) => c === "mail/steady").length === 1) throw new Error("once");
  }, { retries: 3, backoffMs: 30 });
  pub.publish("job.run", {});
  await tick(5);
  assert.deepEqual(calls.sort(), ["mail/flaky", "mail/steady"], "both failed once");
  bus.release("mail/flaky"); // unloaded during its backoff
  await tick(150);
  assert.equal(calls.filter((c) => c === "mail/flaky").length, 1, "its retry never ran");
  assert.equal(
    calls.filter((c) => c === "mail/steady").length,
    2,
    "the other owner's retry still ran",
  );
});

busTest(
  "a reloaded subscriber's pending retry never runs on the old generation",
  async ({ bus, live }) => {
    const pub = live("shop/pub");
    const calls: number[] = [];
    live("mail/flaky", 1).subscribe("job.run", () => {
      calls.push(1);
      throw new Error("generation 1 fails");
    }, { retries: 3, backoffMs: 30 });
    pub.publish("job.run", {});
    await tick(5);
    const g2 = bus.forOwner(owner("mail/flaky", 2));
    g2.subscribe("job.run", () => void calls.push(2));
    bus.activate(owner("mail/flaky", 2)); // the reload switches during the backoff
    await tick(150);
    assert.deepEqual(calls, [1], "generation 1 ran once; its retry was dropped with it");
  },
);

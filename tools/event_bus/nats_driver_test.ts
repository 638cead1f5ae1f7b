/**
 * The NATS driver against the real server at nats://127.0.0.1:4222 (the driver's default;
 * JetStream on). Two EventBusTool objects stand for two app instances; each test uses its own
 * stream, deleted afterwards. Skipped, with a message, when no server answers.
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { BusError } from "./errors.ts";
import { EventBusTool } from "./tool.ts";
import { NatsDriver } from "./nats_driver.ts";
import { owner } from "./test_helpers.ts";
import type { DeadLetter, Envelope } from "./types.ts";

/** The server the tests use: `NATS_URL`, else the driver's default. */
const URL = Deno.env.get("NATS_URL") || "nats://127.0.0.1:4222";

async function reachable(): Promise<boolean> {
  const u = new globalThis.URL(URL.split(",")[0].replace(/^nats:/, "http:"));
  try {
    const c = await Deno.connect({ hostname: u.hostname, port: Number(u.port || 4222) });
    c.close();
    return true;
  } catch {
    return false;
  }
}
const up = await reachable();
if (!up) console.warn(`nats_driver_test: no NATS server at ${URL}; NATS tests skipped`);

/** One app instance: a bus on the shared stream. */
async function instance(stream: string) {
  const bus = new EventBusTool({
    driver: new NatsDriver({ url: URL, stream, storage: "memory", ackWaitMs: 400 }),
  });
  const log = recordingLog();
  await bus.setup(standaloneContext({ log }));
  const live = (id: string) => {
    const o = owner(id);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  return { bus, log, live };
}
type Instance = Awaited<ReturnType<typeof instance>>;

function natsTest(name: string, fn: (a: Instance, b: Instance) => Promise<void>) {
  Deno.test({ name: `nats: ${name}`, ignore: !up }, async () => {
    const stream = `mctest_${crypto.randomUUID().slice(0, 8)}`;
    const a = await instance(stream);
    const b = await instance(stream);
    try {
      await fn(a, b);
    } finally {
      await a.bus.shutdown();
      await b.bus.shutdown();
      const nc = await connect({ servers: URL });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
      await nc.close();
    }
  });
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

natsTest("an event published on A reaches subscribers on A and B; wildcards", async (a, b) => {
  const pub = a.live("shop/create");
  const got: string[] = [];
  a.live("mail/notify").subscribe("product.created", (e) => void got.push(`A:${e.name}`));
  const bs = b.live("audit/log");
  bs.subscribe("product.*", (e) => void got.push(`B*:${e.name}`));
  bs.subscribe("**.img.**", (e) => void got.push(`B**:${e.name}`));
  bs.subscribe("order.*", (e) => void got.push(`Border:${e.name}`));
  let env: Envelope | undefined;
  bs.subscribe("product.created", (e) => void (env = e));
  await Promise.all([a.bus.settled(), b.bus.settled()]);
  pub.publish("product.created", { id: 7, tags: ["x"] }, { correlationId: "c-1" });
  pub.publish("product.img.added", { id: 7 });
  await until(() => got.length >= 3 && env !== undefined);
  await pause(50); // nothing more arrives
  assert.deepEqual(got.sort(), [
    "A:product.created",
    "B**:product.img.added",
    "B*:product.created",
  ], "* is one segment, ** any; order.* sees nothing");
  assert.equal(env!.source, "shop/create");
  assert.equal(env!.correlationId, "c-1");
  assert.deepEqual(env!.payload, { id: 7, tags: ["x"] });
  assert.throws(() => ((env!.payload as { id: number }).id = 1), TypeError, "payload frozen");
});

natsTest("replicas in one group share events; another group gets its own copy", async (a, b) => {
  const pub = a.live("shop/create");
  const mailer: string[] = [];
  const audit: string[] = [];
  // Two replicas of one plugin (group "mailer"), one on each instance; "audit" only on B.
  a.live("mail/send").subscribe("order.*", (e) => void mailer.push(`A ${e.id}`), {
    group: "mailer",
  });
  b.live("mail/send").subscribe("order.*", (e) => void mailer.push(`B ${e.id}`), {
    group: "mailer",
  });
  b.live("audit/rec").subscribe("order.**", (e) => void audit.push(e.id), { group: "audit" });
  await Promise.all([a.bus.settled(), b.bus.settled()]);
  const N = 40;
  for (let i = 0; i < N; i++) pub.publish("order.placed", { i });
  await until(() => mailer.length >= N && audit.length >= N);
  await pause(100); // no duplicates trickle in
  assert.equal(mailer.length, N, "one delivery per event for the group, across instances");
  assert.equal(new Set(mailer.map((m) => m.split(" ")[1])).size, N);
  assert.equal(audit.length, N);
  assert.equal(new Set(audit).size, N);
});

natsTest(
  "a failing subscriber is retried and dead-lettered, the letter crosses instances",
  async (a, b) => {
    const pub = a.live("shop/create");
    let tries = 0;
    b.live("flaky/worker").subscribe("job.run", () => {
      if (++tries < 3) throw new Error("not yet");
    }, { group: "workers", retries: 2, backoffMs: 5 });
    let fails = 0;
    b.live("broken/sub").subscribe("job.run", () => {
      fails++;
      throw new Error("always");
    }, { retries: 1, backoffMs: 5 });
    const letters: DeadLetter[] = [];
    a.live("ops/dlq").subscribe<DeadLetter>("_dlq.**", (e) => void letters.push(e.payload));
    await Promise.all([a.bus.settled(), b.bus.settled()]);
    pub.publish("job.run", { n: 1 });
    await until(() => tries === 3 && letters.length === 1);
    await pause(50);
    assert.equal(tries, 3, "group subscriber retried until it succeeded, not redelivered");
    assert.equal(fails, 2);
    assert.equal(letters.length, 1);
    assert.equal(letters[0].subscriber, "broken/sub");
    assert.equal(letters[0].attempts, 2);
    assert.equal(letters[0].event.name, "job.run");
    const ev = (b.bus.describe().events as Record<string, Record<string, number>>)["job.run"];
    assert.equal(ev.errors, 4, "2 for the flaky one, 2 for the broken one");
    assert.equal(ev.failed, 1);
    assert.equal(ev.deadLettered, 1);
    assert.ok(b.log.lines.some((l) => l.level === "error" && l.message.includes("broken/sub")));
  },
);

natsTest(
  "a group event unfinished when an instance stops is redelivered to another",
  async (a, b) => {
    const pub = a.live("shop/create");
    let release!: () => void;
    const hang = new Promise<void>((r) => release = r);
    const seenB: string[] = [];
    b.live("mail/send").subscribe("mail.send", (e) => {
      seenB.push(e.id);
      return hang;
    }, { group: "mailer" });
    await b.bus.settled();
    pub.publish("mail.send", { to: "x@y" });
    await until(() => seenB.length === 1);
    await b.bus.quiesce(20); // the handler is still running: B stops without acknowledging
    await b.bus.shutdown();
    const seenA: string[] = [];
    a.live("mail/send").subscribe("mail.send", (e) => void seenA.push(e.id), { group: "mailer" });
    await a.bus.settled();
    await until(() => seenA.length === 1, 3000); // after ack_wait (400 ms here)
    assert.deepEqual(seenA, seenB, "the same event, at least once");
    release();
  },
);

natsTest("request/respond across instances, with the bus's error codes", async (a, b) => {
  const asker = a.live("shop/checkout");
  const stock = b.live("inventory/stock");
  stock.respond<{ sku: string }, unknown>("stock.level", (r) => ({ sku: r.payload.sku, n: 3 }));
  stock.respond("stock.boom", () => {
    throw new Error("db down");
  });
  stock.respond("stock.slow", () => new Promise((r) => setTimeout(() => r(1), 300)));
  stock.respond("stock.when", () => new Date(0));
  await Promise.all([a.bus.settled(), b.bus.settled()]);
  assert.deepEqual(await asker.request("stock.level", { sku: "A1" }), { sku: "A1", n: 3 });
  const when = await asker.request("stock.when");
  assert.ok(when instanceof Date && when.getTime() === 0, "non-JSON answers survive");
  const code = (c: string) => (e: unknown) => e instanceof BusError && e.code === c;
  await assert.rejects(asker.request("nobody.answers"), code("no_responder"));
  await assert.rejects(asker.request("stock.boom"), code("responder_error"));
  await assert.rejects(asker.request("stock.slow", null, { timeout: 50 }), code("timeout"));
  await pause(300); // let the slow responder finish before shutdown
});

natsTest("payloads that are not plain data arrive intact; odd names are carried", async (a, b) => {
  const pub = a.live("x/pub");
  const got: Envelope[] = [];
  b.live("x/sub").subscribe("weird.*", (e) => void got.push(e));
  await b.bus.settled();
  pub.publish("weird.na me>", new Map([["k", 1n]]));
  await until(() => got.length === 1);
  assert.equal(got[0].name, "weird.na me>");
  assert.deepEqual(got[0].payload, new Map([["k", 1n]]));
});

Deno.test(
  { name: "nats: setup fails with a clear error naming the URL", ignore: !up },
  async () => {
    const url = "nats://127.0.0.1:1";
    const bus = new EventBusTool({ driver: new NatsDriver({ url }) });
    await assert.rejects(
      async () => await bus.setup(standaloneContext()),
      (e: Error) => e.message.includes(url) && e.message.includes("cannot connect"),
    );
    await bus.shutdown();
  },
);

Deno.test({ name: "nats: EVENT_BUS_DRIVER=nats selects the driver", ignore: !up }, async () => {
  const stream = `mctest_${crypto.randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    EVENT_BUS_DRIVER: "nats",
    EVENT_BUS_STREAM: stream,
    NATS_URL: URL,
  };
  const bus = new EventBusTool();
  await bus.setup(standaloneContext({ env }));
  try {
    assert.equal(bus.describe().driver, "nats");
  } finally {
    await bus.shutdown();
    const nc = await connect({ servers: URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
    await nc.close();
  }
  const bad = new EventBusTool();
  const kafka = standaloneContext({ env: { EVENT_BUS_DRIVER: "kafka" } });
  assert.throws(() => bad.setup(kafka), /EVENT_BUS_DRIVER=kafka.*in_process, nats/);
  await bad.shutdown();
});

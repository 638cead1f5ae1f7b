/**
 * Group consumers and responder subscriptions against the real NATS server: following the
 * registrations, taking over a group's consumer, keeping slow events alive, acknowledging,
 * and the error answers of requests. Each test uses its own stream; skipped with no server.
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { BusError, type BusErrorCode } from "./errors.ts";
import type { Deliver, DriverHost } from "./driver.ts";
import { NatsConsumers } from "./nats_consumers.ts";
import { encodeEnvelope } from "./nats_codec.ts";
import { NatsDriver } from "./nats_driver.ts";
import { EventBusTool } from "./tool.ts";
import {
  deleteStreams,
  envelope,
  NATS_URL,
  natsReachable,
  owner,
  testStream,
  tick,
  until,
} from "./test_helpers.ts";
import type { Envelope } from "./types.ts";

const up = await natsReachable();

async function instance(stream: string, ackWaitMs = 400) {
  const bus = new EventBusTool({
    driver: new NatsDriver({ url: NATS_URL, stream, storage: "memory", ackWaitMs }),
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

function natsTest(name: string, fn: (stream: string) => Promise<void>) {
  Deno.test({ name: `nats consumers: ${name}`, ignore: !up }, async () => {
    const stream = testStream();
    try {
      await fn(stream);
    } finally {
      await deleteStreams(stream);
    }
  });
}

const busError = (code: BusErrorCode, message: string) => (e: unknown) => {
  assert.ok(e instanceof BusError, `a BusError, got ${e}`);
  assert.deepEqual({ code: e.code, message: e.message }, { code, message });
  return true;
};

natsTest("a group's consumer takes all its patterns, and stops with the group", async (stream) => {
  const a = await instance(stream);
  try {
    const pub = a.live("x/pub");
    const got: string[] = [];
    a.live("w/one").subscribe("a.x", (e) => void got.push(e.name), { group: "g" });
    a.live("w/two").subscribe("b.y", (e) => void got.push(e.name), { group: "g" });
    await a.bus.settled();
    pub.publish("b.y");
    pub.publish("a.x");
    pub.publish("c.z");
    await until(() => got.length === 2);
    assert.deepEqual(got.sort(), ["a.x", "b.y"]);
    await a.bus.idle();
    assert.equal(a.bus.describe().queued, 0, "c.z, no subscription here: acknowledged");
    a.bus.release("w/one");
    a.bus.release("w/two");
    await a.bus.settled();
    pub.publish("a.x");
    pub.publish("b.y");
    await tick(100);
    assert.equal(got.length, 2, "no consumer any more");
    assert.deepEqual(a.log.lines, []);
    // …and this instance no longer takes them: they wait for the next member of the group.
    const b = await instance(stream);
    try {
      const later: string[] = [];
      b.live("w/three").subscribe("*.*", (e) => void later.push(e.name), { group: "g" });
      await b.bus.settled();
      await until(() => later.length === 2);
      assert.deepEqual(later.sort(), ["a.x", "b.y"]);
    } finally {
      await b.bus.shutdown();
    }
  } finally {
    await a.bus.shutdown();
  }
});

natsTest(
  "a group event handled longer than ack_wait is kept alive, not redelivered",
  async (stream) => {
    const a = await instance(stream, 300); // kept alive every 100 ms
    try {
      let calls = 0;
      a.live("w/slow").subscribe("job", async () => {
        calls++;
        await tick(800);
      }, { group: "g" });
      await a.bus.settled();
      a.live("x/pub").publish("job");
      await until(() => calls === 1);
      assert.equal(a.bus.describe().queued, 1, "the unacknowledged event counts as queued");
      await a.bus.idle();
      assert.equal(a.bus.describe().queued, 0);
      await tick(400);
      assert.equal(calls, 1);
      const events = a.bus.describe().events as Record<string, { duplicates: number }>;
      assert.equal(events.job.duplicates, 0, "not redelivered (a redelivery would be skipped)");
    } finally {
      await a.bus.shutdown();
    }
  },
);

natsTest("a responder that stops is not asked; the others still are", async (stream) => {
  const a = await instance(stream);
  const b = await instance(stream);
  try {
    const r = b.live("r/resp");
    const stop = r.respond("q.one", () => 1);
    r.respond("q.two", () => 2);
    await b.bus.settled();
    const asker = a.live("x/ask");
    assert.equal(await asker.request("q.one"), 1);
    stop();
    await b.bus.settled();
    await assert.rejects(
      asker.request("q.one"),
      busError("no_responder", 'no plugin responds to "q.one"'),
    );
    assert.equal(await asker.request("q.two"), 2);
  } finally {
    await a.bus.shutdown();
    await b.bus.shutdown();
  }
});

natsTest("an answer too large for NATS is a responder error", async (stream) => {
  const a = await instance(stream);
  const b = await instance(stream);
  try {
    b.live("r/resp").respond("big", () => "x".repeat(2 * 1024 * 1024));
    b.live("r/resp").respond("boom", () => {
      throw new Error("db down");
    });
    await b.bus.settled();
    const asker = a.live("x/ask");
    await assert.rejects(asker.request("big"), (e) => {
      assert.ok(e instanceof BusError && e.code === "responder_error");
      assert.match(e.message, /^answer could not be sent: /);
      return true;
    });
    await assert.rejects(
      asker.request("boom"),
      busError("responder_error", 'responder r/resp of "boom" failed: db down'),
    );
  } finally {
    await a.bus.shutdown();
    await b.bus.shutdown();
  }
});

/** NatsConsumers on its own, with a deliver and host the test controls. */
async function consumers(
  stream: string,
  deliver: Deliver,
  host: DriverHost | undefined,
  fn: (c: NatsConsumers, nc: NatsConnection, settled: () => number) => Promise<void>,
) {
  const driver = new NatsDriver({ url: NATS_URL, stream, storage: "memory" });
  await driver.open(() => {}); // makes the stream
  await driver.close();
  const nc = await connect({ servers: NATS_URL });
  let settledOnes = 0;
  const c = new NatsConsumers({
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    stream,
    instance: "test",
    ackWaitMs: 300,
    keepMs: 60_000,
    deliver,
    host,
    settledOne: () => void settledOnes++,
  });
  try {
    await fn(c, nc, () => settledOnes);
  } finally {
    await c.close();
    await nc.close();
  }
}

const want = (groups: Record<string, string[]>, responders: string[] = [], solo = false) => ({
  groups: new Map(Object.entries(groups)),
  responders,
  solo,
});

natsTest(
  "group events: acknowledged when done, retried when the bus could not take them",
  async (stream) => {
    const warnings: string[] = [];
    const host: DriverHost = {
      answer: () => Promise.reject(new Error("unused")),
      warn: (m) => void warnings.push(m),
    };
    const seen: string[] = [];
    let throws = 1, rejects = 1;
    const deliver: Deliver = (env) => {
      seen.push(env.name);
      if (env.name === "throws" && throws-- > 0) throw new Error("not now");
      if (env.name === "rejects" && rejects-- > 0) return Promise.reject(new Error("closed"));
      if (env.name === "ignored") return undefined;
      return Promise.resolve();
    };
    await consumers(stream, deliver, host, async (c, nc, settled) => {
      c.want(want({ g: ["*"] }));
      await c.settled();
      const js = jetstream(nc);
      for (const n of ["ok", "ignored", "throws", "rejects"]) {
        const body = encodeEnvelope(envelope(n));
        await js.publish(`${stream}.${n}`, body.data);
      }
      await js.publish(`${stream}.garbage`, new TextEncoder().encode("{"));
      await until(() => seen.length === 6, 4000);
      assert.deepEqual(seen.sort(), ["ignored", "ok", "rejects", "rejects", "throws", "throws"]);
      assert.deepEqual(warnings.sort(), [
        `NATS: dropped an undecodable message on ${stream}.garbage`,
        'NATS: group g could not take "throws"',
      ]);
      assert.equal(settled(), 4, "ok, throws once taken, rejects twice");
      assert.equal(c.unacked, 0);
      await tick(500); // past ack_wait: nothing comes again
      assert.equal(seen.length, 6);
    });
  },
);

natsTest("requests: undecodable, or no bus to answer, get error answers", async (stream) => {
  await consumers(stream, () => {}, undefined, async (c, nc) => {
    c.want(want({}, ["q"]));
    await c.settled();
    const subject = `${stream}_rpc.q`;
    const ask = async (data: Uint8Array) => {
      const m = await nc.request(subject, data, { timeout: 1000 });
      return [m.headers?.get("MicroCore-Error"), new TextDecoder().decode(m.data)];
    };
    assert.deepEqual(await ask(encodeEnvelope(envelope("q")).data), [
      "no_responder",
      'no plugin responds to "q"',
    ]);
    const [code, message] = await ask(new TextEncoder().encode("nope"));
    assert.equal(code, "responder_error");
    assert.match(String(message), /^undecodable request: /);
    c.want(want({}, []));
    await c.settled();
    await assert.rejects(ask(new TextEncoder().encode("{}")), /no responders/);
  });
});

natsTest(
  "an answer's error code travels; an unknown throw is a responder error",
  async (stream) => {
    const host: DriverHost = {
      answer: (env: Envelope) =>
        env.name === "conflict"
          ? Promise.reject(new BusError("responder_conflict", "two of them"))
          : Promise.reject(new TypeError("plain")),
      warn: () => {},
    };
    await consumers(stream, () => {}, host, async (c, nc) => {
      c.want(want({}, ["conflict", "plain"]));
      await c.settled();
      const ask = async (name: string) => {
        const m = await nc.request(`${stream}_rpc.${name}`, encodeEnvelope(envelope(name)).data);
        return [m.headers?.get("MicroCore-Error"), new TextDecoder().decode(m.data)];
      };
      assert.deepEqual(await ask("conflict"), ["responder_conflict", "two of them"]);
      assert.deepEqual(await ask("plain"), ["responder_error", "plain"]);
    });
  },
);

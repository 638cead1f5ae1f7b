/**
 * The NATS driver on its own against the real server: the stream it makes or accepts, its
 * settings, what it reports when the server refuses or sends garbage, and its requests' errors.
 * Each test uses its own stream, deleted afterwards; skipped when no server answers.
 * @module
 */
import assert from "node:assert/strict";
import { headers, nanos } from "@nats-io/nats-core";
import { BusError, type BusErrorCode } from "./errors.ts";
import { NatsDriver, type NatsDriverOptions } from "./nats_driver.ts";
import type { DriverHost } from "./driver.ts";
import type { Envelope } from "./types.ts";
import {
  deleteStreams,
  envelope,
  NATS_URL,
  natsReachable,
  testStream,
  tick,
  until,
  withNats,
} from "./test_helpers.ts";

const up = await natsReachable();

/** A host that records warnings and answers nothing. */
function host() {
  const warnings: [string, Record<string, unknown> | undefined][] = [];
  const h: DriverHost = {
    answer: () => Promise.reject(new BusError("no_responder", "none here")),
    warn: (m, p) => void warnings.push([m, p]),
  };
  return { host: h, warnings };
}

/** Run `fn` with an open driver on a fresh stream; close it and delete the stream after. */
function driverTest(
  name: string,
  fn: (
    d: NatsDriver,
    t: ReturnType<typeof host> & { stream: string; got: Envelope[] },
  ) => void | Promise<void>,
  options: NatsDriverOptions = {},
) {
  Deno.test({ name: `nats driver: ${name}`, ignore: !up }, async () => {
    const stream = testStream();
    const d = new NatsDriver({ url: NATS_URL, stream, storage: "memory", ...options });
    const h = host();
    const got: Envelope[] = [];
    await d.open((env) => void got.push(env), h.host);
    d.interest({ groups: new Map(), responders: [], solo: true }); // every event, please
    await d.settled();
    try {
      await fn(d, { ...h, stream, got });
    } finally {
      await d.close();
      await deleteStreams(stream);
    }
  });
}

const busError = (code: BusErrorCode, message: string) => (e: unknown) => {
  assert.ok(e instanceof BusError, `a BusError, got ${e}`);
  assert.deepEqual({ code: e.code, message: e.message }, { code, message });
  return true;
};

Deno.test("nats driver: defaults, and a stream name NATS cannot carry is refused", () => {
  const d = new NatsDriver();
  assert.deepEqual([d.kind, d.url, d.stream], ["nats", "nats://127.0.0.1:4222", "microcore"]);
  assert.equal(d.pending, 0);
  for (const bad of ["my.app", "a b", "", "x>"]) {
    assert.throws(
      () => new NatsDriver({ stream: bad }),
      (e) =>
        e instanceof Error &&
        e.message === `EVENT_BUS_STREAM="${bad}": use letters, digits, "_" and "-" only`,
    );
  }
  assert.equal(new NatsDriver({ stream: "App_2-x" }).stream, "App_2-x");
});

driverTest("the stream keeps events for interest, in memory, as long as keepMs", async (_d, t) => {
  const info = await withNats((_nc, jsm) => jsm.streams.info(t.stream));
  assert.deepEqual(info.config.subjects, [`${t.stream}.>`]);
  assert.equal(info.config.retention, "interest");
  assert.equal(info.config.storage, "memory");
  assert.equal(info.config.max_age, nanos(60_000));
}, { keepMs: 60_000 });

Deno.test(
  { name: "nats driver: file storage and a day's age by default", ignore: !up },
  async () => {
    const stream = testStream();
    const d = new NatsDriver({ url: NATS_URL, stream });
    await d.open(() => {});
    try {
      const info = await withNats((_nc, jsm) => jsm.streams.info(stream));
      assert.equal(info.config.storage, "file");
      assert.equal(info.config.max_age, nanos(24 * 3600_000));
    } finally {
      await d.close();
      await deleteStreams(stream);
    }
  },
);

Deno.test({
  name: "nats driver: an operator's stream is used if it carries the prefix",
  ignore: !up,
}, async () => {
  const ok = testStream();
  const wrong = testStream();
  await withNats(async (_nc, jsm) => {
    await jsm.streams.add({ name: ok, subjects: [`${ok}.>`], max_msgs: 1000 });
    await jsm.streams.add({ name: wrong, subjects: [`${wrong}.only`] });
  });
  try {
    const d = new NatsDriver({ url: NATS_URL, stream: ok, storage: "memory" });
    await d.open(() => {});
    await d.close();
    const info = await withNats((_nc, jsm) => jsm.streams.info(ok));
    assert.equal(info.config.max_msgs, 1000, "left as the operator made it");
    const bad = new NatsDriver({ url: NATS_URL, stream: wrong, storage: "memory" });
    await assert.rejects(
      bad.open(() => {}),
      (e) =>
        e instanceof Error &&
        e.message ===
          `event_bus: NATS at ${NATS_URL}: JetStream stream "${wrong}" unavailable ` +
            `(is JetStream enabled?): stream "${wrong}" exists but does not capture "${wrong}.>"`,
    );
    await bad.close();
  } finally {
    await deleteStreams(ok, wrong);
  }
});

Deno.test({ name: "nats driver: several URLs, comma-separated", ignore: !up }, async () => {
  const stream = testStream();
  const d = new NatsDriver({ url: `nats://127.0.0.1:1 , ${NATS_URL}`, stream, storage: "memory" });
  try {
    await d.open(() => {});
  } finally {
    await d.close();
    await deleteStreams(stream);
  }
});

driverTest("an envelope that cannot be encoded is dropped with a warning", (d, t) => {
  const bad = { ...envelope("a.b"), payload: { f: () => 1 } };
  d.send(bad);
  assert.equal(d.pending, 0);
  assert.deepEqual(t.warnings.map(([m]) => m), ['event "a.b" could not be encoded; dropped']);
  assert.match(String(t.warnings[0][1]?.error), /could not be cloned/);
});

driverTest("a publish the server refuses rejects its receipt with kind rejected", async (d, t) => {
  await withNats(async (_nc, jsm) => {
    const { config } = await jsm.streams.info(t.stream);
    await jsm.streams.update(t.stream, { ...config, max_msg_size: 16 }); // refuses every event
  });
  const receipt = d.send(envelope("a.b", null, "id-7"));
  assert.ok(receipt, "a receipt");
  assert.equal(d.pending, 1);
  await assert.rejects(
    async () => await receipt,
    (e) =>
      e instanceof BusError && e.kind === "rejected" &&
      e.message.startsWith('NATS refused event "a.b": '),
  );
  assert.equal(d.pending, 0);
  assert.deepEqual(d.stats(), { confirmed: 0, failed: 1, retries: 0, waiting: 0 });
  assert.deepEqual(t.warnings, []);
});

driverTest("a receipt nobody awaits that fails goes to the host's unconfirmed", async (d, t) => {
  await withNats(async (_nc, jsm) => {
    const { config } = await jsm.streams.info(t.stream);
    await jsm.streams.update(t.stream, { ...config, max_msg_size: 16 });
  });
  const lost: [string, unknown][] = [];
  t.host.unconfirmed = (env, e) => void lost.push([env.id, e]);
  d.send(envelope("a.b", null, "id-8"));
  await d.idle();
  assert.equal(lost.length, 1);
  assert.equal(lost[0][0], "id-8");
  assert.ok(lost[0][1] instanceof BusError && lost[0][1].kind === "rejected");
});

driverTest("a confirmed publish reaches every instance's solo audience", async (d, t) => {
  const audiences: unknown[] = [];
  const other = new NatsDriver({ url: NATS_URL, stream: t.stream, storage: "memory" });
  await other.open((env, audience) => void audiences.push([env.id, audience]));
  other.interest({ groups: new Map(), responders: [], solo: true });
  await other.settled();
  try {
    const receipt = d.send(envelope("a.b", { n: 1 }, "id-1"));
    const idle = d.idle();
    assert.equal(d.pending, 1);
    await idle;
    await receipt;
    assert.equal(d.pending, 0);
    assert.equal(d.stats().confirmed, 1);
    await until(() => t.got.length === 1 && audiences.length === 1);
    assert.deepEqual(audiences, [["id-1", "solo"]]);
    assert.deepEqual(t.got[0], envelope("a.b", { n: 1 }, "id-1"));
  } finally {
    await other.close();
  }
});

driverTest("a message that is no envelope is ignored with a warning", async (_d, t) => {
  await withNats(async (nc) => {
    nc.publish(`${t.stream}.x`, new TextEncoder().encode("not json"));
    await nc.flush();
  });
  await until(() => t.warnings.length === 1);
  assert.equal(t.warnings[0][0], `NATS: ignored an undecodable message on ${t.stream}.x`);
  assert.deepEqual(t.got, []);
});

driverTest(
  "closed: nothing is sent, delivered or asked any more; close twice is one close",
  async (d, t) => {
    const closing = d.close();
    assert.equal(d.close(), closing);
    await closing;
    d.send(envelope("a.b"));
    assert.equal(d.pending, 0);
    await d.idle();
    await d.settled();
    await assert.rejects(d.request(envelope("q"), 100), busError("closed", 'request "q": closed'));
    await withNats(async (nc) => {
      nc.publish(`${t.stream}.x`, new TextEncoder().encode("{}"));
      await nc.flush();
    });
    await tick(20);
    assert.deepEqual([t.got, t.warnings], [[], []]);
  },
);

Deno.test({ name: "nats driver: a request before open is closed", ignore: !up }, async () => {
  await assert.rejects(
    new NatsDriver().request(envelope("q"), 100),
    busError("closed", 'request "q": closed'),
  );
});

driverTest(
  "requests: no responder, a timeout, and an error answer keep code and message",
  async (d, t) => {
    await assert.rejects(
      d.request(envelope("nobody"), 200),
      busError("no_responder", 'no plugin responds to "nobody"'),
    );
    await withNats(async (nc) => {
      nc.subscribe(`${t.stream}_rpc.slow`, { callback: () => {} });
      nc.subscribe(`${t.stream}_rpc.err`, {
        callback: (_e, m) => {
          const h = headers();
          h.set("MicroCore-Error", "responder_conflict");
          m.respond(new TextEncoder().encode("a message"), { headers: h });
        },
      });
      await nc.flush();
      await assert.rejects(
        d.request(envelope("slow"), 30),
        busError("timeout", 'no answer to "slow" within 30 ms'),
      );
      await assert.rejects(
        d.request(envelope("err"), 1000),
        busError("responder_conflict", "a message"),
      );
    });
  },
);

driverTest(
  "this instance's consumer lives only while it has an ungrouped subscription",
  async (d, t) => {
    const names = () =>
      withNats(async (_nc, jsm) => (await jsm.consumers.list(t.stream).next()).map((i) => i.name));
    const solo = (on: boolean) => d.interest({ groups: new Map(), responders: [], solo: on });
    assert.deepEqual(await names(), [`i_${d.instance}`], "made for the ungrouped subscriptions");
    d.send(envelope("a.b", 1, "id-9"));
    await until(() => t.got.length === 1);
    solo(false);
    await d.settled();
    assert.deepEqual(await names(), [], "deleted: nothing is kept for this instance any more");
    solo(true);
    await d.settled();
    assert.deepEqual(await names(), [`i_${d.instance}`]);
  },
);

driverTest("the instance's consumer is removed after instanceKeepMs without it", async (_d, t) => {
  const consumers = await withNats((_nc, jsm) => jsm.consumers.list(t.stream).next());
  const solo = consumers.filter((c) => c.name.startsWith("i_"));
  assert.equal(solo.length, 1);
  assert.equal(solo[0].config.inactive_threshold, nanos(30_000));
}, { instanceKeepMs: 30_000 });

Deno.test(
  {
    name: "nats driver: opened without a host, a consumer it cannot make fails quietly",
    ignore: !up,
  },
  async () => {
    const stream = testStream();
    const d = new NatsDriver({ url: NATS_URL, stream, storage: "memory" });
    await d.open(() => {}); // no host: nobody to warn
    try {
      await deleteStreams(stream); // the consumer below cannot be made
      d.interest({ groups: new Map([["g", ["a.b"]]]), responders: [], solo: false });
      await d.settled(); // resolves: the failure is not thrown at the caller
    } finally {
      await d.close();
      await deleteStreams(stream);
    }
  },
);

driverTest("a consumer it cannot make is a warning naming the failure", async (d, t) => {
  await deleteStreams(t.stream);
  d.interest({ groups: new Map([["g", ["a.b"]]]), responders: [], solo: true });
  await d.settled();
  assert.equal(t.warnings.length, 1);
  assert.match(t.warnings[0][0], /^NATS: could not update consumers: .+/);
  assert.deepEqual(Object.keys(t.warnings[0][1] ?? {}), ["error"]);
});

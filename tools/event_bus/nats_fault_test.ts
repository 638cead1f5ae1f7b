/**
 * Fault tests: two bus instances reach the real NATS server (JetStream on) through a TCP proxy
 * the test owns, and the proxy is cut (2 s, 7 s, longer than the bound) or stalled while they
 * publish. Every publish whose receipt resolved is delivered after the restore — once to each
 * ungrouped subscriber, once per group across the instances; publishes past the bound reject
 * with kind `unavailable`; the status says degraded during the cut and ready after. The machine's NATS is never touched; each test has its own
 * stream, deleted after. Skipped when no server answers.
 * @module
 */
import assert from "node:assert/strict";
import { TcpProxy } from "@microcore/testing/tcp_proxy.ts";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { BusError } from "./errors.ts";
import { NatsDriver } from "./nats_driver.ts";
import { EventBusTool } from "./tool.ts";
import {
  deleteStreams,
  NATS_URL,
  natsReachable,
  owner,
  testStream,
  tick,
  until,
} from "./test_helpers.ts";

const up = await natsReachable();
const natsPort = Number(new URL(NATS_URL.split(",")[0].replace(/^nats:/, "http:")).port || 4222);

type Health = [string, string | undefined][];

/** One app instance on `url`: a bus, what it reported to the status page, its subscribers. */
async function instance(name: string, url: string, stream: string, publishTimeoutMs: number) {
  const health: Health = [];
  const bus = new EventBusTool({
    driver: new NatsDriver({ url, stream, storage: "memory", publishTimeoutMs }),
  });
  const log = recordingLog();
  await bus.setup(standaloneContext({ log, health: (s, r) => void health.push([s, r]) }));
  const live = (id: string) => {
    const o = owner(id);
    const api = bus.forOwner(o);
    bus.activate(o);
    return api;
  };
  const solo: string[] = [];
  const group: string[] = [];
  live(`${name}/audit`).subscribe("order.*", (e) => void solo.push(e.id));
  live(`${name}/mail`).subscribe("order.*", (e) => void group.push(e.id), { group: "mailer" });
  await bus.settled();
  return { bus, log, health, solo, group, pub: live(`${name}/shop`) };
}
type Instance = Awaited<ReturnType<typeof instance>>;

/** Publish from every instance every `everyMs` until `stop()`; record each receipt's outcome. */
function publishing(instances: Instance[], everyMs: number) {
  const confirmed: string[] = [];
  const failed: unknown[] = [];
  const receipts: Promise<void>[] = [];
  let n = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      for (const x of instances) {
        const i = n++;
        const r = x.pub.publish("order.placed", { i });
        receipts.push(
          Promise.resolve(r).then(() => void confirmed.push(String(i)), (e) => void failed.push(e)),
        );
      }
      await tick(everyMs);
    }
  })();
  return {
    confirmed,
    failed,
    count: () => n,
    async stop() {
      on = false;
      await loop;
      await Promise.all(receipts);
    },
  };
}

/** A test with its own proxy to the machine's NATS and its own stream. */
function faultTest(
  name: string,
  fn: (proxy: TcpProxy, url: string, stream: string) => Promise<void>,
) {
  Deno.test({ name: `nats fault: ${name}`, ignore: !up }, async () => {
    const proxy = await TcpProxy.start({ port: natsPort });
    const stream = testStream();
    try {
      await fn(proxy, `nats://127.0.0.1:${proxy.port}`, stream);
    } finally {
      await proxy.close();
      await deleteStreams(stream);
    }
  });
}

/** Two instances publish while the proxy is cut for `cutMs`; the checks of the module doc. */
const cutWhilePublishing =
  (cutMs: number) => async (proxy: TcpProxy, url: string, stream: string) => {
    const a = await instance("a", url, stream, cutMs + 5000);
    const b = await instance("b", url, stream, cutMs + 5000);
    try {
      const ids = new Map<string, string>(); // event id → payload index, from what arrives
      for (const x of [a, b]) {
        x.bus.forOwner(owner("t/ids")).subscribe<{ i: number }>("order.*", (e) => {
          ids.set(e.id, String(e.payload.i));
        });
        x.bus.activate(owner("t/ids"));
      }
      const p = publishing([a, b], 20);
      await tick(300);
      proxy.cut();
      await until(() => [a, b].every((x) => x.health.at(-1)?.[0] === "degraded"), 3000);
      for (const x of [a, b]) {
        const [, reason] = x.health.at(-1)!;
        assert.match(String(reason), new RegExp(`^NATS at ${url} unreachable: `));
      }
      await tick(cutMs);
      proxy.restore();
      await until(() => [a, b].every((x) => x.health.at(-1)?.[0] === "ready"), 5000);
      await tick(300);
      await p.stop();
      assert.deepEqual(p.failed, [], "no receipt failed: the cut was shorter than the bound");
      const want = p.confirmed.length;
      assert.equal(want, p.count());
      // Every confirmed event reaches each instance's ungrouped subscriber and the group.
      await until(
        () =>
          a.solo.length >= want && b.solo.length >= want &&
          a.group.length + b.group.length >= want,
        15_000, // a group event lost in transit comes back after ack_wait (10 s)
      ).catch((e) => {
        const got = [a.solo.length, b.solo.length, a.group.length + b.group.length];
        throw new Error(`${e.message}: ${want} confirmed; solo A, solo B, group got ${got}`);
      });
      await tick(300); // nothing more trickles in
      for (const x of [a, b]) {
        assert.equal(x.solo.length, want, "each event once to each ungrouped subscriber");
        assert.equal(new Set(x.solo).size, want);
      }
      const grouped = [...a.group, ...b.group];
      assert.equal(grouped.length, want, "each event once to the group, across instances");
      assert.equal(new Set(grouped).size, want);
      const seen = new Set(ids.values());
      for (const i of p.confirmed) assert.ok(seen.has(i), `event ${i} delivered`);
      for (const x of [a, b]) {
        const d = x.bus.describe();
        assert.equal(d.dropped, 0);
        assert.equal(d.confirmed, d.published, "every publish confirmed, those of the cut too");
        assert.equal(d.waiting, 0);
      }
    } finally {
      await a.bus.shutdown();
      await b.bus.shutdown();
    }
  };

for (const cut of [2000, 7000]) {
  const name = `a ${cut / 1000} s cut while publishing`;
  faultTest(
    `${name}: every confirmed event delivered once; degraded, then ready`,
    cutWhilePublishing(cut),
  );
}

faultTest(
  "a cut longer than the bound: late publishes reject with kind unavailable, the rest arrive",
  async (proxy, url, stream) => {
    const a = await instance("a", url, stream, 800);
    try {
      const p = publishing([a], 20);
      await tick(200);
      proxy.cut();
      await tick(2000);
      proxy.restore();
      await until(() => a.health.at(-1)?.[0] === "ready", 5000);
      await tick(200);
      await p.stop();
      assert.ok(p.failed.length > 0, "publishes held past 800 ms were given up");
      for (const e of p.failed) {
        assert.ok(e instanceof BusError && e.kind === "unavailable", `unavailable, got ${e}`);
        assert.match(e.message, new RegExp(`^NATS at ${url} did not confirm event "order.placed"`));
      }
      const want = p.confirmed.length;
      await until(() => a.solo.length >= want, 10_000);
      const d = a.bus.describe();
      assert.equal(d.dropped, p.failed.length, "given-up publishes are counted as dropped");
      assert.equal(d.published, p.count());
      assert.equal(d.confirmed, want);
    } finally {
      await a.bus.shutdown();
    }
  },
);

faultTest(
  "a stall (no byte moves) is noticed by the heartbeat; what was confirmed arrives after it",
  async (proxy, url, stream) => {
    const a = await instance("a", url, stream, 20_000);
    try {
      const p = publishing([a], 50);
      await tick(200);
      proxy.stall();
      await until(() => a.health.at(-1)?.[0] === "degraded", 10_000);
      assert.match(String(a.health.at(-1)?.[1]), new RegExp(`^NATS at ${url} unreachable: `));
      proxy.restore();
      await until(() => a.health.at(-1)?.[0] === "ready", 10_000);
      await tick(200);
      await p.stop();
      assert.deepEqual(p.failed, []);
      await until(() => a.solo.length >= p.confirmed.length, 15_000);
      assert.equal(new Set(a.solo).size, a.solo.length, "no duplicate");
      assert.equal(a.solo.length, p.confirmed.length);
    } finally {
      await a.bus.shutdown();
    }
  },
);

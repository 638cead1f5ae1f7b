/**
 * The publisher on its own, against a JetStream client the test plays: a publish is kept until
 * confirmed, held while the connection is down, sent again with the same message id, given up
 * past its bound with kind `unavailable`, refused for good with kind `rejected`.
 * @module
 */
import assert from "node:assert/strict";
import { JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import { BusError } from "./errors.ts";
import { NatsPublisher } from "./nats_publisher.ts";
import { envelope, tick } from "./test_helpers.ts";
import type { Envelope } from "./types.ts";

/**
 * A JetStream client whose publishes the test answers (`ok`, `fail`); one left unanswered fails
 * with "timeout" after its `timeout`, as the real client's does.
 */
function fakeJs() {
  const calls: { subject: string; msgID?: string; timeout?: number; settle: Settle }[] = [];
  type Settle = { ok(): void; fail(e: unknown): void };
  const js = {
    publish(subject: string, _data: Uint8Array, opts: { msgID?: string; timeout: number }) {
      const d = Promise.withResolvers<unknown>();
      const timer = setTimeout(() => d.reject(new Error("timeout")), opts.timeout);
      calls.push({
        subject,
        msgID: opts.msgID,
        timeout: opts.timeout,
        settle: {
          ok: () => (clearTimeout(timer), d.resolve({ seq: 1 })),
          fail: (e) => (clearTimeout(timer), d.reject(e)),
        },
      });
      return d.promise;
    },
  } as unknown as JetStreamClient;
  return { js, calls };
}

function publisher(timeoutMs = 10_000) {
  const unobserved: [string, unknown][] = [];
  let settled = 0;
  const p = new NatsPublisher({
    url: "nats://h:1",
    timeoutMs,
    unobserved: (env: Envelope, e) => void unobserved.push([env.id, e]),
    settledOne: () => void settled++,
  });
  return { p, unobserved, settled: () => settled };
}

const data = new Uint8Array([1]);

Deno.test("publisher: the receipt resolves when JetStream confirms", async () => {
  const { js, calls } = fakeJs();
  const { p, settled } = publisher(5000);
  p.connected(js);
  const r = p.publish(envelope("a.b", 1, "e1"), "s.a.b", data);
  assert.equal(p.pending, 1);
  assert.deepEqual([calls[0].subject, calls[0].msgID, calls[0].timeout], ["s.a.b", "e1", 2000]);
  calls[0].settle.ok();
  await r;
  assert.equal(r.state, "ok");
  assert.deepEqual(p.stats(), { confirmed: 1, failed: 0, retries: 0, waiting: 0 });
  assert.equal(settled(), 1);
  p.close();
});

Deno.test("publisher: held while down, sent with the same id once connected", async () => {
  const { js, calls } = fakeJs();
  const { p } = publisher();
  const r = p.publish(envelope("a.b", 1, "e1"), "s.a.b", data);
  assert.equal(calls.length, 0, "nothing sent while down");
  assert.equal(p.pending, 1);
  p.connected(js);
  assert.equal(calls.length, 1);
  calls[0].settle.fail(new Error("timeout")); // the ack was lost: maybe stored, maybe not
  await tick(120); // backoff, then again
  assert.equal(calls.length, 2);
  assert.equal(calls[1].msgID, "e1", "the same message id: JetStream stores it once");
  p.connected(undefined);
  calls[1].settle.fail(new Error("disconnected"));
  await tick(120);
  assert.equal(calls.length, 2, "down: held, not sent");
  p.connected(js);
  assert.equal(calls.length, 3, "sent again at once when the connection is back");
  calls[2].settle.ok();
  await r;
  assert.deepEqual(p.stats(), { confirmed: 1, failed: 0, retries: 2, waiting: 0 });
  p.close();
});

Deno.test("publisher: past the bound, the receipt rejects with kind unavailable", async () => {
  const { js, calls } = fakeJs();
  const { p, unobserved } = publisher(100);
  const r = p.publish(envelope("a.b", 1, "e1"), "s.a.b", data);
  const caught = assert.rejects(async () => await r, (e) => {
    assert.ok(e instanceof BusError);
    assert.equal(e.kind, "unavailable");
    assert.equal(
      e.message,
      'NATS at nats://h:1 did not confirm event "a.b" (e1) within 100 ms: not connected',
    );
    return true;
  });
  await caught;
  assert.deepEqual(p.stats(), { confirmed: 0, failed: 1, retries: 0, waiting: 0 });
  // Unawaited: reported to the bus, with the last error of an attempt.
  p.connected(js);
  p.publish(envelope("a.b", 2, "e2"), "s.a.b", data);
  assert.ok(calls[0].timeout! <= 100, "an attempt never outlives the bound");
  calls[0].settle.fail(new Error("timeout"));
  await tick(200);
  assert.equal(unobserved.length, 1);
  assert.equal(unobserved[0][0], "e2");
  assert.match((unobserved[0][1] as Error).message, /within 100 ms: timeout$/);
  p.close();
});

Deno.test("publisher: a refusal by the server rejects at once with kind rejected", async () => {
  const { js, calls } = fakeJs();
  const { p } = publisher();
  p.connected(js);
  const r = p.publish(envelope("big.one", 1, "e1"), "s.big", data);
  calls[0].settle.fail(
    new JetStreamApiError({ code: 400, err_code: 10054, description: "message size exceeds" }),
  );
  await assert.rejects(
    async () => await r,
    (e) =>
      e instanceof BusError && e.kind === "rejected" &&
      e.message === 'NATS refused event "big.one": message size exceeds',
  );
  assert.equal(calls.length, 1, "not tried again");
  p.close();
});

Deno.test("publisher: closing fails what is held with closed; later publishes too", async () => {
  const { p } = publisher();
  const r = p.publish(envelope("a.b", 1, "e1"), "s.a.b", data);
  p.close();
  await assert.rejects(
    async () => await r,
    (e) =>
      e instanceof BusError && e.kind === "closed" &&
      e.message === 'event "a.b": the event bus closed first',
  );
  const late = p.publish(envelope("a.b", 1, "e2"), "s.a.b", data);
  await assert.rejects(async () => await late, (e) => e instanceof BusError && e.kind === "closed");
  assert.equal(p.pending, 0);
});

Deno.test("publisher: a publish in flight when the bus closes, then failing, is closed (not retried)", async () => {
  const { js, calls } = fakeJs();
  const { p } = publisher();
  p.connected(js);
  const r = p.publish(envelope("a.b", 1, "e1"), "s.a.b", data);
  p.close();
  calls[0].settle.fail(new Error("timeout"));
  await assert.rejects(
    async () => await r,
    (e) =>
      e instanceof BusError && e.kind === "closed" && e.message === 'event "a.b": the bus closed',
  );
  await tick(60);
  assert.deepEqual([calls.length, p.pending], [1, 0]);
});

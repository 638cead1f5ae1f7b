/**
 * Acknowledgements around a lost connection: held while down, the recent ones repeated once the
 * connection is back, older ones not.
 * @module
 */
import assert from "node:assert/strict";
import type { JsMsg } from "@nats-io/jetstream";
import { Acks } from "./nats_acks.ts";
import { tick } from "./test_helpers.ts";

/** A message that records what it was told. */
function msg(name: string, log: string[]): JsMsg {
  return {
    ack: () => void log.push(`ack ${name}`),
    nak: (ms?: number) => void log.push(`nak ${name} ${ms}`),
  } as unknown as JsMsg;
}

Deno.test("acks: sent together in the next turn while up; held while down, sent when back", async () => {
  const log: string[] = [];
  const acks = new Acks();
  acks.send(msg("a", log), true);
  acks.send(msg("b", log), false);
  assert.deepEqual(log, [], "not yet: written with the others of this turn");
  await tick();
  assert.deepEqual(log, ["ack a", "nak b 1000"]);
  log.length = 0;
  acks.connected(false); // "a" is repeated once back (checked below)
  acks.send(msg("c", log), true);
  acks.send(msg("d", log), false);
  assert.deepEqual(log, []);
  assert.equal(acks.held, 3, "a (maybe lost with the connection), c and d");
  acks.connected(true);
  await tick();
  const sent: string[] = log;
  assert.deepEqual(sent.filter((l) => !l.endsWith(" a")), ["ack c", "nak d 1000"]);
  assert.equal(acks.held, 0);
});

Deno.test("acks: those of the last window before a drop are sent again; older, and naks, not", async () => {
  const log: string[] = [];
  const acks = new Acks(30);
  acks.send(msg("old", log), true);
  await tick(70); // two windows later: forgotten
  acks.send(msg("recent", log), true);
  acks.send(msg("refused", log), false);
  acks.send(msg("unsent", log), true);
  await tick();
  acks.send(msg("pending", log), true); // not written yet when the connection drops
  log.length = 0;
  acks.connected(false);
  acks.connected(false); // twice is once
  assert.deepEqual(log, []);
  acks.connected(true);
  await tick();
  assert.deepEqual(log, ["ack recent", "ack unsent", "ack pending"]);
  log.length = 0;
  acks.connected(true);
  await tick();
  assert.deepEqual(log, [], "nothing twice");
});

Deno.test("acks: close writes what waits; after it, at once; a throwing ack is left alone", () => {
  const log: string[] = [];
  const acks = new Acks();
  acks.send(msg("a", log), true);
  acks.close();
  assert.deepEqual(log, ["ack a"]);
  acks.send(msg("b", log), true);
  assert.deepEqual(log, ["ack a", "ack b"], "closed: no timer left behind");
  const m = {
    ack: () => {
      throw new Error("closed");
    },
  } as unknown as JsMsg;
  acks.send(m, true);
});

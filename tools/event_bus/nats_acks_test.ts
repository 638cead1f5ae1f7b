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

Deno.test("acks: sent at once while up; held while down, sent when back", () => {
  const log: string[] = [];
  const acks = new Acks();
  acks.send(msg("a", log), true);
  acks.send(msg("b", log), false);
  assert.deepEqual(log, ["ack a", "nak b 1000"]);
  log.length = 0;
  acks.connected(false); // "a" is repeated once back (checked below)
  acks.send(msg("c", log), true);
  acks.send(msg("d", log), false);
  assert.deepEqual(log, []);
  assert.equal(acks.held, 3, "a (maybe lost with the connection), c and d");
  acks.connected(true);
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
  log.length = 0;
  acks.connected(false);
  acks.connected(false); // twice is once
  assert.deepEqual(log, []);
  acks.connected(true);
  assert.deepEqual(log, ["ack recent"]);
  log.length = 0;
  acks.connected(true);
  assert.deepEqual(log, [], "nothing twice");
});

Deno.test("acks: a throwing ack (connection closed) is left to the server", () => {
  const acks = new Acks();
  const m = {
    ack: () => {
      throw new Error("closed");
    },
  } as unknown as JsMsg;
  acks.send(m, true);
});

/**
 * The bus's error type and how it reads thrown values.
 * @module
 */
import assert from "node:assert/strict";
import { BusError, errInfo, errorMessage } from "./errors.ts";

Deno.test("errors: a BusError is an Error named BusError with a code and a cause", () => {
  const cause = new Error("inner");
  const e = new BusError("timeout", "too slow", { cause });
  assert.ok(e instanceof Error);
  assert.deepEqual([e.name, e.code, e.message, e.cause], [
    "BusError",
    "timeout",
    "too slow",
    cause,
  ]);
  assert.match(String(e), /^BusError: too slow$/);
});

Deno.test("errors: any thrown value reads as a name and a message", () => {
  assert.deepEqual(errInfo(new TypeError("bad")), { name: "TypeError", message: "bad" });
  assert.deepEqual(errInfo("text"), { name: "Error", message: "text" });
  assert.deepEqual(errInfo(undefined), { name: "Error", message: "undefined" });
  assert.equal(errorMessage(new Error("m")), "m");
  assert.equal(errorMessage(42), "42");
});

Deno.test("errors: kind mirrors code (what the http tool reads: unavailable → 503)", () => {
  assert.equal(new BusError("unavailable", "NATS away").kind, "unavailable");
  assert.equal(new BusError("rejected", "too big").kind, "rejected");
});

/**
 * The receipt `publish` returns: settles once, tells every listener, and a failure nobody
 * listens to goes to the bus instead of becoming an unhandled rejection.
 * @module
 */
import assert from "node:assert/strict";
import { DONE, Receipt } from "./receipt.ts";

Deno.test("receipt: resolves every listener, before and after it settled; settles once", async () => {
  const unobserved: unknown[] = [];
  const r = new Receipt((e) => void unobserved.push(e));
  assert.equal(r.state, "pending");
  const early = r.then(() => "early");
  r.resolve();
  r.reject(new Error("too late"));
  assert.equal(r.state, "ok");
  assert.equal(await early, "early");
  assert.equal(await r.then(() => "late"), "late");
  await r;
  assert.deepEqual(unobserved, []);
});

Deno.test("receipt: a failure reaches the listeners, and is not reported as unobserved", async () => {
  const unobserved: unknown[] = [];
  const r = new Receipt((e) => void unobserved.push(e));
  const awaited = r.then(() => "ok", (e) => e);
  const err = new Error("away");
  r.reject(err);
  r.resolve();
  assert.equal(r.state, "failed");
  assert.equal(await awaited, err);
  assert.equal(await r.then(() => "ok", (e) => e), err, "a late listener sees the error too");
  assert.deepEqual(unobserved, []);
});

Deno.test("receipt: a failure nobody listens to goes to `unobserved` only", async () => {
  const unobserved: unknown[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: PromiseRejectionEvent) => {
    unhandled.push(e.reason);
    e.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  try {
    const r = new Receipt((e) => void unobserved.push(e));
    const err = new Error("lost");
    r.reject(err);
    await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(unobserved, [err]);
    assert.deepEqual(unhandled, []);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
  }
});

Deno.test("receipt: DONE is resolved and passes values through", async () => {
  assert.equal(await DONE.then(() => 7), 7);
  await DONE;
  assert.ok(Object.isFrozen(DONE));
});

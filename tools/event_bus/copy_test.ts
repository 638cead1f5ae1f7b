/**
 * Payload copies: plain data deep-frozen and shareable, anything else cloned.
 * @module
 */
import assert from "node:assert/strict";
import { frozenCopy, isShareable } from "./copy.ts";

Deno.test("copy: plain data is deep-copied and deep-frozen", () => {
  const src = { a: 1, list: [{ b: 2 }], nested: { c: "x" }, n: null, u: undefined };
  const out = frozenCopy(src);
  assert.deepEqual(out, src);
  assert.notEqual(out, src);
  assert.notEqual(out.list[0], src.list[0]);
  assert.ok(Object.isFrozen(out) && Object.isFrozen(out.list) && Object.isFrozen(out.list[0]));
  assert.ok(isShareable(out));
  assert.ok(!Object.isFrozen(src), "the publisher's object is left alone");
});

Deno.test("copy: non-plain values fall back to structuredClone (not shareable)", () => {
  const src = { when: new Date(0), m: new Map([[1, 2]]) };
  const out = frozenCopy(src);
  assert.deepEqual(out, src);
  assert.notEqual(out.m, src.m);
  assert.ok(!isShareable(out));
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const c = frozenCopy(cyclic);
  assert.equal(c.self, c);
});

Deno.test("copy: functions are rejected like structuredClone does", () => {
  assert.throws(() => frozenCopy({ f: () => 1 }), (e) => (e as Error).name === "DataCloneError");
  assert.throws(() => frozenCopy(() => 1));
});

Deno.test("copy: __proto__ keys do not change the copy's prototype", () => {
  const src = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
  const out = frozenCopy(src) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(out).sort(), ["__proto__", "a"]);
});

Deno.test("copy: only own enumerable string keys, as structuredClone", () => {
  const sym = Symbol("meta");
  const src: Record<string | symbol, unknown> = { a: 1, [sym]: { internal: true } };
  Object.defineProperty(src, "hidden", { value: 2, enumerable: false });
  const proto = Object.prototype as Record<string, unknown>;
  proto.polluted = { x: 1 }; // enumerable, inherited by every object
  try {
    const out = frozenCopy(src) as Record<string | symbol, unknown>;
    assert.deepEqual(Reflect.ownKeys(out), ["a"]);
    assert.ok(isShareable(out));
    const nested = frozenCopy({ inner: { b: 1 } }) as { inner: object };
    assert.deepEqual(Reflect.ownKeys(nested.inner), ["b"]);
  } finally {
    delete proto.polluted;
  }
});

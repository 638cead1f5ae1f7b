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

const isCloneError = (e: unknown) => e instanceof DOMException && e.name === "DataCloneError";

Deno.test("copy: primitives are themselves; symbols and functions anywhere are refused", () => {
  for (const v of [1, "s", true, null, undefined, 2n]) assert.equal(frozenCopy(v), v);
  for (const v of [1, "s", null, undefined]) assert.ok(isShareable(v));
  assert.throws(() => frozenCopy(Symbol("s")), isCloneError);
  assert.throws(() => frozenCopy({ s: Symbol("s") }), isCloneError);
  assert.throws(() => frozenCopy([1, Symbol("s")]), isCloneError);
  assert.throws(() => frozenCopy([() => 1]), isCloneError);
  assert.throws(() => frozenCopy([[{ f: () => 1 }]]), isCloneError);
});

Deno.test("copy: arrays are copied and frozen element by element", () => {
  const src = [1, "a", null, [2, { b: 3 }], { c: [4] }];
  const out = frozenCopy(src);
  assert.deepEqual(out, src);
  assert.ok(Array.isArray(out) && Object.isFrozen(out) && Object.isFrozen(out[3]));
  assert.ok(Object.isFrozen((out[3] as unknown[])[1]) && Object.isFrozen(out[4]));
  assert.notEqual(out[4], src[4]);
  assert.ok(isShareable(out));
});

Deno.test("copy: a non-plain value anywhere inside makes the whole copy a clone", () => {
  for (const src of [[1, new Date(0)], { a: [new Map()] }, { a: { b: new Uint8Array(1) } }]) {
    const out = frozenCopy(src);
    assert.deepEqual(out, src);
    assert.notEqual(out, src);
    assert.ok(!Object.isFrozen(out) && !isShareable(out), "a private clone, not frozen");
  }
  class List extends Array {}
  const list = frozenCopy(List.from([1]));
  assert.ok(!Object.isFrozen(list), "an Array subclass is not plain data");
});

Deno.test("copy: objects without a prototype are plain data", () => {
  const src = Object.assign(Object.create(null), { a: { b: 1 } });
  const out = frozenCopy(src);
  assert.deepEqual({ ...out }, { a: { b: 1 } });
  assert.ok(Object.isFrozen(out) && Object.isFrozen(out.a));
});

Deno.test("copy: 200 levels deep are still frozen; deeper is cloned (maybe a cycle)", () => {
  const chain = (levels: number) => {
    let v: Record<string, unknown> = {};
    for (let i = 1; i < levels; i++) v = { v };
    return v;
  };
  const deepest = (v: Record<string, unknown>) => {
    while (v.v) v = v.v as Record<string, unknown>;
    return v;
  };
  const ok = frozenCopy(chain(201));
  assert.ok(Object.isFrozen(ok) && Object.isFrozen(deepest(ok)));
  const deep = frozenCopy(chain(202));
  assert.ok(!Object.isFrozen(deep) && !Object.isFrozen(deepest(deep)));
  assert.deepEqual(deep, chain(202));
  const arrays = (levels: number) => {
    let v: unknown[] = [];
    for (let i = 1; i < levels; i++) v = [v];
    return v;
  };
  assert.ok(Object.isFrozen(frozenCopy(arrays(201))));
  assert.ok(!Object.isFrozen(frozenCopy(arrays(202))));
});

Deno.test("copy: an own __proto__ key (from JSON.parse) stays a key, never a prototype", () => {
  const src = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}');
  const out = frozenCopy(src);
  assert.ok(Object.hasOwn(out, "__proto__"), "kept as an own key");
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, "__proto__")?.value, {
    polluted: true,
  });
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(out.polluted, undefined, "nothing inherited from it");
  assert.equal(out.a, 1);
});

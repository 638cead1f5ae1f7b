/**
 * Event names and subscription patterns.
 * @module
 */
import assert from "node:assert/strict";
import { assertName, compilePattern } from "./pattern.ts";
import { BusError } from "./errors.ts";

const cases: [string, string, boolean][] = [
  ["product.created", "product.created", true],
  ["product.created", "product.updated", false],
  ["product.*", "product.created", true],
  ["product.*", "product", false],
  ["product.*", "product.created.v2", false],
  ["*.created", "product.created", true],
  ["*.created", "order.item.created", false],
  ["*", "ping", true],
  ["*", "a.b", false],
  ["product.**", "product.created", true],
  ["product.**", "product.a.b.c", true],
  ["product.**", "product", true],
  ["product.**", "order.created", false],
  ["product.#", "product.x.y", true],
  ["**.failed", "job.run.failed", true],
  ["**.failed", "failed", true],
  ["**.failed", "job.failed.not", false],
  ["a.**.z", "a.z", true],
  ["a.**.z", "a.b.c.z", true],
  ["a.**.z", "a.b.c.y", false],
  ["a.*.**", "a", false],
  ["a.*.**", "a.b", true],
  ["**", "anything.at.all", true],
];

Deno.test("pattern: exact names and wildcards match as documented", () => {
  for (const [p, n, want] of cases) {
    assert.equal(compilePattern(p)(n), want, `${p} vs ${n}`);
  }
});

Deno.test("pattern: invalid names and patterns are rejected with invalid_name", () => {
  for (const bad of ["", "a..b", ".a", "a.", "a.*", "a.**", "#"]) {
    assert.throws(() => assertName(bad), (e) => e instanceof BusError && e.code === "invalid_name");
  }
  for (const bad of ["", "a..b", "a."]) {
    assert.throws(() => compilePattern(bad), BusError);
  }
});

const more: [string, string, boolean][] = [
  ["a.*.c", "a.b.c", true],
  ["a.*.c", "a.b.d", false],
  ["a.*.c", "x.b.c", false],
  ["*.*", "a.b", true],
  ["**.a", "a.b", false],
  ["**.b.*", "b.c", true],
  ["**.b.*", "x.y.b.c", true],
  ["**.b.*", "x.b", false],
  ["a.**.**.b", "a.b", true],
  ["a.**.b.**", "a.x.b", true],
  ["a.**.b.c", "a.b.x", false],
  ["a.#", "a", true],
  ["#", "x.y", true],
  ["a.*.**", "b.c", false],
  ["a.b.**", "a.c.d", false],
  ["**.x.y", "x.y.z", false],
  ["a.**", "ab", false],
];

Deno.test("pattern: segment by segment, with ** anywhere", () => {
  for (const [p, n, want] of more) {
    assert.equal(compilePattern(p)(n), want, `${p} vs ${n}`);
  }
});

Deno.test("pattern: the exact messages of invalid names and patterns", () => {
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof BusError && e.code === "invalid_name");
      return e.message;
    }
    assert.fail("no error");
  };
  assert.equal(message(() => assertName("")), "event name must be a non-empty string, got ");
  assert.equal(
    message(() => assertName(7 as unknown as string)),
    "event name must be a non-empty string, got 7",
  );
  assert.equal(
    message(() => assertName("a.*.b")),
    'invalid event name "a.*.b": segments must be non-empty and without wildcards',
  );
  assert.equal(message(() => compilePattern("")), "pattern must be a non-empty string, got ");
  assert.equal(
    message(() => compilePattern(undefined as unknown as string)),
    "pattern must be a non-empty string, got undefined",
  );
  assert.equal(message(() => compilePattern("a..b")), 'invalid pattern "a..b": empty segment');
  assert.doesNotThrow(() => assertName("a.b-c_d.e f"));
  assert.doesNotThrow(() => assertName("a.**b.c*"), "wildcards only as whole segments");
});

Deno.test("pattern: ** matches zero segments anywhere, also several in a row", () => {
  for (const pattern of ["a.**.**", "a.**", "**.a", "**.**.a"]) {
    assert.equal(compilePattern(pattern)("a"), true, pattern);
  }
  assert.equal(compilePattern("a.**.**")("a.b.c"), true);
  assert.equal(compilePattern("a.**.**")("b"), false);
});

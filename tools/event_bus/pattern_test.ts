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

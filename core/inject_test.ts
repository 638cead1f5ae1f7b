import { deepEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { InjectionError, readInjection } from "./inject.ts";
import * as sig from "./testdata/signatures.ts";

const names = (c: Parameters<typeof readInjection>[0]) => readInjection(c).wants.map((w) => w.name);

Deno.test("inject: plain positional parameters", () => {
  assertEquals(readInjection(sig.Plain), {
    style: "positional",
    wants: [{ name: "http", optional: false }, { name: "db", optional: false }],
  });
});

Deno.test("inject: defaults with commas and parens are optional tools", () => {
  assertEquals(readInjection(sig.WithDefaults).wants, [
    { name: "http", optional: false },
    { name: "cache", optional: true },
    { name: "logger", optional: true },
  ]);
});

Deno.test("inject: comments (with parens and commas) are ignored", () => {
  assertEquals(names(sig.WithComments), ["http", "event_bus"]);
});

Deno.test("inject: TypeScript parameter properties", () => {
  assertEquals(names(sig.ParameterProperties), ["http", "db", "logger"]);
});

Deno.test("inject: destructured object form", () => {
  assertEquals(readInjection(sig.Destructured), {
    style: "object",
    wants: [{ name: "http", optional: false }, { name: "db", optional: false }],
  });
  assertEquals(readInjection(sig.DestructuredWithDefaults).wants, [
    { name: "http", optional: true },
    { name: "state", optional: true },
  ]);
});

Deno.test("inject: inherited constructor; static methods and strings mentioning constructor", () => {
  assertEquals(names(sig.Inherits), ["config"]);
});

Deno.test("inject: no constructor anywhere means no tools", () => {
  assertEquals(readInjection(sig.NoConstructor), { style: "positional", wants: [] });
});

Deno.test("inject: multi-line signature with blank lines, and a method named 'constructor'", () => {
  assertEquals(names(sig.MultiLine), ["http", "db", "logger"]);
});

Deno.test("inject: a rest parameter is refused with a clear error", () => {
  assertThrows(() => readInjection(sig.RestParams), InjectionError);
});

Deno.test("inject: anonymous classes and class expressions", () => {
  const Anon = class {
    constructor(a: unknown, /* x */ b: unknown) {
      void a, b;
    }
  };
  assertEquals(names(Anon), ["a", "b"]);
});

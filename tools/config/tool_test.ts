/**
 * The config tool: typed getters, empty as unset, keys recorded per owner.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import defaultTool, { ConfigError, ConfigTool } from "./mod.ts";

const cfg = (values: Record<string, string>) => ConfigTool.fromObject(values);

describe("config", () => {
  it("is the tool named config", () => {
    assert.equal(new defaultTool().name, "config");
  });

  it("get returns the value, or the fallback when unset or empty", () => {
    const c = cfg({ A: "x", EMPTY: "" });
    assert.equal(c.get("A"), "x");
    assert.equal(c.get("A", "d"), "x");
    assert.equal(c.get("B"), undefined);
    assert.equal(c.get("B", "d"), "d");
    assert.equal(c.get("EMPTY", "d"), "d");
  });

  it("has is false for unset and empty values", () => {
    const c = cfg({ A: "x", EMPTY: "" });
    assert.equal(c.has("A"), true);
    assert.equal(c.has("EMPTY"), false);
    assert.equal(c.has("NOPE"), false);
  });

  it("require throws a ConfigError naming the key and how to set it", () => {
    const c = cfg({ A: "x" });
    assert.equal(c.require("A"), "x");
    assert.throws(() => c.require("DATABASE_URL"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.key, "DATABASE_URL");
      assert.match(e.message, /DATABASE_URL/);
      assert.match(e.message, /\.env/);
      assert.match(e.message, /environment/);
      return true;
    });
  });

  it("int parses integers and rejects anything else, naming key and value", () => {
    const c = cfg({ P: "8080", N: "-3", S: " 12 ", BAD: "12abc", F: "1.5" });
    assert.equal(c.int("P"), 8080);
    assert.equal(c.int("N"), -3);
    assert.equal(c.int("S"), 12);
    assert.equal(c.int("MISSING"), undefined);
    assert.equal(c.int("MISSING", 7), 7);
    assert.throws(() => c.int("BAD", 1), /BAD.*integer.*"12abc"/);
    assert.throws(() => c.int("F"), /F must be an integer, got "1\.5"/);
  });

  it("bool accepts true/false/1/0/yes/no/on/off in any case", () => {
    const values: Record<string, string> = {};
    const t = ["true", "TRUE", "1", "yes", "On"];
    const f = ["false", "0", "no", "OFF"];
    t.forEach((v, i) => values[`T${i}`] = v);
    f.forEach((v, i) => values[`F${i}`] = v);
    const c = cfg({ ...values, BAD: "maybe" });
    t.forEach((_, i) => assert.equal(c.bool(`T${i}`), true));
    f.forEach((_, i) => assert.equal(c.bool(`F${i}`), false));
    assert.equal(c.bool("MISSING"), undefined);
    assert.equal(c.bool("MISSING", true), true);
    assert.throws(() => c.bool("BAD", false), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /BAD/);
      assert.match(e.message, /"maybe"/);
      return true;
    });
  });

  it("list splits on commas, trims, and drops empty items", () => {
    const c = cfg({ L: " a, b ,,c ", ONE: "x" });
    assert.deepEqual(c.list("L"), ["a", "b", "c"]);
    assert.deepEqual(c.list("ONE"), ["x"]);
    assert.equal(c.list("MISSING"), undefined);
    assert.deepEqual(c.list("MISSING", ["d"]), ["d"]);
  });

  it("reads Deno.env by default", () => {
    Deno.env.set("MICROCORE_CONFIG_TEST", "42");
    try {
      const c = new ConfigTool();
      assert.equal(c.int("MICROCORE_CONFIG_TEST"), 42);
    } finally {
      Deno.env.delete("MICROCORE_CONFIG_TEST");
    }
  });

  it("records which keys each owner reads, never values, and forgets on release", () => {
    const tool = cfg({ SECRET: "hunter2" });
    const view = tool.forOwner({ id: "users/login", generation: 1 });
    assert.equal(view.get("SECRET"), "hunter2");
    view.int("PORT", 1);
    assert.deepEqual(tool.describeOwner("users/login"), { config: ["PORT", "SECRET"] });
    assert.equal(JSON.stringify(tool.describeOwner("users/login")).includes("hunter2"), false);
    assert.equal(tool.describeOwner("other/plugin"), undefined);
    tool.release("users/login");
    assert.equal(tool.describeOwner("users/login"), undefined);
  });
});

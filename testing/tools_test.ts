/**
 * `testTools` (the tools a plugin test boots with) and `asTool` (how a test's replacement
 * becomes a tool).
 */
import assert from "node:assert/strict";
import { BasePlugin, type Owner, type ToolContext } from "@core";
import type { Config } from "@tools/config/mod.ts";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { State } from "@tools/state/mod.ts";
import { asTool, bootPlugin, testTools } from "./mod.ts";
import { standaloneContext } from "./standalone.ts";

const owner: Owner = { id: "shop/buy", generation: 1 };

Deno.test("testTools: a fresh instance of each built-in tool; config from the object", () => {
  const tools = testTools({ GREETING: "hi" });
  assert.deepEqual(tools.map((t) => t.name), [
    "logger",
    "config",
    "http",
    "db",
    "event_bus",
    "state",
    "auth",
    "scheduler",
    "telemetry",
  ]);
  const again = testTools();
  tools.forEach((t, i) => assert.notEqual(t, again[i]));
  const config = tools[1].forOwner!(owner) as Config;
  assert.equal(config.get("GREETING"), "hi");
  assert.equal((again[1].forOwner!(owner) as Config).get("GREETING", "hello"), "hello");
});

Deno.test("testTools ignore the driver settings: in-memory db and state, in-process bus", async () => {
  const env = {
    DB_DRIVER: "elsewhere",
    DB_PATH: "data/kit.db",
    STATE_DRIVER: "elsewhere",
    EVENT_BUS_DRIVER: "elsewhere",
  };
  const tools = testTools();
  const ctx: ToolContext = standaloneContext({ env });
  try {
    for (const tool of tools) await tool.setup?.(ctx);
    const byName = new Map(tools.map((t) => [t.name, t]));
    const db = byName.get("db")!.forOwner!(owner) as Db;
    const files = (await db.query<{ file: string }>("PRAGMA database_list")).map((r) => r.file);
    assert.deepEqual(files, [""], "an in-memory database has no file");
    const state = byName.get("state")!.forOwner!(owner) as State;
    assert.equal(await state.increment("n"), 1);
    assert.equal(byName.get("event_bus")!.describe!().driver, "in_process");
    const bus = byName.get("event_bus")!.forOwner!(owner) as EventBus;
    byName.get("event_bus")!.activate!(owner);
    const got: unknown[] = [];
    bus.subscribe("x", (e) => void got.push(e.payload));
    bus.publish("x", 1);
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(got, [1]);
  } finally {
    for (const tool of tools.toReversed()) await tool.shutdown?.();
  }
});

/** A plugin that keeps what it was given as `clock`. */
class UsesClock extends BasePlugin {
  constructor(readonly clock: unknown) {
    super();
  }
}

Deno.test("a replacement with setup or release is a tool: the kernel drives it", async () => {
  const seen: string[] = [];
  const clock = { name: "clock", setup: (ctx: ToolContext) => void seen.push(`setup ${ctx.mode}`) };
  {
    await using t = await bootPlugin(UsesClock, { tools: { clock } });
    assert.deepEqual(seen, ["setup test"]);
    assert.equal(t.plugin.clock, clock, "a tool without forOwner is given as itself");
  }
  const released: string[] = [];
  const jobs = { name: "clock", release: (id: string) => void released.push(id) };
  await using t = await bootPlugin(UsesClock, { tools: { clock: jobs } });
  await t.unload();
  assert.deepEqual([...new Set(released)], ["test/uses_clock"]);
});

Deno.test("a replacement with forOwner is a tool: the plugin gets what forOwner returns", async () => {
  const clock = { name: "clock", forOwner: (o: Owner) => `clock of ${o.id}` };
  await using t = await bootPlugin(UsesClock, { tools: { clock } });
  assert.equal(t.plugin.clock, "clock of test/uses_clock");
});

Deno.test("any other replacement is a value, injected as is and never driven", async () => {
  // Named after another tool: a value, though it has tool hooks.
  const other = { name: "timer", forOwner: () => "not this", release() {} };
  {
    await using t = await bootPlugin(UsesClock, { tools: { clock: other } });
    assert.equal(t.plugin.clock, other);
  }
  // Named like the tool but without forOwner, setup or release: a value too.
  let shutdowns = 0;
  const plain = { name: "clock", now: () => 5, shutdown: () => void shutdowns++ };
  {
    await using t = await bootPlugin(UsesClock, { tools: { clock: plain } });
    assert.equal(t.plugin.clock, plain);
  }
  assert.equal(shutdowns, 0, "the kernel did not call the value's shutdown");
  // asTool wraps any value, falsy ones included.
  for (const value of [0, "", false, null, undefined]) {
    const tool = asTool("clock", value);
    assert.equal(tool.name, "clock");
    assert.equal(tool.forOwner!(owner), value);
  }
});

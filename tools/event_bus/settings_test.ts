/**
 * The bus's settings: read only through the tool context, every one declared, and a driver
 * given to the constructor wins over them.
 * @module
 */
import assert from "node:assert/strict";
import type { ToolContext } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { type BusDriver, InProcessDriver } from "./driver.ts";
import { NatsDriver } from "./nats_driver.ts";
import { chosenDriver, natsOptions } from "./settings.ts";
import { EventBusTool } from "./tool.ts";

/** A context that, like the kernel's, refuses reads of variables the tool did not declare. */
function strictContext(bus: EventBusTool, env: Record<string, string>): ToolContext {
  const ctx = standaloneContext({ env });
  return {
    ...ctx,
    env: (key) => {
      if (!Object.hasOwn(bus.env, key)) throw new Error(`${key} read without being declared`);
      return ctx.env(key);
    },
  };
}

Deno.test("settings: the nats driver reads only declared variables", async () => {
  const bus = new EventBusTool();
  const url = "nats://127.0.0.1:1";
  const ctx = strictContext(bus, {
    EVENT_BUS_DRIVER: "nats",
    NATS_URL: url,
    EVENT_BUS_STREAM: "settings_test",
  });
  await assert.rejects(
    async () => await bus.setup(ctx),
    (e: Error) => e.message.includes(`cannot connect to NATS at ${url}`),
  );
  await bus.shutdown();
});

Deno.test("settings: a driver given to the constructor is kept whatever the settings", () => {
  const bus = new EventBusTool({ driver: new InProcessDriver() });
  bus.setup(strictContext(bus, { EVENT_BUS_DRIVER: "kafka" }));
  assert.equal(bus.describe().driver, "in_process");
  return bus.shutdown();
});

Deno.test("settings: unset and in_process keep the in-process driver", async () => {
  const cases: Record<string, string>[] = [
    {},
    { EVENT_BUS_DRIVER: "in_process" },
    { EVENT_BUS_DRIVER: "memory" },
  ];
  for (const env of cases) {
    const bus = new EventBusTool();
    await bus.setup(strictContext(bus, env));
    assert.equal(bus.describe().driver, "in_process");
    await bus.shutdown();
  }
});

Deno.test("settings: NATS_URL and EVENT_BUS_STREAM, empty meaning unset", () => {
  const read = (env: Record<string, string>) => (key: string) => env[key];
  assert.deepEqual(natsOptions(read({})), { url: undefined, stream: undefined });
  assert.deepEqual(natsOptions(read({ NATS_URL: "", EVENT_BUS_STREAM: "" })), {
    url: undefined,
    stream: undefined,
  });
  assert.deepEqual(natsOptions(read({ NATS_URL: "nats://h:1", EVENT_BUS_STREAM: "shop" })), {
    url: "nats://h:1",
    stream: "shop",
  });
});

Deno.test("settings: EVENT_BUS_PUBLISH_TIMEOUT_MS, a positive whole number of ms", () => {
  const read = (v: string) => (key: string) =>
    key === "EVENT_BUS_PUBLISH_TIMEOUT_MS" ? v : undefined;
  assert.equal(natsOptions(read("2500")).publishTimeoutMs, 2500);
  assert.equal(natsOptions(read("")).publishTimeoutMs, undefined, "empty is unset");
  for (const bad of ["0", "-5", "1.5", "ten"]) {
    assert.throws(
      () => natsOptions(read(bad)),
      (e) =>
        e instanceof Error &&
        e.message ===
          `EVENT_BUS_PUBLISH_TIMEOUT_MS="${bad}": use a positive whole number of milliseconds`,
    );
  }
});

Deno.test("settings: the driver chosen, kept, or refused with the known ones", async () => {
  const env = (v?: string) => (key: string) => key === "EVENT_BUS_DRIVER" ? v : undefined;
  const inProcess = new InProcessDriver();
  const nats = { ...new InProcessDriver(), kind: "nats" } as unknown as BusDriver;
  for (const v of [undefined, "", "in_process", "memory"]) {
    assert.equal(chosenDriver(env(v), inProcess), undefined, `${v} keeps in_process`);
  }
  assert.equal(chosenDriver(env("nats"), nats), undefined, "already nats");
  assert.equal(chosenDriver(env("in_process"), nats), undefined, "a given nats driver is kept");
  const chosen = await chosenDriver(env("nats"), inProcess);
  assert.ok(chosen instanceof NatsDriver);
  assert.deepEqual([chosen.url, chosen.stream], ["nats://127.0.0.1:4222", "microcore"]);
  assert.throws(
    () => chosenDriver(env("kafka"), inProcess),
    (e) =>
      e instanceof Error &&
      e.message === "EVENT_BUS_DRIVER=kafka is not available; known drivers: in_process, nats",
  );
  assert.throws(() => chosenDriver(env("fake"), nats), /EVENT_BUS_DRIVER=fake is not available/);
});

import assert from "node:assert/strict";
import type { Driver } from "./driver.ts";
import { timedDriver } from "./timed_driver.ts";

function fake(networked: boolean): Driver {
  const d = {
    kind: "postgres",
    location: "postgres://h/db",
    exclusive: false,
    beginSql: "BEGIN",
    query: () => Promise.resolve([{ x: 1 }]),
    queryOne: () => null,
    execute: () => {
      throw new Error("nope");
    },
    executeMany: () => ({ changes: 0 }),
    exec: () => {},
    reserve: () => ({ ...d, release: () => {} }),
    describeSchema: () => [],
    close: () => {},
    lock: () => Promise.resolve(() => Promise.resolve()),
  } as Driver;
  if (networked) d.onConnectionLost = undefined;
  return d;
}

Deno.test("timedDriver: statements timed by system and SQL, errors too; the driver's face kept", async () => {
  const seen: string[] = [];
  const telemetry = {
    metrics: {
      statement: (system: string, sql: string) => ({
        observe: (s: number) => void seen.push(`${system} ${sql} ${s >= 0}`),
      }),
    },
  };
  const inner = fake(true);
  const d = timedDriver(inner, telemetry);
  assert.deepEqual(await d.query("SELECT 1"), [{ x: 1 }]);
  assert.equal(d.queryOne("SELECT 2"), null);
  assert.throws(() => d.execute("DELETE FROM t"), /nope/);
  const tx = await d.reserve();
  await tx.exec("BEGIN");
  assert.deepEqual(seen, [
    "postgresql SELECT 1 true",
    "postgresql SELECT 2 true",
    "postgresql DELETE FROM t true",
    "postgresql BEGIN true",
  ]);
  assert.equal(d.kind, "postgres");
  assert.equal(typeof d.lock, "function");
  assert.ok("onConnectionLost" in d);
  const f = () => {};
  d.onConnectionLost = f;
  assert.equal(inner.onConnectionLost, f, "set on the real driver, which calls it");
  assert.ok(!("onConnectionLost" in timedDriver(fake(false), telemetry)), "not networked");
  assert.equal(timedDriver(inner, undefined), inner, "no telemetry: the driver itself");
  assert.equal(timedDriver(inner, {}), inner, "metrics off: the driver itself");
});

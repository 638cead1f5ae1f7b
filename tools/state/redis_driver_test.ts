/**
 * The Redis driver against a real server (REDIS_URL, default redis://127.0.0.1:6379): the
 * store contract, prefixes, sharing, and the tool choosing it. Skipped when no server answers.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { RedisDriver } from "./redis_driver.ts";
import { State } from "./store.ts";
import { StateTool } from "./tool.ts";
import { stateContract } from "./store_contract.ts";

const URL = Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";

async function reachable(): Promise<boolean> {
  const d = await RedisDriver.connect(URL, { timeoutMs: 1000 });
  await d.close();
  return d.health.state === "ready";
}

const up = await reachable();
if (!up) console.warn(`Redis not reachable at ${URL}: Redis state driver tests skipped`);

const run = Math.random().toString(36).slice(2, 8);
let n = 0;

describe("state, redis driver", { skip: !up }, () => {
  stateContract({
    // Each test gets its own key prefix so parallel runs and other data are left alone.
    driver: () => RedisDriver.connect(URL, { keyPrefix: `mctest:${run}:${n++}:` }),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    tick: 100,
  });

  it("clear() leaves keys outside its prefix alone", async () => {
    const mine = await RedisDriver.connect(URL, { keyPrefix: `mctest:${run}:mine:` });
    const other = await RedisDriver.connect(URL, { keyPrefix: `mctest:${run}:other:` });
    try {
      await new State(other).set("keep", 1);
      await new State(mine).set("drop", 1);
      await new State(mine).clear();
      assert.equal(await new State(other).get("keep"), 1);
      assert.deepEqual(await new State(mine).keys(), []);
    } finally {
      await other.clear("");
      await mine.close();
      await other.close();
    }
  });

  it("two instances share counters (what several app instances see)", async () => {
    const prefix = `mctest:${run}:shared:`;
    const aDriver = await RedisDriver.connect(URL, { keyPrefix: prefix });
    const a = new State(aDriver);
    const bDriver = await RedisDriver.connect(URL, { keyPrefix: prefix });
    const b = new State(bDriver);
    try {
      await Promise.all([
        ...Array.from({ length: 50 }, () => a.increment("c")),
        ...Array.from({ length: 50 }, () => b.increment("c")),
      ]);
      assert.equal(await a.get("c"), 100);
    } finally {
      await b.clear();
      await aDriver.close();
      await bDriver.close();
    }
  });

  it("is chosen by STATE_DRIVER=redis, keeps keys under STATE_KEY_PREFIX, closes at shutdown", async () => {
    const keyPrefix = `mctest:${run}:app:`;
    const tool = new StateTool();
    await tool.setup(standaloneContext({
      env: { STATE_DRIVER: "redis", REDIS_URL: URL, STATE_KEY_PREFIX: keyPrefix },
    }));
    const other = await RedisDriver.connect(URL, { keyPrefix: `mctest:${run}:` });
    try {
      assert.equal(tool.driver.name, "redis");
      assert.deepEqual(tool.describe(), {
        driver: "redis",
        address: new globalThis.URL(URL).host,
        keyPrefix,
        timeoutMs: 2000,
      });
      await tool.store.namespace("ns").set("k", { ok: true });
      assert.deepEqual(await tool.store.namespace("ns").get("k"), { ok: true });
      assert.deepEqual(await new State(other).keys(), ["app:ns:k"], "under the prefix");
    } finally {
      await tool.store.clear();
      await other.close();
      await tool.shutdown();
    }
    await assert.rejects(RedisDriver.connect(URL, { keyPrefix: "" }), /prefix must not be empty/);
  });
});

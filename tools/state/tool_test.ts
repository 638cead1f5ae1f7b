/**
 * The state tool: one shared store, the driver chosen from its settings.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import defaultTool, { State, StateTool } from "./mod.ts";

describe("state tool", () => {
  it("is the tool named state and hands plugins one shared store", async () => {
    assert.equal(new defaultTool().name, "state");
    const tool = new StateTool();
    await tool.setup(standaloneContext());
    const a = tool.forOwner();
    const b = tool.forOwner();
    assert.ok(a instanceof State);
    await a.set("shared", 1);
    assert.equal(await b.get("shared"), 1);
    assert.deepEqual(tool.describe(), { driver: "memory", size: 1 });
    await tool.shutdown();
  });

  it("refuses an unknown STATE_DRIVER with a clear error", async () => {
    const tool = new StateTool();
    await assert.rejects(
      tool.setup(standaloneContext({ env: { STATE_DRIVER: "mongo" } })),
      /STATE_DRIVER=mongo.*memory.*redis/,
    );
  });

  it("reads only the settings it declares", async () => {
    const tool = new StateTool();
    const read: string[] = [];
    // Port 1 refuses at once: setup reads every setting, then starts degraded.
    const ctx = standaloneContext({
      env: { STATE_DRIVER: "redis", REDIS_URL: "redis://127.0.0.1:1" },
    });
    await tool.setup({ ...ctx, env: (k) => (read.push(k), ctx.env(k)) });
    await tool.shutdown();
    assert.deepEqual(read.sort(), [
      "REDIS_TLS_CA",
      "REDIS_URL",
      "STATE_DRIVER",
      "STATE_KEY_PREFIX",
      "STATE_TIMEOUT_MS",
    ]);
    for (const key of read) assert.ok(Object.hasOwn(tool.env, key), `${key} is not declared`);
  });
});

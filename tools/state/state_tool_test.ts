import { describe, it } from "node:test";
import assert from "node:assert/strict";
import defaultTool, { StateStore, StateTool } from "./mod.ts";

describe("state tool", () => {
  it("is the tool named state and hands plugins one shared store", async () => {
    assert.equal(new defaultTool().name, "state");
    const tool = new StateTool({ env: () => undefined });
    await tool.setup();
    const a = tool.forOwner();
    const b = tool.forOwner();
    assert.ok(a instanceof StateStore);
    await a.set("shared", 1);
    assert.equal(await b.get("shared"), 1);
    assert.deepEqual(tool.describe(), { driver: "memory", size: 1 });
    await tool.shutdown();
  });

  it("refuses an unknown STATE_DRIVER with a clear error", async () => {
    const tool = new StateTool({ env: (k) => (k === "STATE_DRIVER" ? "mongo" : undefined) });
    await assert.rejects(tool.setup(), /STATE_DRIVER=mongo.*memory.*redis/);
  });
});

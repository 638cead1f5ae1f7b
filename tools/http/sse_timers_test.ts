/**
 * A closed SSE stream leaves no heartbeat timer behind (one per stream would keep the process
 * alive and pile up). Timers are counted by wrapping setInterval/clearInterval in this test.
 * @module
 */
import assert from "node:assert/strict";
import { call, makeTool, owner } from "./test_helpers.ts";

Deno.test("sse: a closed stream clears its heartbeat timer", async () => {
  const live = new Set<unknown>();
  const { setInterval: set, clearInterval: clear } = globalThis;
  globalThis.setInterval = ((fn: () => void, ms?: number) => {
    const id = set(fn, ms);
    live.add(id);
    return id;
  }) as typeof setInterval;
  globalThis.clearInterval = ((id?: Parameters<typeof clearInterval>[0]) => {
    live.delete(id);
    clear(id);
  }) as typeof clearInterval;
  try {
    const { tool } = makeTool();
    const o = owner("shop/beat");
    tool.forOwner(o).addSse("/beat", async function* () {
      yield { data: "hi" };
      await new Promise(() => {});
    }, { heartbeatMs: 60_000 });
    tool.activate(o);
    const reader = (await call(tool, "GET", "/beat")).body!.getReader();
    await reader.read();
    assert.equal(live.size, 1, "a heartbeat timer while the stream is open");
    tool.release("shop/beat");
    while (!(await reader.read()).done);
    assert.equal(live.size, 0, "none once it closed");
  } finally {
    globalThis.setInterval = set;
    globalThis.clearInterval = clear;
  }
});

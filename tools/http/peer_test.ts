import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import type { ListenOptions } from "./tool.ts";
import { owner } from "./test_helpers.ts";
import { HttpTool } from "./tool.ts";

const LISTENERS: [string, ListenOptions["limits"]][] = [
  ["Deno.serve", false],
  ["the guarded listener", { maxConnections: 10 }],
];

for (const [name, limits] of LISTENERS) {
  Deno.test(`ctx.remoteAddr (${name}): the client's address over a socket, undefined in-process`, async () => {
    const tool = new HttpTool();
    tool.setup(standaloneContext());
    const url = await tool.listen({ hostname: "127.0.0.1", port: 0, limits });
    try {
      const o = owner("t/peer");
      tool.forOwner(o).addEndpoint("/peer", "GET", (_d, ctx) => ({
        success: true,
        data: ctx.remoteAddr ? { ...ctx.remoteAddr } : null,
      }));
      tool.activate(o);
      const res = await fetch(`${url}/peer`);
      const { data } = await res.json();
      assert.equal(data.hostname, "127.0.0.1");
      assert.equal(data.transport, "tcp");
      assert.ok(Number.isInteger(data.port) && data.port !== Number(new URL(url).port));
      const local = await tool.fetch(new Request("http://test.local/peer"));
      assert.deepEqual(await local.json(), { success: true, data: null });
    } finally {
      await tool.shutdown();
    }
  });
}

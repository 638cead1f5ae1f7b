/**
 * A restart that drops nothing: two processes' listeners on one port (SO_REUSEPORT), the old one
 * stopped while clients keep sending on keep-alive connections. Here two tools in one process
 * stand for the two processes.
 */
import assert from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { owner } from "./test_helpers.ts";
import { keepAliveLoad } from "@microcore/testing/keepalive_load.ts";
import { HttpTool } from "./tool.ts";

async function app(name: string, env: Record<string, string>, port: number) {
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log: recordingLog(), env, mode: "start" }));
  const o = owner(`app/${name}`);
  tool.forOwner(o).addEndpoint("/who", "GET", () => ({ success: true, data: name }));
  tool.activate(o);
  const url = await tool.listen({
    hostname: "127.0.0.1",
    port,
    reusePort: env.HTTP_REUSE_PORT === "true",
  });
  return { tool, port: Number(new URL(url).port) };
}

Deno.test({
  name: "HTTP_REUSE_PORT: stopping the old listener under load drops no request; clients move over",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const env = { HTTP_REUSE_PORT: "true", HTTP_DRAIN_MS: "300" };
    const old = await app("old", env, 0);
    const load = keepAliveLoad(old.port, 16, "/who");
    await new Promise((r) => setTimeout(r, 300));
    const next = await app("new", env, old.port);
    await new Promise((r) => setTimeout(r, 200));
    await old.tool.quiesce(5000);
    await old.tool.shutdown();
    await new Promise((r) => setTimeout(r, 300));
    const tally = await load.stop();
    await next.tool.quiesce(5000);
    await next.tool.shutdown();
    const by = (who: string) => tally.bodies.get(JSON.stringify({ success: true, data: who })) ?? 0;
    assert.equal(tally.failed, 0, `failed requests: ${tally.failed} of ${tally.ok + tally.failed}`);
    assert.ok(by("old") > 0 && by("new") > 0, `${[...tally.bodies]}`);
    assert.ok(tally.closeAsked > 0, "draining responses asked clients to reconnect");
  },
});

Deno.test("HTTP_REUSE_PORT and HTTP_DRAIN_MS are checked; without reuse a second listener is refused", async () => {
  for (
    const [env, msg] of [
      [{ HTTP_REUSE_PORT: "yes" }, /HTTP_REUSE_PORT must be true or false: yes/],
      [{ HTTP_DRAIN_MS: "-1" }, /HTTP_DRAIN_MS must be a whole number of ms >= 0: -1/],
    ] as const
  ) {
    assert.throws(() => new HttpTool().setup(standaloneContext({ env, log: recordingLog() })), msg);
  }
  const first = await app("first", {}, 0);
  try {
    const second = new HttpTool();
    second.setup(standaloneContext({ log: recordingLog() }));
    await assert.rejects(
      () => second.listen({ hostname: "127.0.0.1", port: first.port }),
      /already in use/,
    );
  } finally {
    await first.tool.shutdown();
  }
});

/**
 * A planned restart of `deno task dev` (a change under tools/) drops nothing: the running
 * process keeps serving until its successor listens on the same port, then hands its keep-alive
 * clients over. Counted by clients without retries, like wrk.
 */
import assert from "node:assert/strict";
import { keepAliveLoad } from "@microcore/testing/keepalive_load.ts";
import { copyProject } from "./harness.ts";
import { spawnProc } from "./proc.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test({
  name: "dev: a restart (tools/ changed) under load fails no request; the new process serves",
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const port = freePort();
    const app = spawnProc(Deno.execPath(), ["task", "dev"], {
      cwd: dir,
      env: { PORT: String(port), HOST: "127.0.0.1" },
    });
    try {
      await app.waitForLine(/hot reload: watching/, 30_000);
      const load = keepAliveLoad(port, 8, "/health");
      await new Promise((r) => setTimeout(r, 300));
      const from = app.lines.length;
      const file = `${dir}/tools/config/types.ts`;
      await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + "\n// touched\n");
      await app.waitForLine(
        /restarting the process: tools\/config\/types\.ts changed/,
        20_000,
        from,
      );
      await app.waitForLine(/stopped cleanly/, 30_000, from);
      await app.waitForLine(/hot reload: watching/, 30_000, from);
      await new Promise((r) => setTimeout(r, 300));
      const tally = await load.stop();
      assert.equal(
        tally.failed,
        0,
        `failed requests: ${tally.failed} of ${tally.ok + tally.failed}`,
      );
      assert.ok(tally.ok > 50, `requests served: ${tally.ok}`);
      assert.ok(tally.closeAsked > 0, "the old process asked its clients to reconnect");
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
      assert.doesNotMatch(app.lines.slice(from).join("\n"), /already in use/);
    } finally {
      await app.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

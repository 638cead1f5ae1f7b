import assert from "node:assert/strict";
import { copyProject, generatePermissions } from "./harness.ts";
import { spawnProc } from "./proc.ts";

Deno.test({
  name: "start on a taken port: one message naming the port and PORT=, exit 1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (holder.addr as Deno.NetAddr).port;
    const dir = await copyProject();
    try {
      const env = { PORT: String(port), HOST: "127.0.0.1", DB_PATH: `${dir}/data/app.db` };
      await generatePermissions(dir, env); // allowed to listen there: the port is just taken
      const app = spawnProc(Deno.execPath(), ["task", "start"], { cwd: dir, env });
      const { code } = await app.exited;
      await app.stop(0);
      const out = app.lines.join("\n");
      assert.equal(code, 1, out);
      const said = app.lines.filter((l) =>
        l.includes(`port ${port} on 127.0.0.1 is already in use by another process`)
      );
      // Once for the tool's failure, once in its boot-report line; the plugins only refer to it.
      assert.equal(said.length, 2, out);
      assert.match(said[0], /set PORT to another port \(PORT=0 picks a free one\)/);
      assert.ok(
        app.lines.some((l) => l.includes('needs tool \\"http\\", which failed (see above)')),
        out,
      );
      assert.ok(!app.lines.some((l) => l.includes("Address already in use")), out);
    } finally {
      holder.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

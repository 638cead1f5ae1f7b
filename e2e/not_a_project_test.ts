import assert from "node:assert/strict";
import { copyProject } from "./harness.ts";

Deno.test({
  name: "dev and start refuse a folder with neither tools/ nor domains/: a clear message, exit 1",
  sanitizeResources: false,
  async fn() {
    const dir = await copyProject();
    try {
      await Deno.remove(`${dir}/tools`, { recursive: true });
      await Deno.remove(`${dir}/domains`, { recursive: true });
      for (const task of ["start", "dev"]) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["task", "-q", task],
          cwd: dir,
          env: { NO_COLOR: "1", PORT: "0", HOST: "127.0.0.1" },
          stdout: "piped",
          stderr: "piped",
          stdin: "null",
        }).output();
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 1, `${task}: ${text}`);
        assert.match(text, /is not a MicroCoreOS project: it has neither tools\/ nor domains\//);
        assert.doesNotMatch(text, /listening on|booted/, `${task} served nothing`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

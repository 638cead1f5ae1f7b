/**
 * Ctrl-C as a terminal sends it: SIGINT to the whole process group (`deno task`, the dev
 * supervisor and the app all get it at once). The app must stop cleanly every time (exit 0,
 * "stopped cleanly"), and a second Ctrl-C after a pause must still force it out.
 */
import assert from "node:assert/strict";
import { copyProject, generatePermissions } from "./harness.ts";
import { type Proc, spawnProc } from "./proc.ts";

const LISTENING = /listening on http:\/\/[^\s:]+:(\d+)/;

/** `deno task <task>` as the leader of a process group of its own (as a terminal runs it). */
async function inGroup(task: "dev" | "start", cwd: string): Promise<Proc> {
  const env = { PORT: "0", HOST: "127.0.0.1" };
  if (task === "start") await generatePermissions(cwd, env);
  const p = spawnProc("setsid", [Deno.execPath(), "task", task], { cwd, env });
  await p.waitForLine(LISTENING, 30_000);
  if (task === "dev") await p.waitForLine(/hot reload: watching/, 30_000);
  return p;
}

/** What the terminal does on Ctrl-C: SIGINT to every process of the group. */
async function ctrlC(p: Proc): Promise<void> {
  const { code } = await new Deno.Command("kill", { args: ["-INT", "--", `-${p.pid}`] }).output();
  assert.equal(code, 0, "kill -INT to the process group");
}

for (const task of ["dev", "start"] as const) {
  Deno.test({
    name: `Ctrl-C on deno task ${task} (SIGINT to the process group) stops cleanly, 3 times of 3`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await copyProject();
      try {
        for (let run = 0; run < 3; run++) {
          const p = await inGroup(task, dir);
          await ctrlC(p);
          const { code } = await p.exited;
          await p.stop(0);
          const out = p.lines.join("\n");
          assert.equal(code, 0, `run ${run}: exit ${code}\n${out}`);
          assert.match(out, /stopped cleanly/, `run ${run}`);
        }
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}

const SLOW_SHUTDOWN = `import { BasePlugin } from "@core";

export default class SlowShutdown extends BasePlugin {
  override async shutdown() {
    console.log("slow shutdown started");
    await new Promise((r) => setTimeout(r, 8000));
  }
}
`;

Deno.test({
  name: "a second Ctrl-C after a pause forces a stuck shutdown out at once (exit 130)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    try {
      await Deno.mkdir(`${dir}/domains/slow/plugins`, { recursive: true });
      await Deno.writeTextFile(`${dir}/domains/slow/plugins/slow_shutdown.ts`, SLOW_SHUTDOWN);
      const p = await inGroup("start", dir);
      await ctrlC(p);
      await p.waitForLine(/slow shutdown started/, 10_000);
      await new Promise((r) => setTimeout(r, 1200)); // a pause: not a copy of the first
      const t = performance.now();
      await ctrlC(p);
      const { code } = await p.exited;
      await p.stop(0);
      assert.equal(code, 130, p.lines.join("\n"));
      assert.ok(performance.now() - t < 3000, "forced out at once, not after the slow hook");
      assert.doesNotMatch(p.lines.join("\n"), /stopped cleanly/);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

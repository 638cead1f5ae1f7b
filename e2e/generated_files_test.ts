/**
 * The generated files follow every change while `deno task dev` runs, a deletion of a plugin that
 * had failed to load included: `deno task context --check` and `manifest --check` pass after it.
 */
import assert from "node:assert/strict";
import { copyProject, startApp } from "./harness.ts";

const BROKEN = `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";

export default class Broken extends BasePlugin {
  constructor(private http: Http) {
    super();
  }
  override onBoot() {
    throw new Error("not today");
  }
}
`;

async function check(dir: string, task: string): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", task, "--check"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** Polls `f` until it holds (the generated files are written just after a reload). */
async function eventually(f: () => Promise<boolean>, what: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

Deno.test({
  name: "e2e dev: add a failing plugin, then delete it: AI_CONTEXT.md and the manifest follow",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const app = await startApp("dev", dir);
    const file = `${dir}/domains/products/plugins/zz_broken.ts`;
    try {
      const context = () => Deno.readTextFile(`${dir}/AI_CONTEXT.md`);
      const manifest = () => Deno.readTextFile(`${dir}/microcore.gen.ts`);
      const before = { context: await context(), manifest: await manifest() };
      await Deno.writeTextFile(file, BROKEN);
      await app.waitForLine(/products\/zz_broken failed/, 15_000);
      await eventually(async () => (await manifest()).includes("zz_broken"), "manifest lists it");
      await Deno.remove(file);
      await eventually(
        async () => (await manifest()) === before.manifest && (await context()) === before.context,
        "manifest and AI_CONTEXT.md back to what they were",
      );
      for (const task of ["context", "manifest"]) {
        const r = await check(dir, task);
        assert.equal(r.code, 0, `${task} --check: ${r.out}`);
      }
    } finally {
      await app.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

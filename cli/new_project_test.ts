/**
 * `deno task new project <dir>` as a newcomer runs it, from another folder: a working app whose
 * own two README commands pass, with nothing of the framework's own tests or tooling, and a
 * refusal to write into a non-empty folder without --force (which still keeps .env and README.md).
 */
import assert from "node:assert/strict";
import { projectRoot as ROOT } from "@core";
import { spawnProc } from "../e2e/proc.ts";

const dec = new TextDecoder();

async function run(cwd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

async function files(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}/${rel}`)) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await files(dir, p));
    else out.push(p);
  }
  return out;
}

Deno.test({
  name: "deno task new project: a working app in a new folder; its README's two commands pass",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "microcore-new-project-" });
    try {
      // `deno task` keeps an INIT_CWD it inherits (this test may run under `deno task test`):
      // set it to where a user would have typed the command.
      const newProject = (...extra: string[]) =>
        run(home, [
          "task",
          "-q",
          "--config",
          `${ROOT}/deno.json`,
          "new",
          "project",
          "shop",
          ...extra,
        ], { INIT_CWD: home });
      let r = await newProject();
      assert.equal(r.code, 0, r.text);
      const dir = `${home}/shop`;
      const all = await files(dir);
      for (
        const f of [
          "main.ts",
          "deno.json",
          "deno.lock",
          "README.md",
          ".env.example",
          ".gitignore",
          "AI_CONTEXT.md",
          "microcore.gen.ts",
          "core/kernel.ts",
          "tools/http/mod.ts",
          "testing/mod.ts",
          "cli/new.ts",
          "dev/main.ts",
          "domains/products/plugins/get_product.ts",
          "domains/products/plugins/get_product_test.ts",
          "domains/system/plugins/health.ts",
        ]
      ) {
        assert.ok(all.includes(f), `${f} written`);
      }
      assert.deepEqual(
        all.filter((f) =>
          !f.startsWith("domains/") && /_test\.ts$|testdata\/|^(bench|mutate|e2e)\//.test(f)
        ),
        [],
        "none of the framework's own tests, benchmarks or mutation setup",
      );
      const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
      assert.equal(config.tasks.bench, undefined);
      assert.equal(config.permissions.mutate, undefined);
      assert.match(await Deno.readTextFile(`${dir}/.env.example`), /^# PORT=$/m);
      const readme = await Deno.readTextFile(`${dir}/README.md`);
      assert.match(readme, /deno task dev/);
      assert.match(readme, /deno task test/);
      assert.equal((await run(dir, ["task", "-q", "manifest", "--check"])).code, 0);

      // The README's two commands: the tests pass, and dev serves.
      r = await run(dir, ["task", "test"]);
      assert.equal(r.code, 0, r.text);
      assert.match(r.text, /ok \| \d+ passed \| 0 failed/);
      const app = spawnProc(Deno.execPath(), ["task", "dev"], {
        cwd: dir,
        env: { PORT: "0", HOST: "127.0.0.1" },
      });
      try {
        const line = await app.waitForLine(/listening on http:\/\/[^\s:]+:(\d+)/, 30_000);
        const port = /:(\d+)/.exec(line.slice(line.indexOf("listening")))![1];
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        assert.equal(res.status, 200);
        await res.body?.cancel();
      } finally {
        await app.stop();
      }

      // Not empty: refused, nothing written. With --force: written, but .env and README.md kept.
      await Deno.writeTextFile(`${dir}/README.md`, "# mine\n");
      await Deno.writeTextFile(`${dir}/.env`, "PORT=1234\n");
      await Deno.writeTextFile(`${dir}/core/kernel.ts`, "// edited\n");
      r = await newProject();
      assert.equal(r.code, 2, r.text);
      assert.match(r.text, /shop is not empty; nothing written\. .*--force/);
      assert.equal(await Deno.readTextFile(`${dir}/core/kernel.ts`), "// edited\n");
      r = await newProject("--force");
      assert.equal(r.code, 0, r.text);
      assert.match(r.text, /kept your README\.md/);
      assert.equal(await Deno.readTextFile(`${dir}/README.md`), "# mine\n");
      assert.equal(await Deno.readTextFile(`${dir}/.env`), "PORT=1234\n");
      assert.notEqual(await Deno.readTextFile(`${dir}/core/kernel.ts`), "// edited\n");
    } finally {
      await Deno.remove(home, { recursive: true }).catch(() => {});
    }
  },
});

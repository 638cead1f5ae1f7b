/**
 * The real `deno compile`. It needs Deno's runtime (`denort`), which it downloads from Deno's
 * servers unless `DENORT_BIN` names a local copy or it is already in Deno's cache.
 *
 * - Always: compile with the `deno` executable standing in for `denort` (the output cannot run,
 *   but it holds exactly what a real build embeds) and check its contents and baked settings.
 * - When the runtime is available: build the real binary, run it, GET /health and /products,
 *   stop it with SIGTERM. Otherwise that test is ignored and says so.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { projectRoot as root, walkProject } from "@core";
import { compileArgs, readConfig } from "./compile.ts";
import { wantedSets } from "./permissions.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function compile(
  output: string,
  env: Record<string, string> = {},
  settings?: Record<string, string>,
): Promise<void> {
  // With settings: the start set `deno task permissions` makes for them (a deployment's build).
  const start = settings
    ? (await wantedSets(root, (k) => settings[k])).sets.start
    : (await readConfig(root)).permissions!.start;
  const args = compileArgs({ permissions: start, output });
  const out = await new Deno.Command("deno", {
    args,
    cwd: root,
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  equal(out.code, 0, `deno ${args.join(" ")}\n${decode(out.stderr)}`);
}

/** Where the runtime is: `DENORT_BIN` (a real one, not the deno CLI) or Deno's download cache. */
async function findRuntime(): Promise<string | undefined> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin) {
    const real = await Deno.realPath(bin).catch(() => undefined);
    return real && real !== await Deno.realPath(Deno.execPath()) ? real : undefined;
  }
  const info = await new Deno.Command("deno", { args: ["info", "--json"], stdout: "piped" })
    .output();
  const { denoDir } = JSON.parse(decode(info.stdout)) as { denoDir: string };
  const zip = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  return (await Deno.stat(zip).then(() => true, () => false)) ? zip : undefined;
}

/** For each needle, the text that follows its first occurrence in a (large) binary file. */
async function scan(path: string, needles: string[], window = 4096): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const latin1 = new TextDecoder("latin1");
  using file = await Deno.open(path);
  const buf = new Uint8Array(8 << 20);
  let carry = "";
  for (;;) {
    const n = await file.read(buf);
    const chunk = carry + (n === null ? "" : latin1.decode(buf.subarray(0, n)));
    for (const s of needles) {
      const i = found.has(s) ? -1 : chunk.indexOf(s);
      // Take it once the window after it is complete (or the file ended).
      if (i >= 0 && (i + window <= chunk.length || n === null)) {
        found.set(s, chunk.slice(i, i + window));
      }
    }
    if (n === null) break;
    carry = chunk.slice(-2 * window);
  }
  return found;
}

Deno.test("deno compile (deno CLI standing in for denort): embeds the tree, bakes start --compiled and the start permissions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "microcore-compile-" });
  try {
    await compile(`${dir}/app`, { DENORT_BIN: Deno.execPath() });
    const src = await walkProject(root);
    const migrations: string[] = [];
    for (const d of src.domains) {
      try {
        for await (const e of Deno.readDir(`${d.dir}/migrations`)) migrations.push(e.name);
      } catch { /* no migrations */ }
    }
    ok(migrations.length > 0);
    const names = [
      ...migrations,
      ...src.plugins.map((p) => p.file.split("/").pop()!),
      "microcore.gen.ts",
      "swagger-ui-bundle.js",
    ].map((n) => `"n":"${n}"`);
    const found = await scan(`${dir}/app`, [...names, `"argv":`, `"permissions":`]);
    for (const n of names) ok(found.has(n), `${n} is not embedded`);
    match(found.get(`"argv":`)!, /^"argv":\["start","--compiled"\]/);
    const perms = JSON.parse(found.get(`"permissions":`)!.match(/^"permissions":(\{[^}]*\})/)![1]);
    deepEqual(perms.allow_read, ["."]);
    deepEqual(perms.allow_write, ["./data"]);
    equal(perms.allow_run, null);
    equal(perms.prompt, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const runtime = await findRuntime();
if (!runtime) {
  console.log(
    "SKIPPED compiled binary test: Deno's runtime (denort) is not available here — set DENORT_BIN " +
      "or run `deno task compile` once where Deno's servers are reachable.",
  );
}

Deno.test({
  name: runtime
    ? "compiled binary: boots from the manifest, serves /health and /products, stops on SIGTERM"
    : "compiled binary: SKIPPED (denort unavailable: set DENORT_BIN or prime Deno's cache)",
  ignore: !runtime,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "microcore-binary-" });
    try {
      const port = (() => {
        const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const p = (l.addr as Deno.NetAddr).port;
        l.close();
        return p;
      })();
      const settings = { PORT: String(port), HOST: "127.0.0.1" };
      await compile(`${dir}/app`, {}, settings);
      const work = `${dir}/work`;
      await Deno.mkdir(work);
      const child = new Deno.Command(`${dir}/app`, {
        cwd: work,
        env: { ...settings, LOG_LEVEL: "info" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const logs = Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ]);
      const base = `http://127.0.0.1:${port}`;
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health; i++) {
        health = await fetch(`${base}/health`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 100));
      }
      ok(health, "the binary never answered /health");
      equal(health.status, 200);
      await health.body?.cancel();
      const list = await fetch(`${base}/products`);
      equal(list.status, 200);
      ok((await list.json()).success);
      const css = await fetch(`${base}/docs/swagger-ui.css`);
      equal(css.status, 200);
      await css.body?.cancel();
      child.kill("SIGTERM");
      const status = await child.status;
      const [out, err] = await logs;
      equal(status.code, 0, out + err);
      match(out + err, /hot reload off \(compiled binary\)/);
      ok((await Deno.stat(`${work}/data/app.db`)).isFile, "the database is written outside");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

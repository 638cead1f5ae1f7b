/**
 * `deno compile` support: the manifest matches the tree, booting from it equals booting from the
 * folder walk, everything read at run time is inside the compile inputs, and (when Deno's
 * runtime `denort` is available) the real binary serves and stops cleanly.
 */
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { MANIFEST_FILE, projectRoot as root, walkProject } from "@core";
import { standaloneContext } from "@microcore/testing";
import DbTool from "@tools/db/mod.ts";
import { COMPILED_FLAG, isCompiled, startOptions } from "../main.ts";
import { plugin, recordingTool, tempProject } from "@core/testdata/project.ts";
import {
  currentManifest,
  diffManifest,
  identifiers,
  manifestEntries,
  renderManifest,
  wantedManifest,
} from "../dev/manifest.ts";
import { COMPILE_INCLUDES, compileArgs, permissionFlags, readConfig } from "./compile.ts";

const deno = (args: string[], opts: Deno.CommandOptions = {}) =>
  new Deno.Command("deno", { args, cwd: root, stdout: "piped", stderr: "piped", ...opts })
    .output();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const under = (rel: string) => COMPILE_INCLUDES.some((inc) => rel.startsWith(inc));

Deno.test("manifest: microcore.gen.ts matches the tree (else run `deno task manifest`)", async () => {
  deepEqual(diffManifest(await currentManifest(root), await wantedManifest(root)), []);
});

Deno.test("manifest: keyed by path, sorted; a new plugin adds only its lines; stale is detected", async () => {
  await using p = await tempProject({
    "tools/zeta/mod.ts": recordingTool("zeta"),
    "tools/alpha/mod.ts": recordingTool("alpha"),
    "domains/shop/plugins/b.ts": plugin([], "b"),
    "domains/shop/plugins/_helper.ts": "export const x = 1;",
    "domains/empty/readme.md": "no plugins",
  });
  const before = renderManifest(manifestEntries(await walkProject(p.root)));
  match(before, /"tools\/alpha\/mod\.ts": \$tools_alpha_mod,\n {4}"tools\/zeta\/mod\.ts"/);
  ok(!before.includes("_helper"));
  match(before, /"empty",\n {4}"shop"/);
  await p.write("domains/shop/plugins/a.ts", plugin([], "a"));
  const after = renderManifest(manifestEntries(await walkProject(p.root)));
  deepEqual(diffManifest(before, after).sort(), [
    `+     "domains/shop/plugins/a.ts": $domains_shop_plugins_a,`,
    `+ import * as $domains_shop_plugins_a from "./domains/shop/plugins/a.ts";`,
  ]);
  deepEqual(diffManifest(undefined, after), [`${MANIFEST_FILE} is missing`]);
  deepEqual(diffManifest(after, after), []);
});

Deno.test("manifest: identifiers are valid, unique, and only colliding paths get a hash", () => {
  const ids = identifiers([
    "domains/a/plugins/x-y.ts",
    "domains/a/plugins/x_y.ts",
    "tools/b/mod.ts",
  ]);
  equal(ids.get("tools/b/mod.ts"), "$tools_b_mod");
  match(ids.get("domains/a/plugins/x-y.ts")!, /^\$domains_a_plugins_x_y_[0-9a-f]{8}$/);
  equal(new Set(ids.values()).size, 3);
  const reordered = identifiers([
    "tools/b/mod.ts",
    "domains/a/plugins/x_y.ts",
    "domains/a/plugins/x-y.ts",
  ]);
  for (const [path, id] of ids) equal(reordered.get(path), id);
});

Deno.test("boot: the manifest gives exactly the tools, plugins, routes and events of the folder walk", async () => {
  const snap = async (...args: string[]) => {
    const out = await deno(["run", "-P=test", "cli/boot_snapshot.ts", ...args]);
    equal(out.code, 0, text(out.stderr));
    const entries = JSON.parse(text(out.stdout)) as {
      kind: string;
      state: string;
      routes?: unknown[];
      details?: Record<string, unknown>;
    }[];
    // A process's own identity (the scheduler's instance id) differs between any two boots.
    for (const e of entries) delete e.details?.instance;
    return entries;
  };
  const [walked, fromManifest] = await Promise.all([snap(), snap("--manifest")]);
  deepEqual(fromManifest, walked);
  const { plugins, tools } = manifestEntries(await walkProject(root));
  equal(walked.filter((e) => e.kind === "plugin").length, plugins.length);
  equal(walked.filter((e) => e.kind === "tool").length, tools.length + 1); // + built-in status
  deepEqual(walked.filter((e) => e.state !== "ready"), []);
});

Deno.test("compile inputs: the module graph holds every tool, plugin and /docs asset", async () => {
  const out = await deno(["info", "--json", "main.ts"]);
  equal(out.code, 0, text(out.stderr));
  type Dep = { specifier: string; code?: { specifier: string }; isDynamic?: boolean };
  const graph = JSON.parse(text(out.stdout)) as {
    modules: { specifier: string; error?: string; dependencies?: Dep[] }[];
    redirects: Record<string, string>;
  };
  const have = new Set(graph.modules.map((m) => m.specifier));
  deepEqual(graph.modules.filter((m) => m.error), []);
  const src = await walkProject(root);
  const url = (rel: string) => new URL(rel, `file://${root}/`).href;
  for (
    const f of [
      MANIFEST_FILE,
      ...src.tools.map((t) => t.file),
      ...src.plugins.map((p) => p.file),
    ]
  ) {
    ok(have.has(url(f)), `${f} is not in the binary's module graph`);
  }
  // Every import of our own modules, lazy ones included (the /docs assets are text imports),
  // resolves to a module the compiler embeds.
  for (const m of graph.modules.filter((m) => m.specifier.startsWith(`file://${root}/`))) {
    for (const d of m.dependencies ?? []) {
      const target = d.code && (graph.redirects[d.code.specifier] ?? d.code.specifier);
      ok(!target || have.has(target), `${m.specifier} → ${d.specifier} is not embedded`);
    }
  }
  const docs = graph.modules.find((m) => m.specifier === url("tools/http/docs_assets.ts"));
  ok(docs, "the http tool's /docs assets module is in the graph");
  ok(
    (docs.dependencies ?? []).filter((d) => d.isDynamic && have.has(d.code!.specifier)).length >= 2,
  );
});

Deno.test("compile inputs: every file the app reads at boot is under a --include path", async () => {
  const audit = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    // The binary's own permission set (start), so a read it lacks fails here too.
    const out = await deno(["run", "-P=start", "cli/boot_snapshot.ts", "--manifest"], {
      env: { DENO_AUDIT_PERMISSIONS: audit },
    });
    equal(out.code, 0, text(out.stderr));
    const reads = (await Deno.readTextFile(audit)).trim().split("\n").map((l) => JSON.parse(l))
      .filter((e) => e.permission === "read").map((e) => e.value as string);
    ok(reads.some((r) => r.endsWith(".sql")), "migrations are read at boot (the check has data)");
    for (const path of reads) {
      ok(path.startsWith(`${root}/`), `${path} is read at run time but is outside the project`);
      const rel = path.slice(root.length + 1);
      ok(under(rel), `${rel} is read at run time but no --include covers it`);
    }
  } finally {
    await Deno.remove(audit);
  }
});

Deno.test("permissions: the start set becomes flags with relative paths kept; -A is refused", async () => {
  const { permissions } = await readConfig(root);
  const flags = permissionFlags(permissions!.start);
  ok(flags.includes("--allow-read=."), flags.join(" "));
  ok(flags.includes("--allow-write=./data"), flags.join(" "));
  ok(!flags.some((f) => f === "-A" || f === "--allow-all" || f.startsWith("--allow-run")));
  deepEqual(permissionFlags({ net: { allow: ["a:1"], deny: ["b"] }, env: false, read: true }), [
    "--allow-read",
    "--allow-net=a:1",
    "--deny-net=b",
  ]);
  throws(() => permissionFlags({ all: true }), /refusing/);
  const args = compileArgs({ permissions: permissions!.start, output: "dist/x" });
  deepEqual(args.slice(-3), ["main.ts", "start", COMPILED_FLAG]);
  ok(args.includes("--no-prompt"));
  for (const inc of COMPILE_INCLUDES) ok(args.join(" ").includes(`--include ${inc}`));
});

Deno.test("compiled mode: detected by flag or virtual root; a relative DB_PATH lands in the data dir", async () => {
  ok(isCompiled(["start", COMPILED_FLAG], "file:///work/main.ts"));
  ok(isCompiled(["start"], "file:///tmp/deno-compile-microcore/main.ts"));
  ok(!isCompiled(["start"], `file://${root}/main.ts`));
  // main.ts gives a binary the working directory as its data dir (its root is read-only), and
  // the manifest as its only source of tools and plugins.
  const binary = startOptions(true, root, "/srv/shop");
  equal(binary.dataDir, "/srv/shop");
  const listed = await (binary.source as () => Promise<{ plugins: { file: string }[] }>)();
  deepEqual(listed.plugins.map((p) => p.file), manifestEntries(await walkProject(root)).plugins);
  equal(startOptions(false, root, "/srv/shop").dataDir, root);
  const dataDir = await Deno.makeTempDir();
  try {
    const db = new DbTool();
    await db.setup(standaloneContext({
      root: "/nonexistent/deno-compile-app",
      dataDir,
      mode: "start",
      env: { DB_PATH: "shop/db.sqlite" },
    }));
    await db.shutdown();
    ok((await Deno.stat(`${dataDir}/shop/db.sqlite`)).isFile, "the file is under the data dir");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

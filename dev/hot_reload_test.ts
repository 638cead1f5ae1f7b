import { deepEqual, equal, match, ok } from "node:assert/strict";
import { Kernel, type LogSink } from "@core";
import { HotReloader, type HotReloadOptions, isSettled } from "./hot_reload.ts";
import { originalPath } from "./module_graph.ts";
import { recordingTool, tempProject } from "@core/testdata/project.ts";

const quiet: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
type Reg = { reg: { live(): readonly string[]; size: number } };

/** A plugin that registers `label` plus whatever its model exports. */
const pluginWithModel = (label: string) => `
import { suffix } from "../models/model.ts";
export default class {
  constructor(reg) { this.reg = reg; }
  onBoot() { this.reg.add(${JSON.stringify(label)} + suffix); }
}
`;

/** A booted kernel and reloader; the real watcher runs only when `watch` is set. */
async function setup(
  files: Record<string, string>,
  watch = false,
  opts: Partial<HotReloadOptions> = {},
) {
  const p = await tempProject({ "tools/reg/mod.ts": recordingTool("reg"), ...files });
  const lines: string[] = [];
  const log: LogSink = { ...quiet, info: (m) => lines.push(m), error: (m) => lines.push(m) };
  const k = new Kernel({ root: p.root, mode: "dev", log, rewritePath: originalPath });
  await k.boot();
  const restarts: string[] = [];
  const hr = new HotReloader(k, { ...opts, onRestart: (r) => restarts.push(r) });
  await hr.start({ watch });
  const live = () => [...(k.tools.get("reg") as unknown as Reg).reg.live()].sort();
  return {
    p,
    k,
    hr,
    live,
    restarts,
    lines,
    async [Symbol.asyncDispose]() {
      await hr.stop();
      await k.shutdown();
      await p[Symbol.asyncDispose]();
    },
  };
}

Deno.test("hot reload: drop, edit, break, fix and delete a plugin", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "-m1";`,
    "domains/d/plugins/a.ts": pluginWithModel("a1"),
  });
  const { p, k, hr, live } = t;
  deepEqual(live(), ["a1-m1"]);

  await p.write("domains/d/plugins/b.ts", pluginWithModel("b1"));
  await hr.process([`${p.root}/domains/d/plugins/b.ts`]);
  deepEqual(live(), ["a1-m1", "b1-m1"], "a dropped file is loaded");

  await p.write("domains/d/plugins/a.ts", pluginWithModel("a2"));
  await hr.process([`${p.root}/domains/d/plugins/a.ts`]);
  deepEqual(live(), ["a2-m1", "b1-m1"], "an edit is live");

  await p.write("domains/d/models/model.ts", `export const suffix = "-m2";`);
  await hr.process([`${p.root}/domains/d/models/model.ts`]);
  deepEqual(live(), ["a2-m2", "b1-m2"], "an edited model reloads every dependant with new code");

  await p.write("domains/d/plugins/a.ts", "export default class {\n  onBoot() {\n");
  await hr.process([`${p.root}/domains/d/plugins/a.ts`]);
  deepEqual(live(), ["a2-m2", "b1-m2"], "a syntax error leaves the old version serving");
  const st = k.status.get("plugin", "d/a")!;
  equal(st.state, "stale");
  equal(st.error?.file, "domains/d/plugins/a.ts", "the error names the user's file, not the copy");

  await p.write("domains/d/plugins/a.ts", pluginWithModel("a3"));
  await hr.process([`${p.root}/domains/d/plugins/a.ts`]);
  deepEqual(live(), ["a3-m2", "b1-m2"], "fixing the file recovers it");
  equal(k.status.get("plugin", "d/a")!.state, "ready");

  await p.remove("domains/d/plugins/a.ts");
  await hr.process([`${p.root}/domains/d/plugins/a.ts`]);
  deepEqual(live(), ["b1-m2"], "a deleted plugin is unloaded");
  equal(k.status.get("plugin", "d/a"), undefined);
});

Deno.test("hot reload: a rename is an unload plus a load; a new domain loads", async () => {
  await using t = await setup({ "domains/d/plugins/a.ts": pluginWithModel("a") });
  const { p, k, hr, live } = t;
  await p.write("domains/d/models/model.ts", `export const suffix = "";`);
  await Deno.rename(`${p.root}/domains/d/plugins/a.ts`, `${p.root}/domains/d/plugins/z.ts`);
  await hr.process([`${p.root}/domains/d/plugins/a.ts`, `${p.root}/domains/d/plugins/z.ts`]);
  deepEqual(k.pluginIds(), ["d/z"]);
  deepEqual(live(), ["a"]);

  await p.write("domains/e/models/model.ts", `export const suffix = "!";`);
  await p.write("domains/e/plugins/x.ts", pluginWithModel("x"));
  await hr.process([`${p.root}/domains/e`]);
  deepEqual(live(), ["a", "x!"]);
});

Deno.test("hot reload: the runtime's code and config restart the process; nothing else does", async () => {
  await using t = await setup({ "domains/d/plugins/a.ts": pluginWithModel("a") });
  const { p, restarts } = t;
  // A new reloader per path: the first restart ends a reloader's work.
  const restartsFor = async (rel: string) => {
    const k = t.k;
    const seen: string[] = [];
    const r = new HotReloader(k, { onRestart: (why) => seen.push(why) });
    await r.process([`${p.root}/${rel}`]);
    return seen;
  };
  for (
    const rel of [
      "tools/reg/mod.ts",
      "core/kernel.ts",
      "dev/hot_reload.ts",
      "main.ts",
      "deno.json",
      "deno.lock",
    ]
  ) {
    const seen = await restartsFor(rel);
    equal(seen.length, 1, `${rel} restarts`);
    match(seen[0], new RegExp(`${rel.replace(".", "\\.")} changed`));
  }
  for (
    const rel of [
      "tools/reg/mod_test.ts",
      "core/kernel_test.ts",
      "core/testdata/project.ts",
      "dev/context/render_test.ts",
      "README.md",
      "bench/http.ts",
      "cli/new.ts",
      "domains/d/plugins/a.ts",
      "domains/d/notes.md",
    ]
  ) {
    deepEqual(await restartsFor(rel), [], `${rel} does not restart`);
  }
  deepEqual(restarts, [], "the reloader under test never asked");
});

Deno.test("hot reload: the reload budget restarts after maxReloads, not before", async () => {
  await using t = await setup(
    {
      "domains/d/plugins/a.ts": pluginWithModel("v0"),
      "domains/d/models/model.ts": `export const suffix = "";`,
    },
    false,
    { maxReloads: 2, heapBudgetMb: 1e9 },
  );
  await t.p.write("domains/d/plugins/a.ts", pluginWithModel("v1"));
  await t.hr.process([`${t.p.root}/domains/d/plugins/a.ts`]);
  deepEqual(t.restarts, [], "one reload of two: no restart yet");
  await t.p.write("domains/d/plugins/a.ts", pluginWithModel("v2"));
  await t.hr.process([`${t.p.root}/domains/d/plugins/a.ts`]);
  equal(t.restarts.length, 1);
  match(t.restarts[0], /reload budget spent \(2 reloads/);
  deepEqual(t.live(), ["v2"], "the reload that spent the budget still went live");
});

Deno.test("hot reload: the heap budget restarts once the heap grew past it", async () => {
  // A budget below any growth (the heap may even shrink): the first reload spends it.
  await using t = await setup(
    {
      "domains/d/plugins/a.ts": pluginWithModel("v0"),
      "domains/d/models/model.ts": `export const suffix = "";`,
    },
    false,
    { maxReloads: 1000, heapBudgetMb: -1e9 },
  );
  await t.p.write("domains/d/plugins/a.ts", pluginWithModel("v1"));
  await t.hr.process([`${t.p.root}/domains/d/plugins/a.ts`]);
  equal(t.restarts.length, 1);
  match(t.restarts[0], /heap budget spent/);

  await using roomy = await setup(
    {
      "domains/d/plugins/a.ts": pluginWithModel("v0"),
      "domains/d/models/model.ts": `export const suffix = "";`,
    },
    false,
    { maxReloads: 1000, heapBudgetMb: 1e9 },
  );
  for (let i = 1; i <= 3; i++) {
    await roomy.p.write("domains/d/plugins/a.ts", pluginWithModel(`v${i}`));
    await roomy.hr.process([`${roomy.p.root}/domains/d/plugins/a.ts`]);
  }
  deepEqual(roomy.restarts, [], "within both budgets: no restart");
  equal(roomy.k.status.summary().reloads, 3);
});

/**
 * A tool that claims `domains/*\/migrations/*.sql` (like the db tool): preparing a domain
 * records its migration files as applied; plugins ask it whether a migration ran.
 */
const migratingTool = `
const applied = new Set();
export default {
  name: "mig",
  files: ["domains/*/migrations/*.sql"],
  prepared: [],
  prepareDomain(domain) {
    this.prepared.push(domain.name);
    for (const e of Deno.readDirSync(domain.dir + "/migrations")) applied.add(domain.name + "/" + e.name);
  },
  forOwner() { return { has: (m) => applied.has(m) }; },
};
`;
const needsMigration = (name: string) => `
export default class {
  constructor(mig, reg) { this.mig = mig; this.reg = reg; }
  onBoot() {
    if (!this.mig.has(${JSON.stringify(name)})) throw new Error("table missing: ${name}");
    this.reg.add(${JSON.stringify(name)});
  }
}
`;

Deno.test("hot reload: a file a tool claims (a new migration) prepares its domain again; failed plugins retry", async () => {
  await using t = await setup({
    "tools/mig/mod.ts": migratingTool,
    "domains/d/migrations/001_a.sql": "-- a",
    "domains/d/plugins/a.ts": needsMigration("d/002_b.sql"),
    "domains/e/migrations/001_x.sql": "-- x",
    "domains/e/plugins/x.ts": needsMigration("e/001_x.sql"),
  });
  const { p, k, hr, live } = t;
  const prepared = (k.tools.get("mig") as unknown as { prepared: string[] }).prepared;
  deepEqual(prepared, ["d", "e"]);
  equal(k.status.get("plugin", "d/a")!.state, "failed");
  deepEqual(live(), ["e/001_x.sql"]);

  await p.write("domains/d/notes.md", "not claimed");
  await hr.process([`${p.root}/domains/d/notes.md`]);
  deepEqual(prepared, ["d", "e"], "a file no tool claims prepares nothing");

  await p.write("domains/d/migrations/002_b.sql", "-- b");
  await hr.process([`${p.root}/domains/d/migrations/002_b.sql`]);
  deepEqual(prepared, ["d", "e", "d"], "only the domain of the new file is prepared again");
  equal(k.status.get("plugin", "d/a")!.state, "ready", "the plugin that failed is retried");
  deepEqual(live(), ["d/002_b.sql", "e/001_x.sql"]);
  equal(k.status.get("plugin", "e/x")!.generation, 1, "the other domain's plugins are untouched");
});

Deno.test("hot reload: ten reloads of a plugin leave one registration", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "";`,
    "domains/d/plugins/a.ts": pluginWithModel("v0"),
  });
  for (let i = 1; i <= 10; i++) {
    await t.p.write("domains/d/plugins/a.ts", pluginWithModel(`v${i}`));
    await t.hr.process([`${t.p.root}/domains/d/plugins/a.ts`]);
  }
  await new Promise((r) => setTimeout(r, 10));
  deepEqual(t.live(), ["v10"]);
  equal((t.k.tools.get("reg") as unknown as Reg).reg.size, 1);
  equal(t.k.status.get("plugin", "d/a")!.generation, 11);
});

Deno.test("hot reload: the real watcher picks up editor-style saves (temp file + rename)", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "";`,
    "domains/d/plugins/a.ts": pluginWithModel("v0"),
  }, true);
  const waitFor = async (want: string) => {
    for (let i = 0; i < 200 && !t.live().includes(want); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    ok(t.live().includes(want), `expected ${want}, live: ${t.live()}`);
  };
  for (let i = 1; i <= 3; i++) {
    const tmp = `${t.p.root}/domains/d/plugins/.a.ts.tmp${i}`;
    await Deno.writeTextFile(tmp, pluginWithModel(`v${i}`));
    await Deno.rename(tmp, `${t.p.root}/domains/d/plugins/a.ts`);
    await waitFor(`v${i}`);
  }
});

Deno.test("hot reload: a model edit with one broken dependant reloads the others and blames that file", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "-m1";`,
    "domains/d/plugins/a.ts": pluginWithModel("a"),
    "domains/d/plugins/b.ts": pluginWithModel("b"),
    "domains/d/plugins/c.ts": pluginWithModel("c"),
  });
  const { p, k, hr, live } = t;
  // b throws while its module is evaluated, but only once the model it imports changes
  await p.write(
    "domains/d/plugins/b.ts",
    pluginWithModel("b") + `\nif (suffix !== "-m1") throw new Error("b cannot take " + suffix);\n`,
  );
  await hr.process([`${p.root}/domains/d/plugins/b.ts`]);
  deepEqual(live(), ["a-m1", "b-m1", "c-m1"]);

  await p.write("domains/d/models/model.ts", `export const suffix = "-m2";`);
  await hr.process([`${p.root}/domains/d/models/model.ts`]);
  deepEqual(live(), ["a-m2", "b-m1", "c-m2"], "the other dependants take the new model");
  const b = k.status.get("plugin", "d/b")!;
  equal(b.state, "stale");
  equal(b.error?.file, "domains/d/plugins/b.ts");
  equal(b.error?.line, 8);
  match(b.error?.message ?? "", /b cannot take -m2/);
});

Deno.test("hot reload: copies are rewritten in place and imported by version; paths map back", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "-m1";`,
    "domains/d/plugins/a.ts": pluginWithModel("a"),
  });
  const { p, hr, live } = t;
  for (let i = 2; i <= 4; i++) {
    await p.write("domains/d/models/model.ts", `export const suffix = "-m${i}";`);
    await hr.process([`${p.root}/domains/d/models/model.ts`]);
    deepEqual(live(), [`a-m${i}`]);
  }
  const copies: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(`${dir}/${e.name}`);
      else copies.push(`${dir}/${e.name}`.slice(p.root.length + 1));
    }
  };
  walk(`${p.root}/.microcore/hmr`);
  deepEqual(copies.sort(), [
    ".microcore/hmr/domains/d/models/model.ts",
    ".microcore/hmr/domains/d/plugins/a.ts",
  ], "one copy per source file, however many versions were loaded");
  const url = `file://${p.root}/.microcore/hmr/domains/d/plugins/a.ts?v=0123456789ab`;
  equal(originalPath(`at ${url}:3:4`), `at file://${p.root}/domains/d/plugins/a.ts:3:4`);
});

Deno.test("hot reload: only a close, rename or remove says a file is complete", () => {
  deepEqual(
    (["access", "rename", "remove", "modify", "create", "any", "other"] as const).map(isSettled),
    [true, true, true, false, false, false, false],
  );
});

Deno.test("hot reload: a file written in pieces is read once it is closed, not in between", async () => {
  // A long quiet for open files and a short one for closed ones: the pause between the two
  // writes is longer than the short one, so reading on it would see half a plugin.
  await using t = await setup(
    {
      "domains/d/models/model.ts": `export const suffix = "";`,
      "domains/d/plugins/a.ts": pluginWithModel("v0"),
    },
    true,
    { quietMs: 1000, maxWaitMs: 2000, settledMs: 5 },
  );
  const text = pluginWithModel("v1");
  const half = Math.floor(text.length / 2);
  const file = await Deno.open(`${t.p.root}/domains/d/plugins/a.ts`, {
    write: true,
    truncate: true,
  });
  await file.write(new TextEncoder().encode(text.slice(0, half)));
  await new Promise((r) => setTimeout(r, 100));
  await file.write(new TextEncoder().encode(text.slice(half)));
  file.close();
  const t0 = performance.now();
  for (let i = 0; i < 200 && !t.live().includes("v1"); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  deepEqual(t.live(), ["v1"]);
  ok(performance.now() - t0 < 900, "the close ended the burst, not the 1 s quiet");
  equal(t.k.status.get("plugin", "d/a")!.state, "ready");
  const batches = t.lines.filter((l) => l.includes("changed →"));
  equal(batches.length, 1, `one batch, of the whole file: ${batches.join(" / ")}`);
  match(batches[0], /→ reloaded d\/a \(generation \d+\)/);
});

Deno.test("hot reload: a model saved again while a batch reads it: the batch uses one version throughout", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "-m1";`,
    "domains/d/plugins/a.ts": pluginWithModel("a"),
    "domains/d/plugins/b.ts": pluginWithModel("b"),
  });
  const { p, hr, live } = t;
  const model = `${p.root}/domains/d/models/model.ts`;
  await p.write("domains/d/models/model.ts", `export const suffix = "-m2";`);
  // The editor saves m3 right after the batch first reads the model.
  const read = Deno.readTextFileSync;
  let saved = false;
  Deno.readTextFileSync = (path: string | URL) => {
    const text = read(path);
    if (!saved && String(path) === model) {
      saved = true;
      Deno.writeTextFileSync(model, `export const suffix = "-m3";`);
    }
    return text;
  };
  try {
    await hr.process([model]);
  } finally {
    Deno.readTextFileSync = read;
  }
  ok(saved);
  deepEqual(live(), ["a-m2", "b-m2"], "both dependants see the version the batch read");
  await hr.process([model]); // the watcher's event for the second save
  deepEqual(live(), ["a-m3", "b-m3"]);
  await p.write("domains/d/models/model.ts", `export const suffix = "-m2";`);
  await hr.process([model]);
  deepEqual(live(), ["a-m2", "b-m2"], "going back to a version loaded before gives that version");
});

Deno.test("hot reload: a save that changes nothing reloads nothing", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "-m1";`,
    "domains/d/plugins/a.ts": pluginWithModel("a"),
    "domains/d/plugins/b.ts": pluginWithModel("b"),
  });
  const { p, hr, live, lines } = t;
  const model = `${p.root}/domains/d/models/model.ts`;
  await p.write("domains/d/models/model.ts", `export const suffix = "-m2";`);
  await hr.process([model]);
  const before = lines.length;
  await p.write("domains/d/models/model.ts", `export const suffix = "-m2";`);
  await hr.process([model]);
  deepEqual(lines.slice(before), [], "no reload line");
  deepEqual(live(), ["a-m2", "b-m2"]);
});

Deno.test("hot reload: a file right under domains/ is no domain, and a failed batch does not stop the next", async () => {
  await using t = await setup({
    "domains/d/models/model.ts": `export const suffix = "";`,
    "domains/d/plugins/a.ts": pluginWithModel("a1"),
  });
  const { p, hr, live, lines } = t;
  await p.write("domains/README.md", "# our domains");
  await hr.process([`${p.root}/domains/README.md`]);
  deepEqual(lines.filter((l) => l.startsWith("hot reload:")), [], "a README is no error");
  await p.write("domains/d/plugins/a.ts", pluginWithModel("a2"));
  await hr.process([`${p.root}/domains/d/plugins/a.ts`]);
  deepEqual(live(), ["a2"], "the next save still reloads");

  // A batch that throws (here: a domain folder that cannot be read) is logged; the next runs.
  const readDir = Deno.readDir;
  Deno.readDir = () => {
    throw new Deno.errors.PermissionDenied("no read");
  };
  try {
    await p.write("domains/d/plugins/b.ts", pluginWithModel("b1"));
    await hr.process([`${p.root}/domains/d/plugins/b.ts`]);
  } finally {
    Deno.readDir = readDir;
  }
  ok(lines.some((l) => /hot reload: .*no read/.test(l)), "the failure is logged");
  await p.write("domains/d/plugins/a.ts", pluginWithModel("a3"));
  await hr.process([`${p.root}/domains/d/plugins/a.ts`, `${p.root}/domains/d/plugins/b.ts`]);
  deepEqual(live(), ["a3", "b1"]);
});

Deno.test("hot reload: a failed reload is one error line; editor temp files are not reported as changed", async () => {
  await using t = await setup({ "domains/d/plugins/a.ts": pluginWithModel("a1") }, false);
  const { p, hr, lines } = t;
  await t.p.write("domains/d/models/model.ts", `export const suffix = "";`);
  await hr.process([`${p.root}/domains/d/models/model.ts`]);
  lines.length = 0;
  // `sed -i` writes a temp file beside the one it edits, then renames it over.
  for (const tmp of ["sede9E32F", "a.ts___jb_tmp___", "#a.ts#", "a.ts.tmp", "4913"]) {
    await p.write(`domains/d/plugins/${tmp}`, "x");
  }
  await p.write("domains/d/plugins/a.ts", "export default class {\n  onBoot() {\n");
  await hr.process(
    ["sede9E32F", "a.ts___jb_tmp___", "#a.ts#", "a.ts.tmp", "4913", "a.ts"].map((f) =>
      `${p.root}/domains/d/plugins/${f}`
    ),
  );
  const mentions = lines.filter((l) => l.includes("Unexpected") || l.includes("Expected"));
  equal(mentions.length, 1, `the parse error is logged once:\n${lines.join("\n")}`);
  equal(t.k.status.summary().reloadFailures, 1, "counted for the status and /metrics");
  const summary = lines.find((l) => l.includes("changed →"));
  equal(
    summary?.replace(/\(\d+\.\d ms\)$/, "(ms)"),
    "domains/d/plugins/a.ts changed → d/a failed (generation 2 keeps serving) (ms)",
  );
});

Deno.test("hot reload: deleting a plugin that had failed removes it and regenerates the files that list it", async () => {
  let regenerated = 0;
  await using t = await setup(
    {
      "domains/d/plugins/a.ts": pluginWithModel("a1"),
      "domains/d/models/model.ts": `export const suffix = "";`,
      "domains/d/plugins/broken.ts": "export default class {\n  onBoot() {\n",
    },
    false,
    { onChanged: () => void regenerated++ },
  );
  const { p, k, hr } = t;
  equal(k.status.get("plugin", "d/broken")?.state, "failed");
  await Deno.remove(`${p.root}/domains/d/plugins/broken.ts`);
  await hr.process([`${p.root}/domains/d/plugins/broken.ts`]);
  equal(k.status.get("plugin", "d/broken"), undefined, "its status entry is gone");
  equal(regenerated, 1, "AI_CONTEXT.md and the manifest are regenerated");
  equal(k.status.get("plugin", "d/a")?.state, "ready", "nothing else changed");
  ok(
    t.lines.some((l) =>
      l.endsWith("changed → removed d/broken (it had failed)") ||
      /removed d\/broken \(it had failed\) \(/.test(l)
    ),
  );
});

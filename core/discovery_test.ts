import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import {
  type AppSource,
  fileUrl,
  fromManifest,
  isPluginPath,
  MANIFEST_FILE,
  manifestOrWalk,
  type Module,
  pluginFromFile,
  pluginIdentity,
  walkProject,
} from "./discovery.ts";
import { plugin, recordingTool, tempProject } from "./testdata/project.ts";

/** What a source lists, without the loaders. */
const listing = (src: AppSource) => ({
  tools: src.tools.map(({ name, file }) => ({ name, file })),
  domains: src.domains,
  plugins: src.plugins.map(({ id, domain, file }) => ({ id, domain, file })),
});

Deno.test("pluginIdentity: domains/<domain>/plugins/<stem>.<ext>, for each plugin extension", () => {
  for (const ext of ["ts", "js", "mts", "mjs", "tsx", "jsx"]) {
    deepEqual(pluginIdentity(`domains/shop/plugins/pay.${ext}`), {
      id: "shop/pay",
      domain: "shop",
    });
    equal(isPluginPath(`domains/shop/plugins/pay.${ext}`), true, ext);
  }
  // A stem that merely contains "test" is a plugin; only a *_test / *.test stem is a test.
  deepEqual(pluginIdentity("domains/qa/plugins/run_tests.ts"), {
    id: "qa/run_tests",
    domain: "qa",
  });
  deepEqual(pluginIdentity("domains/qa/plugins/test_x.ts"), { id: "qa/test_x", domain: "qa" });
});

Deno.test("pluginIdentity: any other path is no plugin", () => {
  for (
    const rel of [
      "domains/shop/plugins/_helper.ts", // private
      "domains/shop/plugins/.hidden.ts",
      "domains/shop/plugins/pay_test.ts",
      "domains/shop/plugins/pay.test.ts",
      "domains/shop/plugins/pay.json",
      "domains/shop/plugins/pay.d.cts",
      "domains/shop/plugins/sub/pay.ts", // nested
      "domains/shop/models/pay.ts",
      "domains/pay.ts",
      "tools/http/mod.ts",
      "src/domains/shop/plugins/pay.ts",
    ]
  ) {
    equal(pluginIdentity(rel), undefined, rel);
    equal(isPluginPath(rel), false, rel);
  }
});

Deno.test("fileUrl: one slash between root and path; special characters stay in the path", () => {
  equal(fileUrl("/srv/app/", "domains/d/plugins/p.ts"), "file:///srv/app/domains/d/plugins/p.ts");
  equal(fileUrl("/srv/app", "domains/d/plugins/p.ts"), "file:///srv/app/domains/d/plugins/p.ts");
  equal(
    fileUrl("/srv/my app#1", "tools/a?b/mod.ts"),
    "file:///srv/my%20app%231/tools/a%3Fb/mod.ts",
  );
});

Deno.test("pluginFromFile: refuses a path that is no plugin file, naming it", () => {
  throws(
    () => pluginFromFile("/srv/app", "domains/d/plugins/_helper.ts"),
    { message: "not a plugin file: domains/d/plugins/_helper.ts" },
  );
  const src = pluginFromFile("/srv/app", "domains/d/plugins/p.ts");
  deepEqual({ ...src, load: undefined }, {
    id: "d/p",
    domain: "d",
    file: "domains/d/plugins/p.ts",
    load: undefined,
  });
});

Deno.test("walkProject: tools, domains and plugins in sorted order, each loading its file", async () => {
  // Created in reverse order, so that the folder's own order is unlikely to be the sorted one.
  const names = ["k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"];
  const files: Record<string, string> = {};
  for (const n of names) {
    files[`tools/t${n}/mod.ts`] = `export default { name: "t${n}" };`;
    files[`domains/d${n}/plugins/p.ts`] = plugin([], "p");
    files[`domains/shop/plugins/${n}.ts`] = `export const name = "${n}";`;
  }
  await using p = await tempProject(files);
  const src = await walkProject(p.root);
  const sorted = [...names].reverse();
  deepEqual(src.tools.map((t) => t.name), sorted.map((n) => `t${n}`));
  deepEqual(src.domains.map((d) => d.name), [...sorted.map((n) => `d${n}`), "shop"]);
  deepEqual(
    src.plugins.map((x) => x.id),
    [...sorted.map((n) => `d${n}/p`), ...sorted.map((n) => `shop/${n}`)],
  );
  equal(((await src.tools[0].load()).default as { name: string }).name, "ta");
  deepEqual({ ...(await src.plugins.at(-1)!.load()) }, { name: "k" });
});

Deno.test("walkProject: skips hidden and _private folders, files, folders without mod.ts, non-plugins", async () => {
  await using p = await tempProject({
    "tools/a/mod.ts": recordingTool("a"),
    "tools/_wip/mod.ts": recordingTool("wip"),
    "tools/.cache/mod.ts": recordingTool("cache"),
    "tools/notes/readme.md": "not a tool",
    "tools/README.md": "a file right under tools/",
    "tools/late_/mod.ts": recordingTool("late_"), // ends with _ or .: still a tool
    "tools/v2./mod.ts": recordingTool("v2."),
    "domains/shop/plugins/a.ts": plugin([], "a"),
    "domains/shop/plugins/_helper.ts": "export const x = 1;",
    "domains/shop/plugins/a_test.ts": "",
    "domains/shop/plugins/notes.md": "",
    "domains/shop/plugins/dir.ts/x.ts": "", // a folder named like a plugin
    "domains/shop/models/m.ts": "export const m = 1;",
    "domains/_shared/plugins/s.ts": plugin([], "s"),
    "domains/.git/plugins/g.ts": plugin([], "g"),
    "domains/README.md": "a file right under domains/",
    "domains/blog_/plugins/b.ts": plugin([], "b"),
    "domains/v1./plugins/c.ts": plugin([], "c"),
  });
  const src = await walkProject(p.root);
  deepEqual(listing(src), {
    tools: [
      { name: "a", file: "tools/a/mod.ts" },
      { name: "late_", file: "tools/late_/mod.ts" },
      { name: "v2.", file: "tools/v2./mod.ts" },
    ],
    domains: [
      { name: "blog_", dir: `${p.root}/domains/blog_` },
      { name: "shop", dir: `${p.root}/domains/shop` },
      { name: "v1.", dir: `${p.root}/domains/v1.` },
    ],
    plugins: [
      { id: "blog_/b", domain: "blog_", file: "domains/blog_/plugins/b.ts" },
      { id: "shop/a", domain: "shop", file: "domains/shop/plugins/a.ts" },
      { id: "v1./c", domain: "v1.", file: "domains/v1./plugins/c.ts" },
    ],
  });
});

Deno.test("walkProject: missing tools/, domains/ or plugins/ folders are empty, not errors", async () => {
  await using p = await tempProject({ "domains/empty/models/m.ts": "" });
  deepEqual(listing(await walkProject(p.root)), {
    tools: [],
    domains: [{ name: "empty", dir: `${p.root}/domains/empty` }],
    plugins: [],
  });
  await p.remove("domains");
  deepEqual(listing(await walkProject(p.root)), { tools: [], domains: [], plugins: [] });
});

Deno.test("walkProject: an unreadable tools/ (here a file) is an error, not an empty project", async () => {
  await using p = await tempProject({ "tools": "a file where the folder should be" });
  await rejects(walkProject(p.root), Deno.errors.NotADirectory);
});

/** A manifest whose modules are markers, so a loader shows where it came from. */
const marked = (keys: string[]) =>
  Object.fromEntries(keys.map((k) => [k, { from: "manifest", key: k }]));

Deno.test("fromManifest: the walk's listing, sorted, from the manifest's modules", async () => {
  const src = fromManifest("/srv/app", {
    tools: marked(["tools/b/mod.ts", "tools/a/mod.ts"]),
    plugins: marked([
      "domains/shop/plugins/z.ts",
      "domains/shop/plugins/_helper.ts",
      "domains/blog/plugins/post.ts",
      "domains/shop/plugins/a.ts",
    ]),
    domains: ["shop", "blog"],
  });
  deepEqual(listing(src), {
    tools: [{ name: "a", file: "tools/a/mod.ts" }, { name: "b", file: "tools/b/mod.ts" }],
    domains: [{ name: "blog", dir: "/srv/app/domains/blog" }, {
      name: "shop",
      dir: "/srv/app/domains/shop",
    }],
    plugins: [
      { id: "blog/post", domain: "blog", file: "domains/blog/plugins/post.ts" },
      { id: "shop/a", domain: "shop", file: "domains/shop/plugins/a.ts" },
      { id: "shop/z", domain: "shop", file: "domains/shop/plugins/z.ts" },
    ],
  });
  deepEqual(await src.tools[1].load(), { from: "manifest", key: "tools/b/mod.ts" });
  deepEqual(await src.plugins[2].load(), { from: "manifest", key: "domains/shop/plugins/z.ts" });
});

type Listed = { tools: string[]; plugins: string[]; domains: string[] };
/** A manifest of markers for the listed files. */
const manifestOf = (l: Listed) => ({
  tools: marked(l.tools),
  plugins: marked(l.plugins),
  domains: l.domains,
});
/** A project on disk with a manifest listing `listed`. */
const withManifest = (files: Record<string, string>, listed: Listed) =>
  tempProject({
    ...files,
    [MANIFEST_FILE]: `export default ${JSON.stringify(manifestOf(listed))};`,
  });

const TREE = {
  "tools/a/mod.ts": recordingTool("a"),
  "tools/a-b/mod.ts": recordingTool("a-b"),
  "domains/d/plugins/p.ts": plugin([], "p"),
  "domains/d-x/plugins/q.ts": plugin([], "q"),
  "domains/w/models/m.ts": "", // domains without plugins
  "domains/xy/models/m.ts": "",
};
const LISTED = {
  // Sorted as paths, which is not the walk's order ("a-b/" < "a/"): the order does not matter.
  tools: ["tools/a-b/mod.ts", "tools/a/mod.ts"],
  plugins: ["domains/d-x/plugins/q.ts", "domains/d/plugins/p.ts"],
  domains: ["d", "d-x", "w", "xy"],
};
/** Where each plugin's module comes from. */
const origins = async (src: AppSource) =>
  await Promise.all(
    [...src.tools, ...src.plugins].map(async (s) =>
      ((await s.load()) as Module).from === "manifest" ? "manifest" : "file"
    ),
  );

Deno.test("manifestOrWalk: no manifest, the walk", async () => {
  await using p = await tempProject(TREE);
  const src = await manifestOrWalk(p.root);
  deepEqual(listing(src), listing(await walkProject(p.root)));
  deepEqual(await origins(src), ["file", "file", "file", "file"]);
});

Deno.test("manifestOrWalk: a manifest listing exactly the files on disk is used", async () => {
  await using p = await withManifest(TREE, LISTED);
  const src = await manifestOrWalk(p.root);
  deepEqual(listing(src), listing(fromManifest(p.root, manifestOf(LISTED))));
  deepEqual(await origins(src), ["manifest", "manifest", "manifest", "manifest"]);
});

Deno.test("manifestOrWalk: a manifest that differs in one tool, plugin or domain is not used", async () => {
  const variants = [
    { ...LISTED, tools: ["tools/a/mod.ts", "tools/c/mod.ts"] },
    { ...LISTED, plugins: ["domains/d/plugins/p.ts"] },
    { ...LISTED, plugins: ["domains/d-x/plugins/q.ts", "domains/d/plugins/renamed.ts"] },
    { ...LISTED, domains: ["d", "d-x", "w"] },
    { ...LISTED, domains: ["d", "d-x", "wx", "y"] }, // the same letters, cut elsewhere
  ];
  for (const manifest of variants) {
    await using p = await withManifest(TREE, manifest);
    const src = await manifestOrWalk(p.root);
    deepEqual(listing(src), listing(await walkProject(p.root)), JSON.stringify(manifest));
    deepEqual(await origins(src), ["file", "file", "file", "file"]);
  }
});

Deno.test("manifestOrWalk: a manifest that fails to load falls back to the walk", async () => {
  await using p = await tempProject({ ...TREE, [MANIFEST_FILE]: "export default {" });
  const src = await manifestOrWalk(p.root);
  deepEqual(listing(src), listing(await walkProject(p.root)));
  deepEqual(await origins(src), ["file", "file", "file", "file"]);
});

import { deepEqual, equal } from "node:assert/strict";
import { manifestOrWalk } from "@core";
import { writeManifest } from "./manifest.ts";
import { plugin, recordingTool, tempProject } from "@core/testdata/project.ts";

const ids = async (root: string) => (await manifestOrWalk(root)).plugins.map((p) => p.id);
/** Whether the source's plugins come from the manifest (already-imported module objects). */
const fromManifest = async (root: string) => {
  const src = await manifestOrWalk(root);
  return src.plugins.every((p) => !p.load.toString().includes("import("));
};

Deno.test("manifestOrWalk: the manifest when it matches the tree, else the walk", async () => {
  await using p = await tempProject({
    "tools/reg/mod.ts": recordingTool("reg"),
    "domains/d/plugins/a.ts": plugin(["reg"], "a"),
  });
  equal(await fromManifest(p.root), false, "no manifest yet: walk");
  await writeManifest(p.root);
  equal(await fromManifest(p.root), true, "an up-to-date manifest is used");
  deepEqual(await ids(p.root), ["d/a"]);

  await p.write("domains/d/plugins/b.ts", plugin(["reg"], "b"));
  equal(await fromManifest(p.root), false, "a stale manifest is not used");
  deepEqual(await ids(p.root), ["d/a", "d/b"]);
});

Deno.test("manifestOrWalk: a plugin that breaks the manifest's graph falls back to the walk", async () => {
  await using p = await tempProject({
    "tools/reg/mod.ts": recordingTool("reg"),
    "domains/d/plugins/a.ts": plugin(["reg"], "a"),
    "domains/d/plugins/broken.ts": "export default class {",
  });
  await writeManifest(p.root);
  equal(await fromManifest(p.root), false);
  deepEqual(await ids(p.root), ["d/a", "d/broken"]);
});

/**
 * `deno task manifest`: writes `microcore.gen.ts` from the tools and plugins in the tree.
 * `deno task manifest --check`: exits 1 (and says what differs) when the file is out of date.
 * @module
 */
import {
  type AppSource,
  fileUrl,
  fromManifest,
  type Manifest,
  walkProject,
} from "../core/discovery.ts";
import { diffManifest, MANIFEST_FILE, manifestEntries, renderManifest } from "../core/manifest.ts";

/** The manifest text the tree under `root` calls for. */
export async function wantedManifest(root: string): Promise<string> {
  return renderManifest(manifestEntries(await walkProject(root)));
}

/** The manifest now on disk, or `undefined`. */
export async function currentManifest(root: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(`${root}/${MANIFEST_FILE}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** Writes the manifest if it changed; returns whether it did. */
export async function writeManifest(root: string): Promise<boolean> {
  const wanted = await wantedManifest(root);
  if ((await currentManifest(root)) === wanted) return false;
  await Deno.writeTextFile(`${root}/${MANIFEST_FILE}`, wanted);
  return true;
}

/**
 * The project's tools and plugins for `deno task dev`/`start`: from the manifest when it lists
 * exactly the files on disk — one static import graph loads 1,000 plugins in ~0.1 s, where one
 * `import()` per file costs more per file the larger the graph grows — else from the folder walk.
 * If the manifest's graph fails to load (one broken plugin), each file is imported on its own, so
 * the broken one fails alone.
 */
export async function manifestOrWalk(root: string): Promise<AppSource> {
  const walked = await walkProject(root);
  try {
    if ((await currentManifest(root)) !== renderManifest(manifestEntries(walked))) return walked;
    const mod = await import(fileUrl(root, MANIFEST_FILE));
    return fromManifest(root, mod.default as Manifest);
  } catch {
    return walked;
  }
}

/** The project root: the folder holding this repository's `deno.json`. */
export const projectRoot = decodeURIComponent(new URL("..", import.meta.url).pathname)
  .replace(/\/$/, "");

if (import.meta.main) {
  const root = projectRoot;
  if (Deno.args.includes("--check")) {
    const diff = diffManifest(await currentManifest(root), await wantedManifest(root));
    if (diff.length) {
      console.error(`${MANIFEST_FILE} does not match the tree; run \`deno task manifest\`:`);
      for (const l of diff) console.error(`  ${l}`);
      Deno.exit(1);
    }
    console.log(`${MANIFEST_FILE} is up to date`);
  } else {
    const changed = await writeManifest(root);
    console.log(`${MANIFEST_FILE} ${changed ? "written" : "already up to date"}`);
  }
}

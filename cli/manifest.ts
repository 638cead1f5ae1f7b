/**
 * `deno task manifest`: writes `microcore.gen.ts` from the tools and plugins in the tree.
 * `deno task manifest --check`: exits 1 (and says what differs) when the file is out of date.
 * @module
 */
import { MANIFEST_FILE, projectRoot as root } from "@core";
import {
  currentManifest,
  diffEventTypes,
  diffManifest,
  wantedManifest,
  writeManifest,
} from "../dev/manifest.ts";
import { cliArgs } from "./args.ts";

const { flags } = cliArgs({
  usage: `usage: deno task manifest [--check]
  (no flag)  write microcore.gen.ts from the tools and plugins in the tree
  --check    exit 1 (saying what differs) when microcore.gen.ts is out of date`,
  booleans: ["--check"],
});

if (flags["--check"]) {
  const diff = [
    ...diffManifest(await currentManifest(root), await wantedManifest(root)),
    ...await diffEventTypes(root),
  ];
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

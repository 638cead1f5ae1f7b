/**
 * `deno task permissions`: writes the `start`, `migrate` and `dev` permission sets of `deno.json`
 * from what the app declares and the settings' values now (the environment, over `.env`).
 * `deno task permissions --check`: exits 1, naming each difference, when they are stale.
 * Regenerate per deployment, with that deployment's settings (see docs/permissions.md).
 * @module
 */
import { projectRoot } from "@core";
import {
  diffSets,
  type GeneratedSets,
  type HiddenRead,
  permissionSets,
  readDeclared,
  readDenoJson,
  writeSets,
} from "../dev/permissions/mod.ts";
import { PROCESS_ENV } from "../main.ts";
import { MIGRATE_TOOLS } from "./migrate.ts";

/**
 * The sets the project at `root` needs with the settings `value` gives (default: the
 * environment), and the config reads whose keys it cannot see.
 */
export async function wantedSets(
  root: string,
  value: (key: string) => string | undefined = (key) => Deno.env.get(key),
): Promise<{ sets: GeneratedSets; hidden: HiddenRead[] }> {
  const d = await readDeclared(root);
  const sets = permissionSets({
    tools: d.tools,
    migrateTools: MIGRATE_TOOLS,
    configKeys: d.configKeys,
    processEnv: Object.keys(PROCESS_ENV),
    value,
  });
  return { sets, hidden: d.hidden };
}

/** Runs the task with `args`; returns the exit code. */
export async function main(
  args: string[],
  root = projectRoot,
  value: (key: string) => string | undefined = (key) => Deno.env.get(key),
): Promise<number> {
  const { sets, hidden } = await wantedSets(root, value);
  for (const h of hidden) {
    console.error(
      `${h.file}:${h.line}: ${h.call} reads a key that is not written out, so it cannot be ` +
        `granted: read each setting with a literal key, e.g. config.get("SMTP_HOST")`,
    );
  }
  if (hidden.length) return 1;
  if (args.includes("--check")) {
    const diff = diffSets(await readDenoJson(root), sets);
    if (diff.length) {
      console.error(
        "deno.json permission sets do not match what the app declares with these settings; " +
          "run `deno task permissions` (with the deployment's settings) and commit deno.json:",
      );
      for (const l of diff) console.error(`  ${l}`);
      return 1;
    }
    console.log("deno.json permission sets are up to date");
    return 0;
  }
  const changed = await writeSets(root, sets);
  console.log(`deno.json permission sets ${changed ? "written" : "already up to date"}`);
  for (const name of ["start", "migrate"] as const) {
    const s = sets[name];
    console.log(
      `  ${name}: net ${(s.net ?? []).join(", ") || "none"}; ` +
        `write ${(s.write ?? []).join(", ") || "none"}; env ${
          (s.env as string[] | undefined ?? []).length
        } keys`,
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

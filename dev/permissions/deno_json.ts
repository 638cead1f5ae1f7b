/**
 * Reading and writing the generated permission sets in `deno.json`, and saying how the file
 * differs from what the app declares now.
 * @module
 */
import type { GeneratedSets, PermissionSet } from "./sets.ts";

/** The sets `deno task permissions` owns in `deno.json`; every other set is left as written. */
export const GENERATED_SETS: readonly (keyof GeneratedSets)[] = ["start", "migrate", "dev"];

type Config = { permissions?: Record<string, unknown> } & Record<string, unknown>;

/** `deno.json` at `root`, parsed. */
export async function readDenoJson(root: string): Promise<Config> {
  return JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
}

/** One line per difference: `start.net: has [...], wants [...]`. Empty when up to date. */
export function diffSets(config: Config, wanted: GeneratedSets): string[] {
  const out: string[] = [];
  for (const name of GENERATED_SETS) {
    const has = (config.permissions?.[name] ?? {}) as Record<string, unknown>;
    const want = wanted[name] as Record<string, unknown>;
    for (const kind of [...new Set([...Object.keys(has), ...Object.keys(want)])].sort()) {
      const a = JSON.stringify(has[kind] ?? null);
      const b = JSON.stringify(want[kind] ?? null);
      if (a !== b) out.push(`${name}.${kind}: has ${a}, wants ${b}`);
    }
  }
  return out;
}

/** `config` with the generated sets replaced (other keys, and their order, kept). */
export function withSets(config: Config, sets: GeneratedSets): Config {
  const permissions: Record<string, unknown> = { ...config.permissions };
  for (const name of GENERATED_SETS) permissions[name] = sets[name] satisfies PermissionSet;
  return { ...config, permissions };
}

/**
 * Writes the sets into `root/deno.json` (through a temporary file and a rename, so a process
 * starting meanwhile reads the old file or the new one, never half of one). Returns whether the
 * file changed.
 */
export async function writeSets(root: string, sets: GeneratedSets): Promise<boolean> {
  const config = await readDenoJson(root);
  if (!diffSets(config, sets).length) return false;
  const file = `${root}/deno.json`;
  const tmp = `${file}.tmp`;
  await Deno.writeTextFile(tmp, formatJson(withSets(config, sets)) + "\n");
  await Deno.rename(tmp, file);
  return true;
}

/**
 * JSON as `deno fmt` leaves it: two-space indent, a list of strings on one line when that line
 * fits in 100 columns (`"read": ["."]`), else one item a line.
 */
export function formatJson(value: unknown, indent = "", prefix = 0): string {
  if (Array.isArray(value)) {
    const items = value.map((v) => formatJson(v, `${indent}  `));
    const flat = `[${items.join(", ")}]`;
    if (value.every((v) => typeof v !== "object") && indent.length + prefix + flat.length <= 100) {
      return flat;
    }
    return items.length
      ? `[\n${items.map((x) => `${indent}  ${x}`).join(",\n")}\n${indent}]`
      : "[]";
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => {
      const key = `${JSON.stringify(k)}: `;
      return `${indent}  ${key}${formatJson(v, `${indent}  `, key.length + 1)}`;
    });
    return entries.length ? `{\n${entries.join(",\n")}\n${indent}}` : "{}";
  }
  return JSON.stringify(value);
}

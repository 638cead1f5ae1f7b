/**
 * `deno task compile`: builds `dist/<name>`, one executable holding every tool and plugin of the
 * tree (through the generated manifest), each domain's files (migrations, static files) and the
 * `/docs` page's assets, with the `start` permission set of `deno.json`.
 *
 * - `deno task compile` regenerates `microcore.gen.ts`, then runs `deno compile`.
 * - `deno task compile --check` only checks that the manifest matches the tree (no build).
 * - `deno task compile --dry-run` prints the `deno compile` command without running it.
 * - Other arguments (`--target …`, `--output …`) go to `deno compile` as they are.
 *
 * The permissions are passed as flags, not as `-P=start`: `deno compile -P=start` resolves the
 * set's relative paths against the build machine's project folder (`"./data"` becomes
 * `/home/me/project/data`), while flags keep them relative, so the binary reads and writes
 * relative to the folder it runs in.
 * @module
 */
import { MANIFEST_FILE, projectRoot } from "@core";
import { COMPILED_FLAG } from "../main.ts";
import { currentManifest, diffManifest, wantedManifest, writeManifest } from "../dev/manifest.ts";

/**
 * Folders embedded as files (read at run time with `Deno.readDir`/`readTextFile`): each domain's
 * migrations and any static folder. Modules (tools, plugins, npm packages, the `/docs` assets,
 * which are text imports) come in through the module graph of `main.ts` → `microcore.gen.ts`.
 */
export const COMPILE_INCLUDES: readonly string[] = ["domains/"];

/** Permission set keys of `deno.json` and their flag names. */
const KINDS = ["read", "write", "net", "env", "sys", "run", "ffi", "import"] as const;

type Grant = boolean | string | string[] | undefined;
/** A `deno.json` permission set: `{ read: ["."], env: true, … }` or `{ read: { allow, deny } }`. */
export type PermissionSet = Partial<
  Record<(typeof KINDS)[number], Grant | { allow?: Grant; deny?: Grant; ignore?: Grant }>
>;

function flag(kind: string, verb: "allow" | "deny" | "ignore", grant: Grant): string[] {
  if (grant === undefined || grant === false) return [];
  if (grant === true) return [`--${verb}-${kind}`];
  const list = Array.isArray(grant) ? grant : [grant];
  return list.length ? [`--${verb}-${kind}=${list.join(",")}`] : [];
}

/**
 * The command-line flags for a permission set, paths kept as written (relative paths are then
 * resolved where the binary runs). `all: true` is refused: the binary must not carry `-A`.
 * @example
 * permissionFlags({ read: ["."], write: ["./data"], env: true });
 * // ["--allow-read=.", "--allow-write=./data", "--allow-env"]
 */
export function permissionFlags(set: PermissionSet & { all?: boolean }): string[] {
  if (set.all) throw new Error("the start permission set grants all: refusing to compile with -A");
  const out: string[] = [];
  for (const kind of KINDS) {
    const g = set[kind];
    if (g && typeof g === "object" && !Array.isArray(g)) {
      out.push(...flag(kind, "allow", g.allow), ...flag(kind, "deny", g.deny));
      out.push(...flag(kind, "ignore", g.ignore));
    } else out.push(...flag(kind, "allow", g as Grant));
  }
  return out;
}

/** What a compile needs to know. */
export interface CompileOptions {
  /** The `start` permission set. */
  permissions: PermissionSet;
  /** Output file, project-relative. */
  output: string;
  /** Extra `deno compile` flags (`--target …`). */
  extra?: string[];
}

/** The `deno compile` arguments (without the leading `deno`). */
export function compileArgs(o: CompileOptions): string[] {
  return [
    "compile",
    "--no-prompt",
    ...permissionFlags(o.permissions),
    ...COMPILE_INCLUDES.flatMap((p) => ["--include", p]),
    "--output",
    o.output,
    ...(o.extra ?? []),
    "main.ts",
    "start",
    COMPILED_FLAG,
  ];
}

/** The project's `deno.json`, parsed. */
export async function readConfig(
  root: string,
): Promise<{ name?: string; permissions?: Record<string, PermissionSet> }> {
  return JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
}

/** `dist/<name>`: the last part of `deno.json`'s `name`, else `microcore`. */
export function defaultOutput(name: string | undefined): string {
  const base = (name ?? "").split("/").pop()?.replace(/^@/, "") || "microcore";
  return `dist/${base}${Deno.build.os === "windows" ? ".exe" : ""}`;
}

async function main(args: string[]): Promise<number> {
  const root = projectRoot;
  if (args.includes("--check")) {
    const diff = diffManifest(await currentManifest(root), await wantedManifest(root));
    if (diff.length) {
      console.error(`${MANIFEST_FILE} does not match the tree; run \`deno task manifest\`:`);
      for (const l of diff) console.error(`  ${l}`);
      return 1;
    }
    console.log(`${MANIFEST_FILE} is up to date`);
    return 0;
  }
  const dry = args.includes("--dry-run");
  const extra = args.filter((a) => a !== "--dry-run");
  const config = await readConfig(root);
  const permissions = config.permissions?.start;
  if (!permissions) throw new Error(`deno.json has no "start" permission set`);
  let output = defaultOutput(config.name);
  const oi = extra.findIndex((a) => a === "--output" || a === "-o" || a.startsWith("--output="));
  if (oi >= 0) {
    const inline = extra[oi].startsWith("--output=");
    output = inline ? extra[oi].slice("--output=".length) : extra[oi + 1];
    extra.splice(oi, inline ? 1 : 2);
  }
  const cmd = compileArgs({ permissions, output, extra });
  if (dry) {
    console.log(["deno", ...cmd].join(" "));
    return 0;
  }
  if (await writeManifest(root)) console.log(`${MANIFEST_FILE} regenerated`);
  console.log(`$ deno ${cmd.join(" ")}`);
  const { code } = await new Deno.Command("deno", { args: cmd, cwd: root }).spawn().status;
  if (code === 0) {
    console.log(`built ${output}: run it from the folder that holds (or will hold) data/`);
  }
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

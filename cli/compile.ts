/**
 * `deno task compile`: builds `dist/<name>`, one executable holding every tool and plugin of the
 * tree (through the generated manifest), each domain's files (migrations, static files) and the
 * `/docs` page's assets, with the `start` permission set of `deno.json`, which must match the
 * settings of the build's environment and `.env` (`deno task permissions`; docs/permissions.md).
 *
 * - `deno task compile` regenerates `microcore.gen.ts`, then runs `deno compile`.
 * - `deno task compile --check` only checks that the manifest matches the tree (no build).
 * - `deno task compile --dry-run` prints the `deno compile` command without running it.
 * - `--output`, `--target`, `--icon`, `--no-terminal` go to `deno compile`; `--help` lists them.
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
import { cliArgs } from "./args.ts";
import { diffSets } from "../dev/permissions/mod.ts";
import { wantedSets } from "./permissions.ts";

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
): Promise<
  { name?: string; permissions?: Record<string, PermissionSet> } & Record<string, unknown>
> {
  return JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
}

/** `dist/<name>`: the last part of `deno.json`'s `name`, else `microcore`. */
export function defaultOutput(name: string | undefined): string {
  const base = (name ?? "").split("/").pop()?.replace(/^@/, "") || "microcore";
  return `dist/${base}${Deno.build.os === "windows" ? ".exe" : ""}`;
}

/** The command line of `deno task compile`. */
export const COMPILE_USAGE =
  `usage: deno task compile [--check | --dry-run] [--output <file>] [--target <triple>]
                         [--icon <file>] [--no-terminal]
  (no flag)        regenerate microcore.gen.ts, then build dist/<name> with deno compile
  --check          only check that microcore.gen.ts matches the tree (no build)
  --dry-run        print the deno compile command without running it
  -o, --output     the executable to write (default dist/<deno.json name>)
  --target         build for another platform, e.g. x86_64-unknown-linux-gnu
  --icon, --no-terminal   passed to deno compile (Windows)
Without access to dl.deno.land, set DENORT_BIN to a denort runtime downloaded elsewhere
(https://dl.deno.land/release/v<deno version>/denort-<target>.zip, unzipped).`;

async function main(args: string[]): Promise<number> {
  const root = projectRoot;
  const { flags } = cliArgs({
    usage: COMPILE_USAGE,
    booleans: ["--check", "--dry-run", "--no-terminal"],
    strings: ["--output", "--target", "--icon"],
    aliases: { "-o": "--output" },
  }, args);
  if (flags["--check"]) {
    const diff = diffManifest(await currentManifest(root), await wantedManifest(root));
    if (diff.length) {
      console.error(`${MANIFEST_FILE} does not match the tree; run \`deno task manifest\`:`);
      for (const l of diff) console.error(`  ${l}`);
      return 1;
    }
    console.log(`${MANIFEST_FILE} is up to date`);
    return 0;
  }
  const dry = flags["--dry-run"] === true;
  const extra: string[] = [];
  for (const f of ["--target", "--icon"] as const) {
    if (typeof flags[f] === "string") extra.push(`${f}=${flags[f]}`);
  }
  if (flags["--no-terminal"]) extra.push("--no-terminal");
  const config = await readConfig(root);
  const permissions = config.permissions?.start;
  if (!permissions) throw new Error(`deno.json has no "start" permission set`);
  const output = typeof flags["--output"] === "string"
    ? flags["--output"]
    : defaultOutput(config.name);
  const cmd = compileArgs({ permissions, output, extra });
  if (dry) {
    console.log(["deno", ...cmd].join(" "));
    return 0;
  }
  const runtime = Deno.env.get("DENORT_BIN");
  if (runtime) {
    const why = await notARuntime(runtime);
    if (why) {
      console.error(why);
      return 1;
    }
  }
  // The binary carries the start set for good: it must be the one these settings need.
  const stale = diffSets(config, (await wantedSets(root)).sets).filter((l) =>
    l.startsWith("start.")
  );
  if (stale.length) {
    console.error(
      "deno.json's start permission set does not match these settings: run `deno task " +
        "permissions` with the deployment's settings (environment or .env), then compile:",
    );
    for (const l of stale) console.error(`  ${l}`);
    return 1;
  }
  if (await writeManifest(root)) console.log(`${MANIFEST_FILE} regenerated`);
  console.log(`$ deno ${cmd.join(" ")}`);
  const child = new Deno.Command("deno", { args: cmd, cwd: root, stderr: "piped" }).spawn();
  const stderr = await teeText(child.stderr, Deno.stderr);
  const { code } = await child.status;
  if (code === 0) {
    console.log(`built ${output}: run it from the folder that holds (or will hold) data/`);
  } else {
    const hint = downloadHint(
      stderr,
      typeof flags["--target"] === "string" ? flags["--target"] : undefined,
    );
    if (hint) console.error(`\n${hint}`);
  }
  return code;
}

/** Copy a stream to `out` as it comes, and return all of it as text. */
async function teeText(stream: ReadableStream<Uint8Array>, out: typeof Deno.stderr) {
  let text = "";
  const dec = new TextDecoder();
  for await (const chunk of stream) {
    await out.write(chunk);
    text += dec.decode(chunk, { stream: true });
  }
  return text + dec.decode();
}

/**
 * What to do when `deno compile` could not fetch its runtime (`denort`): the machine has no
 * access to dl.deno.land. `undefined` when the failure was something else.
 */
export function downloadHint(stderr: string, target?: string): string | undefined {
  // deno compile prints the URL it tried to fetch; a failure naming it is a failed download.
  const url = /https:\/\/dl\.deno\.land\/\S*denort-[\w.-]+\.zip/.exec(stderr)?.[0];
  if (!url || !/error sending request|dns error|Connect|timed out|status code/i.test(stderr)) {
    return undefined;
  }
  const zip = url.slice(url.lastIndexOf("/") + 1);
  return [
    `deno compile could not download its runtime (${zip}) from dl.deno.land.`,
    "Give it one this machine already has:",
    `  1. on a machine with access: curl -LO ${url}`,
    `  2. unzip ${zip} (it holds one file, denort), copy it here, then`,
    `  3. DENORT_BIN=/path/to/denort deno task compile${target ? ` --target ${target}` : ""}`,
    "or run deno task compile on a machine (or CI runner) that can reach dl.deno.land.",
  ].join("\n");
}

/** Run by `deno eval` (which may read and run any file; this task may only run `deno`). */
const PROBE = `
const path = Deno.args[0];
let kind = "missing";
try {
  const info = Deno.statSync(path);
  kind = info.isFile ? "file" : "other";
} catch {}
let version = "";
if (kind === "file") {
  const out = await new Deno.Command(path, {
    args: ["--version"], stdout: "piped", stderr: "null", stdin: "null",
  }).output().catch(() => undefined);
  if (out) version = new TextDecoder().decode(out.stdout);
}
console.log(JSON.stringify({ kind, version }));
`;

/**
 * Why the file `DENORT_BIN` names cannot be the runtime, or `undefined` when it can: the full
 * `deno` CLI answers `--version` with `deno x.y.z` (a binary built on it opens a REPL instead of
 * the app), and a missing file or a folder cannot work either.
 */
export async function notARuntime(path: string): Promise<string | undefined> {
  const out = await new Deno.Command("deno", {
    args: ["eval", PROBE, path],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).output();
  const { kind, version } = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    kind: string;
    version: string;
  };
  if (kind === "missing") {
    return `DENORT_BIN=${path}: no such file. Point it at the denort runtime (see --help).`;
  }
  if (kind !== "file") return `DENORT_BIN=${path} is not a file; point it at the denort runtime.`;
  if (/^deno \d/m.test(version)) {
    return `DENORT_BIN=${path} is the deno CLI, not the denort runtime: a binary built on it ` +
      `opens a REPL instead of the app. Download denort-<target>.zip from ` +
      `https://dl.deno.land/release/v${Deno.version.deno}/ and point DENORT_BIN at the file inside.`;
  }
  return undefined;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

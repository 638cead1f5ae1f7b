/**
 * `deno task new`: scaffolding.
 *
 * ```sh
 * deno task new plugin <domain>/<name> [--route "POST /path"] [--event <name>]
 * deno task new domain <name>
 * deno task new tool <name>
 * ```
 *
 * Names are lowercase letters, digits and underscores, starting with a letter. Nothing is ever
 * overwritten. With `--route`, `--event` names the event the plugin publishes after handling a
 * request; without, the event it reacts to.
 * @module
 */
import { exists, projectRoot } from "@core";
import { writeManifest } from "../dev/manifest.ts";
import { cliArgs } from "./args.ts";
import {
  contractFile,
  migrationFiles,
  pluginFile,
  type PluginSpec,
  pluginTestFile,
  toolFile,
  toolModFile,
  toolTestFile,
  toolTypesFile,
} from "./new/templates.ts";

/** A file to write, project-relative. */
export interface Planned {
  path: string;
  text: string;
}

/** Thrown for bad input; the message says what to fix. */
export class UsageError extends Error {
  override name = "UsageError";
}

const NAME = /^[a-z][a-z0-9_]*$/;
const EVENT = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export const USAGE = `usage:
  deno task new plugin <domain>/<name> [--route "POST /path"] [--event <name>]
  deno task new domain <name>
  deno task new tool <name>
  deno task new project <dir> [--force]   a new app in <dir> (must be empty without --force;
                                          .env and README.md are never overwritten)
names: lowercase letters, digits and underscores, starting with a letter`;

function checkName(what: string, name: string | undefined): string {
  if (!name) throw new UsageError(`missing ${what} name\n${USAGE}`);
  if (!NAME.test(name)) {
    throw new UsageError(
      `invalid ${what} name "${name}": use lowercase letters, digits and underscores, starting with a letter (e.g. create_order)`,
    );
  }
  return name;
}

/** Parses `--route "METHOD /path"`. */
export function parseRoute(value: string): { method: string; path: string } {
  const m = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(value);
  const method = m?.[1].toUpperCase();
  if (!m || !method || !METHODS.includes(method)) {
    throw new UsageError(
      `invalid --route "${value}": write it as "METHOD /path" with METHOD one of ${
        METHODS.join(", ")
      }`,
    );
  }
  if (!/^\/[A-Za-z0-9_\-/:{}.]*$/.test(m[2])) {
    throw new UsageError(`invalid route path "${m[2]}": letters, digits, - _ . / and :params`);
  }
  return { method, path: m[2] };
}

/** Reads the value after `flag` (`--flag value` or `--flag=value`), if present. */
function option(args: string[], flag: string): string | undefined {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  const a = args[i];
  const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[i + 1];
  if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
  return v;
}

/** What to write for a command line (without touching the disk). */
export function plan(args: string[]): Planned[] {
  const [kind, target] = args;
  const known = kind === "project" ? ["--force"] : ["--route", "--event"];
  for (const a of args.slice(2)) {
    if (a.startsWith("--") && !known.some((k) => a === k || a.startsWith(`${k}=`))) {
      throw new UsageError(`unknown option ${a}\n${USAGE}`);
    }
  }
  switch (kind) {
    case "plugin": {
      const [domain, name, ...rest] = (target ?? "").split("/");
      if (!target || name === undefined || rest.length) {
        throw new UsageError(`write the plugin as <domain>/<name>, e.g. orders/create_order`);
      }
      const spec: PluginSpec = {
        domain: checkName("domain", domain),
        name: checkName("plugin", name),
      };
      const route = option(args, "--route");
      if (route !== undefined) spec.route = parseRoute(route);
      const event = option(args, "--event");
      if (event !== undefined) {
        if (!EVENT.test(event)) {
          throw new UsageError(
            `invalid event name "${event}": dot-separated lowercase segments, e.g. order.created`,
          );
        }
        spec.event = event;
      }
      const dir = `domains/${domain}/plugins`;
      return [
        { path: `${dir}/${name}.ts`, text: pluginFile(spec) },
        { path: `${dir}/${name}_test.ts`, text: pluginTestFile(spec) },
      ];
    }
    case "domain": {
      const name = checkName("domain", target);
      const migration = migrationFiles(name);
      const first = `domains/${name}/migrations/001_create_${name}`;
      return [
        { path: `domains/${name}/plugins/.gitkeep`, text: "" },
        { path: `domains/${name}/models/.gitkeep`, text: "" },
        { path: `${first}.sql`, text: migration.sql },
        { path: `${first}.postgres.sql`, text: migration.postgres },
      ];
    }
    case "tool": {
      const name = checkName("tool", target);
      return [
        { path: `tools/${name}/mod.ts`, text: toolModFile(name) },
        { path: `tools/${name}/tool.ts`, text: toolFile(name) },
        { path: `tools/${name}/types.ts`, text: toolTypesFile(name) },
        { path: `tools/${name}/tool_test.ts`, text: toolTestFile(name) },
      ];
    }
    case "project":
      throw new UsageError("a project is written by newProject(), not planned file by file");
    default:
      throw new UsageError(kind ? `unknown kind "${kind}"\n${USAGE}` : USAGE);
  }
}

/**
 * Writes the planned files under `root`; refuses (writing nothing) if any exists, or if a new
 * domain or tool's folder already does. Returns the paths written.
 */
export async function scaffold(root: string, args: string[]): Promise<string[]> {
  const files = plan(args);
  const [kind, target] = args;
  const event = kind === "plugin" && option(args, "--route") ? option(args, "--event") : undefined;
  const contract = `domains/${target?.split("/")[0]}/events.ts`;
  if (event) {
    const text = await Deno.readTextFile(`${root}/${contract}`).catch(() => undefined);
    if (text === undefined) files.push({ path: contract, text: contractFile(event) });
    else if (!text.includes(`"${event}"`)) {
      console.warn(`declare "${event}" in ${contract} (publishes), or publishing it fails`);
    }
  }
  if (kind === "domain" && await exists(`${root}/domains/${target}`)) {
    throw new UsageError(`domains/${target} already exists; nothing written`);
  }
  if (kind === "tool" && await exists(`${root}/tools/${target}`)) {
    throw new UsageError(`tools/${target} already exists; nothing written`);
  }
  for (const f of files) {
    if (await exists(`${root}/${f.path}`)) {
      throw new UsageError(`${f.path} already exists; nothing written`);
    }
  }
  for (const f of files) {
    const path = `${root}/${f.path}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, f.text, { createNew: true });
  }
  return files.map((f) => f.path);
}

/** Formats the written files with `deno fmt` when allowed to run it (long names wrap). */
async function format(root: string, paths: string[]): Promise<void> {
  const code = paths.filter((p) => p.endsWith(".ts"));
  if (!code.length) return;
  if (Deno.permissions.querySync({ name: "run", command: "deno" }).state !== "granted") return;
  await new Deno.Command("deno", { args: ["fmt", "-q", ...code], cwd: root, stderr: "null" })
    .output().catch(() => {});
}

/**
 * `deno task new project <dir>`: writes the new app through `cli/new/project.ts`, run as a child
 * that may write to `dir` alone, then generates its manifest and AI_CONTEXT.md there. `dir` is
 * relative to where the task was started (`INIT_CWD`). Returns the exit code.
 */
export async function newProject(root: string, target: string, force: boolean): Promise<number> {
  const base = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const dir = target.startsWith("/") ? target : `${base}/${target}`.replace(/\/\.?$/, "");
  const run = (args: string[], cwd = root) =>
    new Deno.Command("deno", { args, cwd, stdin: "null" }).spawn().status;
  const wrote = await run([
    "run",
    `--allow-read=${root},${dir}`,
    `--allow-write=${dir}`,
    `${root}/cli/new/project.ts`,
    dir,
    ...(force ? ["--force"] : []),
  ]);
  if (!wrote.success) return wrote.code;
  for (const task of ["manifest", "context"]) {
    const r = await run(["task", "-q", task], dir);
    if (!r.success) return r.code;
  }
  console.log(`next: cd ${target} && deno task dev   (tests: deno task test)`);
  return 0;
}

if (import.meta.main) {
  // --help and typos first: nothing is written for them.
  const { flags, positionals } = cliArgs({
    usage: USAGE,
    booleans: ["--force"],
    strings: ["--route", "--event"],
    maxPositionals: 2,
  });
  const root = projectRoot;
  if (positionals[0] === "project") {
    if (!positionals[1]) {
      console.error(`missing project folder\n${USAGE}`);
      Deno.exit(2);
    }
    Deno.exit(await newProject(root, positionals[1], flags["--force"] === true));
  }
  try {
    const written = await scaffold(root, Deno.args);
    await format(root, written);
    for (const p of written) console.log(`wrote ${p}`);
    // Keep the compile manifest in step with the tree (CI checks it).
    if (await writeManifest(root)) console.log("updated microcore.gen.ts");
    const dir = written[0].split("/").slice(0, 2).join("/");
    console.log(
      `next: deno test -P=test ${dir}  (and \`deno task context\` to refresh AI_CONTEXT.md)`,
    );
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    Deno.exit(2);
  }
}

/**
 * Running as a `deno compile` binary: how main.ts knows, and where it gets its file list.
 * @module
 */
import { type AppSource, fromManifest, type Manifest } from "../core/discovery.ts";

/** The argument `deno task compile` bakes into the binary (after the mode, `start`). */
export const COMPILED_FLAG = "--compiled";

/**
 * Whether this process is a compiled binary: the compile task bakes in {@link COMPILED_FLAG}, and
 * Deno runs a binary's modules from a virtual folder named `deno-compile-<binary name>`.
 */
export function isCompiled(args = Deno.args, mainModule = Deno.mainModule): boolean {
  return args.includes(COMPILED_FLAG) || /\/deno-compile-[^/]+\//.test(mainModule);
}

/**
 * The tools and plugins of the generated manifest (the only list a binary can trust: its modules
 * are the ones `deno compile` saw). The import is a literal, so the compiler embeds it; it only
 * runs in a binary, so `deno task dev`/`start` never load the plugins twice.
 *
 * Also points a relative `DB_PATH` (default `data/app.db`) at the working directory: the project
 * root of a binary is its read-only virtual folder, and data belongs outside the binary.
 */
export async function compiledSource(
  root: string,
  env: Pick<Deno.Env, "get" | "set"> = Deno.env,
): Promise<AppSource> {
  const dbPath = env.get("DB_PATH") ?? "data/app.db";
  if (dbPath !== ":memory:" && !dbPath.startsWith("file:") && !/^([A-Za-z]:)?[\\/]/.test(dbPath)) {
    env.set("DB_PATH", `${Deno.cwd()}/${dbPath}`);
  }
  const manifest = (await import("../microcore.gen.ts")).default as Manifest;
  return fromManifest(root, manifest);
}

/**
 * Finding tools, domains and plugins: by walking the folders (the default) or from a generated
 * manifest (for `deno compile`). Both give the kernel the same {@link AppSource}, so it has one
 * boot path.
 * @module
 */
import { exists } from "./fs.ts";
import type { DomainInfo } from "./types.ts";

/** A module namespace object. */
export type Module = Record<string, unknown>;

/** A tool the kernel can load. */
export interface ToolSource {
  /** Folder name under `tools/`. */
  name: string;
  /** Project-relative entry file, e.g. `tools/http/mod.ts`. */
  file: string;
  load(): Promise<Module>;
}

/** A plugin the kernel can load. */
export interface PluginSource {
  /** `<domain>/<file stem>`. */
  id: string;
  domain: string;
  /** Project-relative file, e.g. `domains/products/plugins/create_product.ts`. */
  file: string;
  load(): Promise<Module>;
}

/** Everything the kernel boots. */
export interface AppSource {
  tools: ToolSource[];
  domains: DomainInfo[];
  plugins: PluginSource[];
}

/**
 * A generated manifest: literal imports of every tool and plugin, so `deno compile` sees them.
 * Keys are project-relative paths.
 */
export interface Manifest {
  tools: Record<string, Module>;
  plugins: Record<string, Module>;
  domains: string[];
}

/** The extensions a plugin file may have. */
export const PLUGIN_EXTENSIONS: readonly string[] = ["ts", "js", "mts", "mjs", "tsx", "jsx"];

const PLUGIN_FILE = new RegExp(
  `^domains/([^/]+)/plugins/([^/]+)\\.(${PLUGIN_EXTENSIONS.join("|")})$`,
);

/**
 * The one rule for a plugin file, used by discovery, the reloader and the test kit:
 * `domains/<domain>/plugins/<stem>.<ts|js|mts|mjs|tsx|jsx>`, where the stem does not start with
 * `_` or `.` (private helpers, hidden files) and does not end with `_test` or `.test`. Returns
 * the plugin's id (`<domain>/<stem>`) and domain, or `undefined` for any other path.
 */
export function pluginIdentity(rel: string): { id: string; domain: string } | undefined {
  const m = PLUGIN_FILE.exec(rel);
  if (!m) return undefined;
  const [, domain, stem] = m;
  if (/^[_.]/.test(stem) || /[_.]test$/.test(stem)) return undefined;
  return { id: `${domain}/${stem}`, domain };
}

/** Whether a project-relative path is a plugin file (see {@link pluginIdentity}). */
export function isPluginPath(rel: string): boolean {
  return pluginIdentity(rel) !== undefined;
}

/** `file://` URL of a project-relative path. */
export function fileUrl(root: string, rel: string): string {
  // Encoded segment by segment: a `#`, `?`, `%` or space in a folder name stays part of the path.
  const path = `${root.replace(/\/$/, "")}/${rel}`;
  return `file://${path.split("/").map(encodeURIComponent).join("/")}`;
}

async function sortedEntries(dir: string): Promise<Deno.DirEntry[]> {
  try {
    const byName = new Map((await Array.fromAsync(Deno.readDir(dir))).map((e) => [e.name, e]));
    return [...byName.keys()].sort().map((name) => byName.get(name)!);
  } catch (err) {
    // Stryker disable next-line ArrayDeclaration: a string in the list is neither file nor folder, so skipped
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/** A plugin source that imports the file from disk (`url` overrides the URL, for reloads). */
export function pluginFromFile(root: string, rel: string, url = fileUrl(root, rel)): PluginSource {
  const who = pluginIdentity(rel);
  if (!who) throw new Error(`not a plugin file: ${rel}`);
  return { ...who, file: rel, load: () => import(url) };
}

/** Walks `tools/` and `domains/` under `root`, in a deterministic (sorted) order. */
export async function walkProject(root: string): Promise<AppSource> {
  const tools: ToolSource[] = [];
  for (const e of await sortedEntries(`${root}/tools`)) {
    if (!e.isDirectory || e.name.startsWith(".") || e.name.startsWith("_")) continue;
    const file = `tools/${e.name}/mod.ts`;
    if (!(await exists(`${root}/${file}`))) continue;
    const url = fileUrl(root, file);
    tools.push({ name: e.name, file, load: () => import(url) });
  }
  const domains: DomainInfo[] = [];
  const plugins: PluginSource[] = [];
  for (const d of await sortedEntries(`${root}/domains`)) {
    if (!d.isDirectory || d.name.startsWith(".") || d.name.startsWith("_")) continue;
    domains.push({ name: d.name, dir: `${root}/domains/${d.name}` });
    for (const f of await sortedEntries(`${root}/domains/${d.name}/plugins`)) {
      const rel = `domains/${d.name}/plugins/${f.name}`;
      if (f.isFile && isPluginPath(rel)) plugins.push(pluginFromFile(root, rel));
    }
  }
  return { tools, domains, plugins };
}

/** The same {@link AppSource}, from a generated manifest instead of the file system. */
export function fromManifest(root: string, manifest: Manifest): AppSource {
  const tools = Object.keys(manifest.tools).sort().map((file) => ({
    name: file.split("/")[1],
    file,
    load: () => Promise.resolve(manifest.tools[file]),
  }));
  const domains = [...manifest.domains].sort().map((name) => ({
    name,
    dir: `${root}/domains/${name}`,
  }));
  const plugins = Object.keys(manifest.plugins).sort().flatMap((file) => {
    const who = pluginIdentity(file);
    return who ? [{ ...who, file, load: () => Promise.resolve(manifest.plugins[file]) }] : [];
  });
  return { tools, domains, plugins };
}

/** The generated manifest's file name, at the project root (written by `deno task manifest`). */
export const MANIFEST_FILE = "microcore.gen.ts";

/**
 * The project's tools and plugins for `deno task dev`/`start`: from the manifest when it lists
 * exactly the files on disk (one static import graph loads 1,000 plugins in ~0.1 s, where one
 * `import()` per file costs more per file the larger the graph grows), else from the folder walk
 * (done while the manifest, if it exists, loads: a failed import of a missing file would stick).
 * If its graph fails to load (one broken plugin), each file is imported alone, so it fails alone.
 */
export async function manifestOrWalk(root: string): Promise<AppSource> {
  const manifest = async () =>
    await exists(`${root}/${MANIFEST_FILE}`)
      ? fromManifest(root, (await import(fileUrl(root, MANIFEST_FILE))).default as Manifest)
      : undefined;
  const [walked, listed] = await Promise.all([walkProject(root), manifest().catch(() => {})]);
  return listed && sameFiles(listed, walked) ? listed : walked;
}

/** Whether two sources list the same tools, plugins and domains (in any order). */
function sameFiles(a: AppSource, b: AppSource): boolean {
  const key = (s: AppSource) =>
    [...s.tools, ...s.plugins].map((x) => x.file).concat(s.domains.map((d) => d.name)).sort()
      .join("\n");
  return key(a) === key(b);
}

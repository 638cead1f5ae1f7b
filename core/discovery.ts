/**
 * Finding tools, domains and plugins: by walking the folders (the default) or from a generated
 * manifest (for `deno compile`). Both give the kernel the same {@link AppSource}, so it has one
 * boot path.
 * @module
 */
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

const PLUGIN_FILE = /^domains\/([^/]+)\/plugins\/([^/]+)\.(ts|js|mts|mjs|tsx|jsx)$/;

/** Whether a project-relative path is a plugin file (`_`-prefixed and `*_test` files are not). */
export function isPluginPath(rel: string): boolean {
  const m = PLUGIN_FILE.exec(rel);
  return !!m && !m[2].startsWith("_") && !m[2].endsWith("_test") && !m[2].endsWith(".test") &&
    !m[2].startsWith(".");
}

/** The plugin id (`<domain>/<stem>`) and domain of a plugin path. */
export function pluginIdentity(rel: string): { id: string; domain: string } {
  const m = PLUGIN_FILE.exec(rel)!;
  return { id: `${m[1]}/${m[2]}`, domain: m[1] };
}

/** `file://` URL of a project-relative path. */
export function fileUrl(root: string, rel: string): string {
  // Encoded segment by segment: a `#`, `?`, `%` or space in a folder name stays part of the path.
  const path = `${root.replace(/\/$/, "")}/${rel}`;
  return `file://${path.split("/").map(encodeURIComponent).join("/")}`;
}

async function sortedEntries(dir: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A plugin source that imports the file from disk (`url` overrides the URL, for reloads). */
export function pluginFromFile(root: string, rel: string, url = fileUrl(root, rel)): PluginSource {
  return { ...pluginIdentity(rel), file: rel, load: () => import(url) };
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
  const plugins = Object.keys(manifest.plugins).sort().filter(isPluginPath).map((file) => ({
    ...pluginIdentity(file),
    file,
    load: () => Promise.resolve(manifest.plugins[file]),
  }));
  return { tools, domains, plugins };
}

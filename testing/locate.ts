/**
 * Where a plugin under test lives: its id, domain, file and project root, found from its file
 * or, for a class, from the test file that calls the kit (tests sit beside their plugin).
 * @module
 */
import { PLUGIN_EXTENSIONS, type PluginClass, pluginIdentity, projectRoot } from "@core";

/** Who the plugin is, as the kernel would name it. */
export interface PluginIdentity {
  /** `<domain>/<file stem>`. */
  id: string;
  domain: string;
  /** Project-relative file (or the class name when no file was found). */
  file: string;
  /** Absolute project root (holds `domains/`). */
  root: string;
  /** The module to load, when known. */
  url?: string;
}

const KIT_DIR = new URL("./", import.meta.url).href;
const TEST = new RegExp(`[_.]test\\.(${PLUGIN_EXTENSIONS.join("|")})$`);

/**
 * The identity of the module at `url` (a `file:` URL): a plugin file as the kernel names it; a
 * test beside plugins in its domain (so a class declared there gets the domain's migrations);
 * anything else in the `test` domain of this project.
 */
export function fromUrl(url: string): PluginIdentity {
  const path = decodeURIComponent(new URL(url).pathname);
  const at = path.lastIndexOf("/domains/");
  // Project-relative path; with no domains/ folder, the absolute path (which matches no rule).
  const rel = path.slice(at + 1);
  const root = path.slice(0, at);
  const plugin = pluginIdentity(rel);
  if (plugin) return { ...plugin, file: rel, root, url };
  const stem = path.slice(path.lastIndexOf("/") + 1).replace(/\.[^.]+$/, "");
  const beside = /^domains\/([^/]+)\/plugins\/[^/]+$/.exec(rel);
  if (beside) return { id: `${beside[1]}/${stem}`, domain: beside[1], file: rel, root, url };
  return { id: `test/${stem}`, domain: "test", file: path, root: projectRoot, url };
}

/** A `file:` URL for a path or URL given by a test (relative paths resolve from the cwd). */
export function toUrl(spec: string | URL): string {
  // A URL (or a string with a scheme) resolves to itself.
  return new URL(spec, `file://${Deno.cwd().replace(/\/?$/, "/")}`).href;
}

/** The first file in the current stack that is not part of the kit (the test calling it). */
// Stryker disable next-line StringLiteral: V8 always gives an Error a stack; any text without a file URL finds no caller
export function callerUrl(stack = new Error().stack ?? ""): string | undefined {
  for (const m of stack.matchAll(/(file:\/\/[^\s()]+?):\d+:\d+/g)) {
    if (!m[1].startsWith(KIT_DIR) || TEST.test(m[1])) return m[1];
  }
  return undefined;
}

/**
 * The identity of a plugin class: the module beside the calling test that default-exports it
 * (`create_product_test.ts` → `create_product.ts` first, then the folder's other files).
 */
export async function fromClass(
  cls: PluginClass,
  caller: string | undefined,
): Promise<PluginIdentity | undefined> {
  if (!caller) return undefined;
  // Tried in order, each once: the sibling first.
  const candidates = new Set<string>();
  const sibling = caller.replace(TEST, ".$1");
  if (sibling !== caller) candidates.add(sibling);
  const dir = caller.slice(0, caller.lastIndexOf("/") + 1);
  // Only a plugins folder is searched further: importing arbitrary files could run them.
  const folder = /\/(domains\/[^/]+\/plugins\/)$/.exec(dir)?.[1];
  if (folder) {
    try {
      for await (const e of Deno.readDir(new URL(dir))) {
        if (e.isFile && pluginIdentity(folder + e.name)) candidates.add(dir + e.name);
      }
    } catch {
      // Not readable: only the sibling is tried.
    }
  }
  return await find(cls, candidates);
}

async function find(
  cls: PluginClass,
  candidates: Iterable<string>,
): Promise<PluginIdentity | undefined> {
  for (const url of candidates) {
    try {
      const mod = await import(url);
      if (Object.values(mod).includes(cls)) return fromUrl(url); // default export included
    } catch {
      // Not a module we can import here; keep looking.
    }
  }
  return undefined;
}

/**
 * What the app declares that the permission sets are made from: every tool (its `env` keys and
 * its {@link Tool.permissions} answer) and the configuration keys plugins read through the
 * `config` tool, found in their source.
 * @module
 */
import { type Module, type Tool, walkProject } from "@core";

/** A configuration read whose key the source does not spell out. */
export interface HiddenRead {
  /** Project-relative file. */
  file: string;
  line: number;
  /** The call as written, e.g. `config.get(name)`. */
  call: string;
}

/** What the project declares. */
export interface Declared {
  /** The tools, instantiated (never set up: nothing is opened). */
  tools: Tool[];
  /** Keys the domains read through `config` (sorted, unique). */
  configKeys: string[];
  /** Reads with a computed key: their keys cannot be granted. */
  hidden: HiddenRead[];
}

const METHODS = "get|require|has|int|bool|list";
/**
 * `config.get("KEY")`, `this.config?.int('KEY', 3)`: a plugin reaches the config tool through the
 * parameter named `config` (tools are injected by parameter name).
 */
const READ = new RegExp(`\\bconfig\\??\\.(?:${METHODS})\\(\\s*([^\\s)][^,)]*)`, "g");
const LITERAL = /^(?:"([^"\\]*)"|'([^'\\]*)'|`([^`$\\]*)`)$/;

/** The `config` reads in one source text: literal keys, and calls whose key is computed. */
export function configReads(text: string): { keys: string[]; hidden: Omit<HiddenRead, "file">[] } {
  const keys: string[] = [];
  const hidden: Omit<HiddenRead, "file">[] = [];
  for (const m of text.matchAll(READ)) {
    const arg = m[1].trim();
    const lit = LITERAL.exec(arg);
    if (lit) keys.push(lit[1] ?? lit[2] ?? lit[3]);
    else {
      const line = text.slice(0, m.index).split("\n").length;
      hidden.push({ line, call: `${m[0].trim()})` });
    }
  }
  return { keys, hidden };
}

const SOURCE = /\.(ts|js|mts|mjs|tsx|jsx)$/;
const TEST = /[_.]test\.(ts|js|mts|mjs|tsx|jsx)$/;

async function* sources(dir: string, rel: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith(".")) continue;
    if (e.isDirectory) yield* sources(`${dir}/${e.name}`, `${rel}/${e.name}`);
    else if (e.isFile && SOURCE.test(e.name) && !TEST.test(e.name)) yield `${rel}/${e.name}`;
  }
}

/** The tool a tool module exports (as the kernel takes it: an instance or a no-argument class). */
function toTool(mod: Module, file: string): Tool {
  let t = mod.default as unknown;
  if (typeof t === "function") t = new (t as new () => Tool)();
  if (typeof (t as Partial<Tool> | null | undefined)?.name !== "string") {
    throw new Error(`${file} must default-export a tool: an object (or class) with a "name"`);
  }
  return t as Tool;
}

/** Reads the tools (imported and constructed, not set up) and the domains' config reads. */
export async function readDeclared(root: string): Promise<Declared> {
  const src = await walkProject(root);
  const tools = await Promise.all(src.tools.map(async (s) => toTool(await s.load(), s.file)));
  const keys = new Set<string>();
  const hidden: HiddenRead[] = [];
  for await (const file of sources(`${root}/domains`, "domains")) {
    const found = configReads(await Deno.readTextFile(`${root}/${file}`));
    for (const k of found.keys) keys.add(k);
    for (const h of found.hidden) hidden.push({ file, ...h });
  }
  return { tools, configKeys: [...keys].sort(), hidden };
}

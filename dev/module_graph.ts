/**
 * Fresh module URLs for hot reload.
 *
 * V8 never evicts a module, and re-importing `plugin.ts?v=2` re-fetches only the plugin itself:
 * the models and helpers it imports stay stale. So a reload imports a *versioned copy* of the
 * plugin's local import graph: each file under `domains/` is copied to `.microcore/hmr/<same
 * path>` and imported as `…?v=<hash>`, with its relative imports rewritten to the versioned URLs
 * of its dependencies (and to absolute URLs for anything outside `domains/`). The hash covers the
 * file and, recursively, its local dependencies, so an edited model gives every plugin that
 * imports it a new URL while unchanged files keep theirs (and are not loaded twice). A module is
 * read once, when first imported, so one file per source is overwritten in place (creating
 * files costs up to ten times more than rewriting one on some disks). Lines are not moved, so
 * errors point at the same line of the user's file.
 *
 * The file work is synchronous on purpose: a reload reads and writes a handful of small files,
 * and doing it in one go is several times faster than interleaving dozens of async calls.
 * @module
 */
import { createHash } from "node:crypto";
import { fileUrl } from "@core";

/**
 * The specifier of every static import/export and literal dynamic import. Runs on source whose
 * comments and template literals were blanked out, so names may span lines and contain comments.
 */
const IMPORT_RE =
  /(?:^|[;\n}])\s*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*(["'])([^"'\n]+)\1|\bimport\s*\(\s*(["'])([^"'\n]+)\3\s*\)/g;

interface Spec {
  spec: string;
  start: number;
  end: number;
}

/**
 * Replaces comments and template literals with spaces (newlines kept), so offsets still match
 * the source and nothing inside them looks like an import. String literals are kept.
 */
export function blankNonCode(source: string): string {
  const out = source.split("");
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i], next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== "\n") {
        j += source[j] === "\\" ? 2 : 1;
      }
      i = j + 1;
    } else if (c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== "`") j += source[j] === "\\" ? 2 : 1;
      blank(i, j + 1);
      i = j + 1;
    } else i++;
  }
  return out.join("");
}

/** Relative specifiers in `source`, with the offsets of the text between the quotes. */
export function scanImports(source: string): Spec[] {
  const out: Spec[] = [];
  for (const m of blankNonCode(source).matchAll(IMPORT_RE)) {
    const spec = m[2] ?? m[4];
    if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
    const end = m.index! + m[0].lastIndexOf(spec) + spec.length;
    out.push({ spec, start: end - spec.length, end });
  }
  return out;
}

/** What one reload batch shares: each file's source as read once, and each file's copy URL. */
interface Batch {
  sources: Map<string, string>;
  urls: Map<string, string>;
}

interface Node {
  /** Project-relative path. */
  rel: string;
  source: string;
  /** Resolved project-relative paths of relative imports. */
  deps: { at: Spec; rel: string }[];
}

const HMR_DIR = ".microcore/hmr";

/** Maps a path (or URL) of a hot-reload copy back to the user's file. */
export function originalPath(path: string): string {
  return path.replace(/\.microcore\/hmr\/([^\s:)'"?]+)(\?v=[0-9a-f]{12})?/g, "$1");
}

/** Builds versioned copies of plugins' import graphs and tracks who imports what. */
export class ModuleGraph {
  readonly root: string;
  /** plugin file → the local files of its graph (itself included). */
  #graphs = new Map<string, Set<string>>();
  /** Copy path → the version (hash) it holds now. */
  #written = new Map<string, string>();

  constructor(root: string) {
    this.root = root;
  }

  /** Removes earlier sessions' copies. */
  async reset(): Promise<void> {
    await Deno.remove(`${this.root}/${HMR_DIR}`, { recursive: true }).catch(() => {});
    this.#written.clear();
  }

  /**
   * Records the local import graph of plugin files (as loaded from their original files). A file
   * that cannot be read is recorded with what could be read, so its dependants still reload.
   */
  track(pluginFiles: string[]): Promise<void> {
    for (const rel of pluginFiles) {
      const nodes = new Map<string, Node>();
      const missing = new Set<string>();
      try {
        this.#collect(rel, nodes, missing);
      } catch { /* recorded as far as it could be read */ }
      this.#graphs.set(rel, new Set([...nodes.keys(), ...missing]));
    }
    return Promise.resolve();
  }

  /** Forgets a deleted plugin. */
  forget(pluginFile: string): void {
    this.#graphs.delete(pluginFile);
  }

  /** Plugin files whose import graph contains `rel` (a plugin contains itself). */
  dependants(rel: string): string[] {
    const out: string[] = [];
    for (const [plugin, files] of this.#graphs) if (files.has(rel)) out.push(plugin);
    return out.sort();
  }

  /**
   * For the plugins of one reload batch, a URL whose whole local graph reflects the files as they
   * are now on disk, or (like an import would) an error where a local import points at a missing
   * file. Each file is read once for the whole batch, so the batch sees one version of it even if
   * it is saved again meanwhile, and each copy path holds one version. Import every URL before
   * the next batch: that one may rewrite the copies.
   */
  versionedUrls(pluginRels: string[]): (string | Error)[] {
    const batch: Batch = { sources: new Map(), urls: new Map() };
    return pluginRels.map((rel) => {
      try {
        return this.#versionedUrl(rel, batch);
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    });
  }

  #versionedUrl(pluginRel: string, batch: Batch): string {
    const nodes = new Map<string, Node>();
    const missing = new Set<string>();
    this.#collect(pluginRel, nodes, missing, batch.sources);
    this.#graphs.set(pluginRel, new Set([...nodes.keys(), ...missing]));
    if (missing.size) {
      const importer = [...nodes.values()].find((n) => n.deps.some((d) => missing.has(d.rel)));
      throw new Error(
        `Module not found "${[...missing][0]}", imported by ${importer?.rel ?? pluginRel}`,
      );
    }
    const hashes = batch.urls;
    const copyOf = (rel: string, stack: Set<string>): string => {
      const known = hashes.get(rel);
      if (known) return known;
      const node = nodes.get(rel)!;
      stack.add(rel);
      const depCopies: string[] = [];
      for (const d of node.deps) {
        // Outside domains/ (tools, core): the one shared original. An import cycle inside a
        // domain: the original file too (rare; that edge stays stale).
        const shared = !d.rel.startsWith("domains/") || stack.has(d.rel);
        depCopies.push(shared ? fileUrl(this.root, d.rel) : copyOf(d.rel, stack));
      }
      stack.delete(rel);
      const hash = digest(node.source + "\0" + depCopies.join("\0"));
      const url = this.#put(
        `${HMR_DIR}/${rel}`,
        hash,
        () => rewrite(node.source, node.deps, depCopies),
      );
      hashes.set(rel, url);
      return url;
    };
    return copyOf(pluginRel, new Set());
  }

  /**
   * Writes a module under `.microcore/hmr/` (once per path) and returns its URL; also used for
   * the entry module that imports a whole reload batch at once.
   */
  writeModule(name: string, text: string): string {
    return this.#put(`${HMR_DIR}/${name}`, digest(text), () => text);
  }

  /** Makes `copyRel` hold version `hash` (written only when it holds another) and its URL. */
  #put(copyRel: string, hash: string, text: () => string): string {
    if (this.#written.get(copyRel) !== hash) {
      const path = `${this.root}/${copyRel}`;
      try {
        Deno.writeTextFileSync(path, text());
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
        Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
        Deno.writeTextFileSync(path, text());
      }
      this.#written.set(copyRel, hash);
    }
    return `${fileUrl(this.root, copyRel)}?v=${hash}`;
  }

  /**
   * Reads `rel` and, recursively, the local files it imports. Local files that do not exist
   * are put in `missing` (so that creating one later reloads the plugin).
   */
  #collect(
    rel: string,
    nodes: Map<string, Node>,
    missing: Set<string>,
    sources = new Map<string, string>(),
  ): void {
    if (nodes.has(rel)) return;
    let source: string;
    try {
      source = sources.get(rel) ?? Deno.readTextFileSync(`${this.root}/${rel}`);
      sources.set(rel, source);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound && nodes.size > 0) return void missing.add(rel);
      throw err;
    }
    const deps = scanImports(source).map((at) => ({
      at,
      rel: decodeURIComponent(new URL(at.spec, `file:///${rel}`).pathname.slice(1)),
    }));
    const node: Node = { rel, source, deps: [] };
    nodes.set(rel, node);
    for (const d of deps) {
      node.deps.push(d);
      if (d.rel.startsWith("domains/")) this.#collect(d.rel, nodes, missing, sources);
    }
  }
}

/** Rewrites each relative import: local ones to their copies, others to absolute URLs. */
function rewrite(source: string, deps: Node["deps"], depCopies: string[]): string {
  let out = "";
  let pos = 0;
  deps.forEach((d, i) => {
    out += source.slice(pos, d.at.start) + depCopies[i];
    pos = d.at.end;
  });
  return out + source.slice(pos);
}

/** 12 hex digits of the text's SHA-256. */
function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

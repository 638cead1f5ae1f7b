/**
 * Hot reload in dev: watch the tree, group a save's burst of events per path, then look at the
 * files as they are now: reload what exists, unload what is still gone, reload every plugin
 * whose import graph holds a changed model or helper, prepare a domain again when a file a tool
 * claims changed (the db tool's migrations), and ask for a process restart when the code the
 * process runs on changes (`core/`, `tools/`, `dev/`, `main.ts`, `deno.json`).
 * @module
 */
import {
  existsSync,
  isPluginPath,
  type Kernel,
  type LoadResult,
  pluginIdentity,
  type PluginSource,
  withTimeout,
} from "@core";
import { ModuleGraph, originalPath } from "./module_graph.ts";

/** Options of the dev reloader. */
export interface HotReloadOptions {
  /** Quiet time that ends a burst of events (ms). Default 8. */
  quietMs?: number;
  /**
   * Quiet time once every file of the burst was closed after writing, renamed into place or
   * removed: the writer is done with it, so only a save-all's next file is waited for (ms).
   * Closes are reported on Linux; elsewhere a plain save waits `quietMs`. Default 2.
   */
  settledMs?: number;
  /** Longest a burst is held before it is processed anyway (ms). Default 60. */
  maxWaitMs?: number;
  /** Restart the process after this many reloads (V8 never frees old modules). Default 1000. */
  maxReloads?: number;
  /** Restart the process when the heap has grown this much since boot (MiB). Default 512. */
  heapBudgetMb?: number;
  /** Called when the process should restart (core/, tools/, deno.json changed; budget spent). */
  onRestart(reason: string): void;
  /** Called after a batch changed anything (e.g. to regenerate AI_CONTEXT.md). */
  onChanged?(): void | Promise<void>;
}

const CODE = /\.(ts|tsx|js|jsx|mts|mjs|json)$/;
/**
 * Paths never acted on: dotfiles, editor backups, swap and temp files (vim `4913`, `.swp`, `~`;
 * emacs `#x#`; `sed -i`'s `sedXXXXXX`, with a capital or a digit (domain names have
 * neither); JetBrains' `___jb_tmp___`; `*.tmp`) and node_modules.
 */
const IGNORED =
  /(^|\/)(\.[^/]*|[^/]*~|[^/]*\.sw[a-z]|4913|#[^/]*#|sed(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{6}|[^/]*___jb_(tmp|old)___|[^/]*\.tmp|node_modules)(\/|$)/;

/** The environment variables dev mode reads (`dev/main.ts`), beside the process's and the tools'. */
export const DEV_ENV: Readonly<Record<string, string>> = {
  HOT_RELOAD_MAX_RELOADS: "reloads before dev restarts the process (default 1000)",
  HOT_RELOAD_HEAP_MB: "heap growth (MiB) before dev restarts the process (default 512)",
};

/** The folders whose code the running process is made of: a change there needs a restart. */
const RUNTIME_DIRS = ["core", "tools", "dev"];
/** Top-level files whose change needs a restart. */
const RUNTIME_FILES = ["deno.json", "deno.jsonc", "deno.lock", "main.ts"];

/** Watches `domains/` and the runtime's code, and reloads plugins in place. */
export class HotReloader {
  readonly graph: ModuleGraph;
  #kernel: Kernel;
  #opts: HotReloadOptions;
  #watchers: Deno.FsWatcher[] = [];
  /** Paths of the burst so far, with whether the last event says the file is complete. */
  #pending = new Map<string, boolean>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firstAt = 0;
  #running: Promise<void> = Promise.resolve();
  #heapAtBoot = Deno.memoryUsage().heapUsed;
  #restarting = false;
  /** Loads that failed since boot (a syntax error, a throwing onBoot…). */
  #failures = 0;
  /** The copy URL each plugin file is served from, to skip saves that changed nothing. */
  #served = new Map<string, string>();

  constructor(kernel: Kernel, opts: HotReloadOptions) {
    this.#kernel = kernel;
    this.#opts = opts;
    this.graph = new ModuleGraph(kernel.root);
  }

  /**
   * Starts watching (unless `watch` is false: then only {@link HotReloader.process} drives it).
   * The import graphs of the loaded plugins are recorded first.
   */
  async start({ watch = true } = {}): Promise<void> {
    const root = this.#kernel.root;
    await this.graph.reset();
    const files = this.#kernel.status.list().flatMap((e) =>
      e.kind === "plugin" && e.file ? [e.file] : []
    );
    await this.graph.track(files).catch(() => {});
    if (!watch) return;
    const dirs = ["domains", ...RUNTIME_DIRS].map((d) => `${root}/${d}`);
    this.#watch(Deno.watchFs(dirs.filter(existsSync), { recursive: true }));
    this.#watch(Deno.watchFs(root, { recursive: false }));
    this.#kernel.log.info(
      `hot reload: watching domains/ (a change to ${
        RUNTIME_DIRS.map((d) => `${d}/`).join(", ")
      }, main.ts or deno.json restarts the process)`,
    );
  }

  /** Stops watching; waits for a batch in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    for (const w of this.#watchers) {
      try {
        w.close();
      } catch { /* already closed */ }
    }
    this.#watchers = [];
    await this.#running;
  }

  /** Processes paths as if the watcher had reported them (also used by tests). */
  process(paths: Iterable<string>): Promise<void> {
    const rels = [...paths].map((p) => this.#rel(p)).filter((r): r is string => r !== undefined);
    // One failed batch must not stop the next: log it, and keep the chain alive.
    this.#running = this.#running.then(() => this.#batch(new Set(rels))).catch((err) =>
      this.#kernel.log.error(`hot reload: ${err instanceof Error ? err.stack ?? err.message : err}`)
    );
    return this.#running;
  }

  #watch(w: Deno.FsWatcher): void {
    this.#watchers.push(w);
    (async () => {
      for await (const ev of w) {
        // Paths we never act on (our own .microcore/, swap files) do not hold a burst open.
        const paths = ev.paths.filter((p) => this.#rel(p) !== undefined);
        for (const p of paths) this.#pending.set(p, isSettled(ev.kind));
        if (paths.length) this.#schedule();
      }
    })().catch((err) => this.#kernel.log.error(`watcher stopped: ${err}`));
  }

  #schedule(): void {
    const now = performance.now();
    if (!this.#timer) this.#firstAt = now;
    clearTimeout(this.#timer);
    const settled = [...this.#pending.values()].every(Boolean);
    const quiet = settled ? this.#opts.settledMs ?? 2 : this.#opts.quietMs ?? 8;
    const wait = Math.min(quiet, Math.max(0, this.#firstAt + (this.#opts.maxWaitMs ?? 60) - now));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const paths = [...this.#pending.keys()];
      this.#pending.clear();
      this.process(paths);
    }, wait);
  }

  #rel(path: string): string | undefined {
    const root = this.#kernel.root + "/";
    if (!path.startsWith(root)) return undefined;
    const rel = path.slice(root.length);
    if (IGNORED.test(rel) || rel.startsWith("data/") || rel.startsWith("dist/")) return undefined;
    if (RUNTIME_FILES.includes(rel)) return rel;
    const top = rel.slice(0, rel.indexOf("/"));
    return top === "domains" || RUNTIME_DIRS.includes(top) ? rel : undefined;
  }

  async #batch(rels: Set<string>): Promise<void> {
    if (rels.size === 0 || this.#restarting) return;
    const t0 = performance.now();
    const k = this.#kernel;
    const claimed = claimedByTools(k);
    const restartBy = [...rels].find(needsRestart);
    if (restartBy) return this.#restart(`${restartBy} changed`);

    const load = new Set<string>();
    const unload = new Set<string>();
    const domains = new Set<string>();
    /** Domains with a changed file that a tool claims (`Tool.files`), to prepare again. */
    const prepare = new Set<string>();
    for (const rel of rels) {
      const parts = rel.split("/");
      if (parts[0] !== "domains" || !parts[1]) continue;
      domains.add(parts[1]);
      if (isPluginPath(rel)) load.add(rel);
      else if (claimed(rel)) prepare.add(parts[1]);
      else if (CODE.test(rel)) { for (const p of this.graph.dependants(rel)) load.add(p); }
    }
    for (const d of domains) {
      const dir = `${k.root}/domains/${d}`;
      const known = k.status.list().filter((e) => e.kind === "plugin" && e.domain === d);
      const kind = entryKind(dir);
      if (kind === "missing") {
        for (const e of known) unload.add(e.file!);
        continue;
      }
      if (kind === "file") continue; // a file right under domains/ (a README) is no domain
      const isNew = !k.hasDomain(d);
      if (isNew || prepare.has(d)) {
        const err = await k.prepareDomain({ name: d, dir });
        if (!err) {
          k.log.info(`${isNew ? "new domain" : "changed files of"} ${d} prepared`);
          for (const e of known) if (e.state !== "ready") load.add(e.file!);
        }
      }
      const onDisk = new Set(await pluginFiles(k.root, d));
      for (const f of onDisk) if (!known.some((e) => e.file === f)) load.add(f);
      for (const e of known) if (!onDisk.has(e.file!)) unload.add(e.file!);
    }
    for (const rel of load) if (!existsSync(`${k.root}/${rel}`)) unload.add(rel);
    for (const rel of unload) load.delete(rel);

    const done: string[] = [];
    const changed: string[] = [];
    for (const rel of [...unload].sort()) {
      const id = k.status.list().find((e) => e.kind === "plugin" && e.file === rel)?.id;
      this.graph.forget(rel);
      this.#served.delete(rel);
      if (!id) continue;
      // A plugin that had failed has nothing live, but its status entry (and the generated
      // files that list it) must go too.
      done.push(await k.unloadPlugin(id) ? `unloaded ${id}` : `removed ${id} (it had failed)`);
      changed.push(rel);
    }
    const failed = await this.#loadAll([...load].sort(), done, changed);
    // A plugin may have failed on something another change released (a route moved between
    // plugins in one save-all, a conflict with a deleted plugin): try those once more.
    const blocked = k.status.list().filter((e) =>
      e.kind === "plugin" && e.state === "failed" && e.file && !failed.includes(e.file) &&
      changed.some((f) => e.error?.message.includes(f))
    ).map((e) => e.file!);
    if (changed.length && (failed.length || blocked.length)) {
      await this.#loadAll([...failed, ...blocked], done, []);
    }
    if (!done.length) return;
    const ms = (performance.now() - t0).toFixed(1);
    k.log.info(`${[...rels].sort().join(", ")} changed → ${done.join("; ")} (${ms} ms)`);
    // Regenerating docs must not hold up the next save's reload.
    Promise.resolve(this.#opts.onChanged?.()).catch(() => {});
    this.#checkBudget();
  }

  /**
   * Loads each file; returns those that failed. The new copies are imported all at once (an
   * edited model reloads many plugins), then committed one by one in a stable order.
   */
  async #loadAll(files: string[], done: string[], changed: string[]): Promise<string[]> {
    const k = this.#kernel;
    const failed: string[] = [];
    const urls = this.graph.versionedUrls(files);
    // A save that changed nothing in a plugin's graph (a touch, a duplicate event) is skipped.
    const skip = files.map((rel, i) =>
      urls[i] === this.#served.get(rel) && k.status.get("plugin", idOf(rel))?.state === "ready"
    );
    const modules = this.#importAll(urls.map((u, i) => skip[i] ? undefined : u));
    try {
      for (const [i, rel] of files.entries()) {
        if (skip[i]) continue;
        const url = urls[i];
        const r = await k.loadPlugin(this.#source(rel, () => modules[i]!));
        done.push(this.#describe(r));
        if (r.ok && typeof url === "string") this.#served.set(rel, url);
        if (r.ok) {
          k.countReload();
          changed.push(rel);
        } else {
          failed.push(rel);
          // Counted for the status and /metrics (microcore_reload_failures_total).
          k.status.setFacts({ reloadFailures: ++this.#failures });
        }
      }
    } finally {
      // Every copy must be read before the next batch may rewrite it.
      await Promise.allSettled(modules.filter((m) => m !== undefined));
    }
    return failed;
  }

  /**
   * Imports the new copies. Each dynamic `import()` costs a fixed ~1 ms in a running app, so
   * several copies are imported through one entry module that imports them all; if that fails
   * (one copy has an error), each is imported alone so the error lands on its own plugin.
   */
  #importAll(
    urls: (string | Error | undefined)[],
  ): (Promise<Record<string, unknown>> | undefined)[] {
    const ok = [...new Set(urls.filter((u): u is string => typeof u === "string"))];
    let together: Promise<Record<string, unknown>[]> | undefined;
    if (ok.length > 1) {
      const text = ok.map((u, i) => `import * as m${i} from ${JSON.stringify(u)};\n`).join("") +
        `export default [${ok.map((_, i) => `m${i}`).join(", ")}];\n`;
      try {
        const entry = this.graph.writeModule("batch.js", text);
        // A plugin whose top-level await takes long must not hold back the others.
        together = withTimeout(
          import(entry).then((m) => m.default as Record<string, unknown>[]),
          BATCH_IMPORT_MS,
          `the batch import took over ${BATCH_IMPORT_MS} ms`,
        );
      } catch { /* cannot write the entry: one import per copy */ }
    }
    return urls.map((url) => {
      if (url === undefined) return undefined;
      let p: Promise<Record<string, unknown>>;
      if (typeof url !== "string") p = Promise.reject(url);
      else if (!together) p = import(url);
      else p = together.then((all) => all[ok.indexOf(url)], () => import(url));
      p.catch(() => {}); // observed by loadPlugin; avoid an unhandled rejection meanwhile
      return p;
    });
  }

  #source(rel: string, load: () => Promise<Record<string, unknown>>): PluginSource {
    return { ...pluginIdentity(rel)!, file: rel, load };
  }

  #describe(r: LoadResult): string {
    if (r.ok) return `reloaded ${r.id} (generation ${r.generation})`;
    // The kernel logged the error itself (file:line and cause): name it here, once.
    return r.generation
      ? `${r.id} failed (generation ${r.generation} keeps serving)`
      : `${r.id} failed`;
  }

  #checkBudget(): void {
    const reloads = Number(this.#kernel.status.summary().reloads ?? 0);
    const grownMb = (Deno.memoryUsage().heapUsed - this.#heapAtBoot) / 2 ** 20;
    this.#kernel.status.setFacts({ heapGrowthMb: Math.round(grownMb) });
    if (reloads >= (this.#opts.maxReloads ?? 1000)) {
      this.#restart(`reload budget spent (${reloads} reloads; old modules are never freed by V8)`);
    } else if (grownMb >= (this.#opts.heapBudgetMb ?? 512)) {
      this.#restart(`heap budget spent (+${Math.round(grownMb)} MiB since boot)`);
    }
  }

  #restart(reason: string): void {
    if (this.#restarting) return;
    this.#restarting = true;
    this.#kernel.log.warn(`restarting the process: ${reason}`);
    this.#opts.onRestart(reason);
  }
}

/** How long the one import of a batch may take before each copy is imported alone (ms). */
const BATCH_IMPORT_MS = 2000;

function idOf(rel: string): string {
  return pluginIdentity(rel)?.id ?? rel;
}

/**
 * Whether an event says its file is complete: closed after writing (`access`, Linux), renamed
 * into place (an editor's atomic save) or removed. A plain `modify` may be one write of several.
 */
export function isSettled(kind: Deno.FsEvent["kind"]): boolean {
  return kind === "access" || kind === "rename" || kind === "remove";
}

/**
 * Whether a change needs a new process: the code of the kernel, a tool or the dev layer, the
 * entry point or the config. Tests and test data do not.
 */
function needsRestart(rel: string): boolean {
  if (RUNTIME_FILES.includes(rel)) return true;
  if (!RUNTIME_DIRS.includes(rel.slice(0, rel.indexOf("/"))) || !CODE.test(rel)) return false;
  return !/(_test\.[mc]?[jt]sx?|\/testdata\/.*)$/.test(rel);
}

/** Whether a domain file is one a tool claims (`Tool.files`): its domain is prepared again. */
function claimedByTools(k: Kernel): (rel: string) => boolean {
  const globs = [...k.tools.values()].flatMap((t) => (t.files ?? []).map(globRegExp));
  return (rel) => globs.some((g) => g.test(rel));
}

/** What is at `path` now: a folder, something else, or nothing. */
function entryKind(path: string): "dir" | "file" | "missing" {
  try {
    return Deno.statSync(path).isDirectory ? "dir" : "file";
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "missing";
    throw err;
  }
}

/** A glob (`*` within one folder, `**` across folders) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const body = escaped.replace(
    /\*\*\/|\*\*|\*/g,
    (m) => m === "**/" ? "(?:.*/)?" : m === "**" ? ".*" : "[^/]*",
  );
  return new RegExp(`^${body}$`);
}

/** Maps hot-reload copy paths in messages back to the user's files. */
export { originalPath };

async function pluginFiles(root: string, domain: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(`${root}/domains/${domain}/plugins`)) {
      const rel = `domains/${domain}/plugins/${e.name}`;
      if (e.isFile && isPluginPath(rel)) out.push(rel);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err; // no plugins folder (yet)
  }
  return out;
}

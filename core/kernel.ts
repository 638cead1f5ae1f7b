/**
 * The micro-kernel: loads tools, builds plugins with the tools they ask for by name, boots them,
 * reloads one plugin as a transaction, and shuts everything down in reverse order.
 *
 * It knows nothing of HTTP, SQL or business rules: only the contracts in `types.ts`.
 * @module
 */
import { type AppSource, type Module, type PluginSource, walkProject } from "./discovery.ts";
import { didYouMean, errorInfo, formatError, permissionHint } from "./errors.ts";
import { type Injection, readInjection } from "./inject.ts";
import type { BasePlugin, PluginClass } from "./plugin.ts";
import { Status } from "./status.ts";
import { withTimeout } from "./timeout.ts";
import type { DomainInfo, ErrorInfo, LogSink, Mode, Owner, Tool, ToolContext } from "./types.ts";

/** How to build a kernel. */
export interface KernelOptions {
  /** Absolute project root (holds `tools/` and `domains/`). */
  root: string;
  mode: Mode;
  /** Where tools and plugins come from; defaults to walking the folders under `root`. */
  source?: AppSource | (() => Promise<AppSource>);
  /** Extra tools (or replacements, by name) given directly, e.g. by the test kit. */
  tools?: Tool[];
  /** Log sink used until (and unless) a tool that logs ({@link Tool.logFor}) is up. */
  log?: LogSink;
  /** Longest a single hook (setup, onBoot, shutdown…) may take. Default 10 s. */
  hookTimeoutMs?: number;
  /** Maps internal module paths back to user files in error messages (hot-reload copies). */
  rewritePath?: (path: string) => string;
  /** Where tools' settings come from ({@link ToolContext.env}); default: the environment. */
  env?: (key: string) => string | undefined;
  /** Where relative data paths resolve ({@link ToolContext.dataDir}); default: `root`. */
  dataDir?: string;
}

/** The result of loading one plugin. */
export interface LoadResult {
  id: string;
  ok: boolean;
  /** Generation now serving (the new one on success, the old one after a failed reload). */
  generation?: number;
  error?: ErrorInfo;
  ms: number;
}

interface LivePlugin {
  source: PluginSource;
  instance: BasePlugin;
  owner: Owner;
  reloads: number;
}

/** A hook whose synchronous part holds the event loop this long is named in a warning. */
const BLOCKED_WARN_MS = 250;

/** The console, for before (and without) a tool that logs ({@link Tool.logFor}). */
const consoleSink: LogSink = {
  debug: () => {},
  info: (m, p) => console.log(`[kernel] ${m}`, ...(p ? [p] : [])),
  warn: (m, p) => console.warn(`[kernel] ${m}`, ...(p ? [p] : [])),
  error: (m, p) => console.error(`[kernel] ${m}`, ...(p ? [p] : [])),
};

/** The micro-kernel. */
export class Kernel {
  readonly root: string;
  readonly mode: Mode;
  readonly status: Status;
  #opts: KernelOptions;
  #log: LogSink;
  #tools = new Map<string, Tool>();
  // Stryker disable next-line ArrayDeclaration: a string in the list has none of the hooks, so every loop over it skips it
  #toolOrder: Tool[] = [];
  /** The logger tool's {@link Tool.logFor}, once it is set up. */
  #logFor: ((name: string) => LogSink) | undefined;
  /** The last health report of a tool still in its setup. */
  #earlyHealth = new Map<string, ["ready" | "degraded", string | undefined]>();
  #failedTools = new Map<string, ErrorInfo>();
  #domains = new Map<string, DomainInfo>();
  #domainErrors = new Map<string, ErrorInfo>();
  #plugins = new Map<string, LivePlugin>();
  #generations = new Map<string, number>();
  #pending = new Map<string, Promise<unknown>>();
  #reloads = 0;
  #stopping = false;
  /** Old generations still finishing their work and shutting down. */
  #retiring = new Set<Promise<void>>();

  constructor(opts: KernelOptions) {
    this.root = opts.root.replace(/\/$/, "");
    this.mode = opts.mode;
    this.#opts = opts;
    this.#log = opts.log ?? consoleSink;
    this.status = new Status(() => this.#tools.values());
  }

  /** The live tools by name (including the built-in `status`). */
  get tools(): ReadonlyMap<string, Tool> {
    return this.#tools;
  }

  /** The kernel's log sink (the logger tool's once it is up). */
  get log(): LogSink {
    return this.#log;
  }

  /** Ids of the plugins now serving. */
  pluginIds(): string[] {
    return [...this.#plugins.keys()];
  }

  /** The instance now serving for a plugin id (for tests and tools like the test kit). */
  instanceOf(id: string): BasePlugin | undefined {
    return this.#plugins.get(id)?.instance;
  }

  /** Boots everything: tools, domains, plugins. Never throws for a single broken part. */
  async boot(): Promise<void> {
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const src = typeof this.#opts.source === "function"
      ? await this.#opts.source()
      : this.#opts.source ?? await walkProject(this.root);
    for (const d of src.domains) this.#domains.set(d.name, d);
    phases.found = round(performance.now() - t0);
    await this.#loadTools(src);
    phases.tools = round(performance.now() - t0);
    for (const d of src.domains) await this.prepareDomain(d);
    phases.domains = round(performance.now() - t0);
    // Import every plugin module at once (I/O-bound), then build and boot in a stable order.
    const modules = src.plugins.map((p) => {
      const t = performance.now();
      return p.load().then(
        (mod: Module) => ({ mod, err: undefined as unknown, ms: performance.now() - t }),
        (err: unknown) => ({ mod: undefined, err, ms: performance.now() - t }),
      );
    });
    for (const [i, p] of src.plugins.entries()) {
      const loaded = await modules[i];
      await this.#commit(p, loaded.mod, loaded.err, loaded.ms);
    }
    phases.plugins = round(performance.now() - t0);
    for (const tool of this.#toolOrder) {
      await this.#hook(`${tool.name}.onBootComplete`, () => tool.onBootComplete?.()).catch(
        (err) => this.#failTool(tool.name, err),
      );
    }
    phases.complete = round(performance.now() - t0);
    this.status.setFacts({
      mode: this.mode,
      bootMs: Math.round(performance.now() - t0),
      bootPhasesMs: phases, // where boot time went: ms since t0 when each phase ended
      startedAt: new Date().toISOString(),
      reloads: 0,
    });
  }

  /**
   * Loads (or reloads) one plugin as a transaction: the new version is imported, built and
   * booted while the old one serves; then every tool switches to it at once and the old one is
   * released. On any failure the old version keeps serving and the error is recorded.
   * Calls for the same plugin id run one after another.
   */
  loadPlugin(src: PluginSource): Promise<LoadResult> {
    return this.#serial(src.id, async () => {
      const t = performance.now();
      let mod: Module | undefined, err: unknown;
      try {
        mod = await src.load();
      } catch (e) {
        err = e;
      }
      return this.#commit(src, mod, err, performance.now() - t);
    });
  }

  /** Unloads a plugin: its registrations are released in every tool, then it shuts down. */
  unloadPlugin(id: string): Promise<boolean> {
    return this.#serial(id, async () => {
      const live = this.#plugins.get(id);
      for (const tool of this.#toolOrder) this.#try(() => tool.release?.(id), tool.name);
      this.status.delete("plugin", id);
      if (!live) return false;
      this.#plugins.delete(id);
      await this.#retire(live);
      this.#log.info(`unloaded ${id}`);
      return true;
    });
  }

  /** Runs every tool's `prepareDomain` (e.g. migrations) for a domain; safe to repeat. */
  async prepareDomain(domain: DomainInfo): Promise<ErrorInfo | undefined> {
    this.#domains.set(domain.name, domain);
    this.#domainErrors.delete(domain.name);
    for (const tool of this.#toolOrder) {
      if (!tool.prepareDomain) continue;
      try {
        await this.#hook(`${tool.name}.prepareDomain`, () => tool.prepareDomain!(domain));
      } catch (err) {
        const info = this.#info(err);
        this.#domainErrors.set(domain.name, info);
        this.#log.error(`domain ${domain.name} failed: ${formatError(info)}`);
        return info;
      }
    }
    return undefined;
  }

  /** Whether a domain is known (prepared at boot or later). */
  hasDomain(name: string): boolean {
    return this.#domains.has(name);
  }

  /** Counts a hot reload in the status summary. */
  countReload(): number {
    this.status.setFacts({ reloads: ++this.#reloads });
    return this.#reloads;
  }

  /**
   * Graceful shutdown: tools stop taking work and drain, plugins shut down in reverse boot
   * order, then tools in reverse setup order. Bounded by `timeoutMs` per step.
   */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    await Promise.allSettled(this.#pending.values());
    await Promise.allSettled(this.#retiring);
    await Promise.allSettled(
      this.#toolOrder.map((t) =>
        // Stryker disable next-line StringLiteral,OptionalChaining: allSettled drops a quiesce's failure and its message unseen
        this.#hook(`${t.name}.quiesce`, () => t.quiesce?.(timeoutMs), timeoutMs + 1000)
      ),
    );
    for (const p of [...this.#plugins.values()].reverse()) {
      await this.#hook(`${p.source.id}.shutdown`, () => p.instance.shutdown?.(), timeoutMs)
        .catch((err) => this.#log.error(`${p.source.id} shutdown failed: ${this.#msg(err)}`));
      this.status.update("plugin", p.source.id, { state: "stopped" });
    }
    this.#plugins.clear();
    for (const t of [...this.#toolOrder].reverse()) {
      await this.#hook(`${t.name}.shutdown`, () => t.shutdown?.(), timeoutMs)
        .catch((err) => consoleSink.error(`${t.name} shutdown failed: ${this.#msg(err)}`));
      this.status.update("tool", t.name, { state: "stopped" });
    }
  }

  // ---- tools -------------------------------------------------------------------------------

  async #loadTools(src: AppSource): Promise<void> {
    const found = new Map<string, { tool?: Tool; file?: string; err?: unknown; ms: number }>();
    const loaded = await Promise.all(src.tools.map(async (s) => {
      const t = performance.now();
      try {
        return { s, tool: toTool(await s.load(), s.file), ms: performance.now() - t };
      } catch (err) {
        return { s, err, ms: 0 }; // a tool that failed has no load time
      }
    }));
    for (const { s, tool, err, ms } of loaded) {
      const name = tool?.name ?? s.name;
      const other = found.get(name);
      // Two folders claiming one name: neither wins silently.
      const clash = other && new Error(`tool "${name}" is claimed by ${other.file} and ${s.file}`);
      if (clash) found.set(name, { file: `${other.file}, ${s.file}`, err: clash, ms });
      else found.set(name, { tool, file: s.file, err, ms });
    }
    for (const tool of this.#opts.tools ?? []) found.set(tool.name, { tool, ms: 0 });
    found.set("status", { tool: this.status, ms: 0 });

    for (const [name, f] of found) {
      const env = f.tool?.env ? Object.keys(f.tool.env).sort() : undefined;
      this.status.set({ kind: "tool", id: name, state: "loading", file: f.file, env });
      if (f.err || !f.tool) this.#failTool(name, f.err ?? new Error("no tool exported"));
    }
    for (const tool of sortByDeps([...found.values()].flatMap((f) => f.tool ? [f.tool] : []))) {
      const deps = tool.dependsOn ?? [];
      const missing = deps.filter((d) => !found.get(d)?.tool);
      const failedDep = deps.find((d) => this.#failedTools.has(d));
      if (missing.length || failedDep) {
        const why = missing.length
          ? `depends on missing tool(s): ${missing.join(", ")}`
          : `depends on tool "${failedDep}", which failed`;
        this.#failTool(tool.name, new Error(why));
        continue;
      }
      const t = performance.now();
      try {
        await this.#hook(`${tool.name}.setup`, () => tool.setup?.(this.#context(tool, deps)));
      } catch (err) {
        this.#failTool(tool.name, err);
        continue;
      }
      this.#tools.set(tool.name, tool);
      this.#toolOrder.push(tool);
      const ms = performance.now() - t + found.get(tool.name)!.ms;
      this.status.update("tool", tool.name, { state: "ready", loadMs: round(ms) });
      const early = this.#earlyHealth.get(tool.name);
      if (early) this.#health(tool.name, ...early);
      if (tool.logFor) {
        this.#logFor = tool.logFor.bind(tool);
        this.#log = tool.logFor("kernel");
      }
    }
  }

  #context(tool: Tool, deps: readonly string[]): ToolContext {
    const declared = tool.env ?? {};
    const read = this.#opts.env ?? readEnv;
    return {
      root: this.root,
      mode: this.mode,
      status: this.status,
      domains: [...this.#domains.values()],
      dataDir: this.#opts.dataDir ?? this.root,
      tool: <T>(name: string) => {
        if (!deps.includes(name) && !tool.uses?.includes(name)) {
          throw new Error(
            `tool "${tool.name}" asks for "${name}" without naming it in \`dependsOn\` or \`uses\``,
          );
        }
        return this.#tools.get(name) as T | undefined;
      },
      env: (key) => {
        if (!Object.hasOwn(declared, key)) {
          throw new Error(`tool "${tool.name}" reads ${key} without declaring it in its \`env\``);
        }
        return read(key) || undefined;
      },
      log: this.#logFor?.(tool.name) ?? prefixed(this.#log, tool.name),
      errorInfo: (err, prefer) => this.#info(err, prefer),
      health: (state, reason) => this.#health(tool.name, state, reason),
      outbox: () => {
        for (const t of this.#tools.values()) if (t.outbox) return t.outbox;
      },
    };
  }

  /** A tool's report on the service behind it; logged when the state changes. */
  #health(name: string, state: "ready" | "degraded", reason?: string): void {
    const cur = this.status.get("tool", name);
    if (cur?.state === "loading") {
      // Said during setup (e.g. "started without its server"): applied once the setup succeeds.
      this.#earlyHealth.set(name, [state, reason]);
      return;
    }
    this.#earlyHealth.delete(name);
    if (cur?.state !== "ready" && cur?.state !== "degraded") return;
    const message = reason ?? (state === "degraded" ? "degraded" : undefined);
    if (cur.state === state && cur.error?.message === message) return;
    this.status.update("tool", name, {
      state,
      error: message === undefined ? undefined : { message },
    });
    if (state === "degraded") this.#log.warn(`${name}: ${message}`, { tool: name });
    else if (cur.state === "degraded") this.#log.info(`${name}: recovered`, { tool: name });
  }

  /**
   * Marks a tool failed. Plugins already built with it fail too (they declared they need it);
   * a tool that was set up stays in the shutdown order so its resources are still closed.
   */
  #failTool(name: string, err: unknown): void {
    const info = this.#info(err);
    this.#failedTools.set(name, info);
    this.#tools.delete(name);
    this.status.update("tool", name, { state: "failed", error: info });
    this.#log.error(`tool ${name} failed: ${formatError(info)}`);
    for (const e of this.status.list()) {
      if (e.state === "ready" && e.tools?.includes(name)) { // only plugins list tools
        this.status.update("plugin", e.id, {
          state: "failed",
          error: { message: `needs tool "${name}", which failed: ${info.message}`, file: e.file },
        });
      }
    }
  }

  // ---- plugins -----------------------------------------------------------------------------

  /** Builds, boots and switches to a new generation of `src`; the heart of the transaction. */
  async #commit(
    src: PluginSource,
    mod: Module | undefined,
    loadErr: unknown,
    loadMs: number,
  ): Promise<LoadResult> {
    const t0 = performance.now() - loadMs;
    const prev = this.#plugins.get(src.id);
    const generation = (this.#generations.get(src.id) ?? 0) + 1;
    this.#generations.set(src.id, generation);
    const owner: Owner = { id: src.id, generation, domain: src.domain, file: src.file };
    let cls: PluginClass | undefined;
    let injection: Injection | undefined;
    try {
      if (this.#stopping) throw new Error("kernel is shutting down");
      if (loadErr) throw loadErr;
      // A failed domain fails its plugins with the domain's own error (file, line).
      const domainErr = this.#domainErrors.get(src.domain);
      if (domainErr) throw Object.assign(new Error(domainErr.message), { info: domainErr });
      cls = pluginClass(mod!, src.file);
      injection = readInjection(cls);
      const args = this.#resolve(injection, owner);
      const instance = (injection.style === "object"
        ? new cls(args)
        : new cls(...(args as unknown[]))) as BasePlugin;
      if (prev || !this.status.get("plugin", src.id)) {
        this.#setPluginStatus(src, "loading", cls);
      }
      await this.#hook(`${src.file} onBoot`, () =>
        instance.onBoot?.());
      // The switch: every tool moves to the new generation in the same tick.
      for (const tool of this.#toolOrder) this.#try(() => tool.activate?.(owner), tool.name);
      const reloads = prev ? prev.reloads + 1 : 0;
      this.#plugins.set(src.id, { source: src, instance, owner, reloads });
      const ms = round(performance.now() - t0);
      this.#setPluginStatus(src, "ready", cls, injection, { generation, reloads, loadMs: ms });
      if (prev) this.#track(this.#retire(prev));
      return { id: src.id, ok: true, generation, ms };
    } catch (err) {
      for (const tool of this.#toolOrder) {
        this.#try(() => tool.release?.(src.id, generation), tool.name);
      }
      const info = (err as { info?: ErrorInfo })?.info ?? this.#info(err, src.file);
      const ms = round(performance.now() - t0);
      if (prev) {
        this.#setPluginStatus(src, "stale", cls, injection, {
          error: info,
          generation: prev.owner.generation,
          reloads: prev.reloads,
          loadMs: ms,
        });
        this.#log.error(
          `reload of ${src.id} failed, generation ${prev.owner.generation} keeps serving: ${
            formatError(info)
          }`,
        );
      } else {
        this.#setPluginStatus(src, "failed", cls, injection, { error: info, loadMs: ms });
        this.#log.error(`plugin ${src.id} failed: ${formatError(info)}`);
      }
      return { id: src.id, ok: false, generation: prev?.owner.generation, error: info, ms };
    }
  }

  #resolve(injection: Injection, owner: Owner): unknown[] | Record<string, unknown> {
    const values = injection.wants.map(({ name, optional }) => {
      const tool = this.#tools.get(name);
      if (tool) return tool.forOwner ? tool.forOwner(owner) : tool;
      if (optional) return undefined;
      const failed = this.#failedTools.get(name);
      if (failed) throw new Error(`needs tool "${name}", which failed: ${failed.message}`);
      const names = [...this.#tools.keys()].sort();
      const hint = didYouMean(name, names);
      throw new Error(
        `unknown tool "${name}" requested by ${owner.file}.${
          hint ? ` Did you mean "${hint}"?` : ""
        } Available tools: ${names.join(", ")}`,
      );
    });
    if (injection.style === "positional") return values;
    return Object.fromEntries(
      injection.wants.map((w, i) => [w.name, values[i]]).filter(([, v]) => v !== undefined),
    );
  }

  #setPluginStatus(
    src: PluginSource,
    state: "loading" | "ready" | "failed" | "stale",
    cls?: PluginClass,
    injection?: Injection,
    extra: Partial<{ error: ErrorInfo; generation: number; reloads: number; loadMs: number }> = {},
  ): void {
    const prev = this.status.get("plugin", src.id);
    this.status.set({
      kind: "plugin",
      id: src.id,
      state,
      file: src.file,
      domain: src.domain,
      tools: injection?.wants.map((w) => w.name) ?? prev?.tools,
      publishes: cls?.publishes ? [...cls.publishes] : prev?.publishes,
      generation: extra.generation ?? prev?.generation,
      reloads: extra.reloads ?? prev?.reloads,
      loadMs: extra.loadMs ?? prev?.loadMs,
      error: extra.error,
    });
  }

  /** Lets the old generation finish its work, then shuts it down (in the background). */
  async #retire(old: LivePlugin): Promise<void> {
    const { id, generation } = old.owner;
    await Promise.allSettled(
      this.#toolOrder.map((t) => t.drain?.(id, generation, this.#timeout())),
    );
    for (const tool of this.#toolOrder) this.#try(() => tool.release?.(id, generation), tool.name);
    await this.#hook(`${old.source.file} shutdown`, () => old.instance.shutdown?.())
      .catch((err) =>
        this.#log.warn(`${id} (generation ${generation}) shutdown: ${this.#msg(err)}`)
      );
  }

  #track(p: Promise<void>): void {
    this.#retiring.add(p);
    // Stryker disable next-line CallExpression,ArrowFunction: only frees memory (#retire never rejects)
    p.finally(() => this.#retiring.delete(p));
  }

  #serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#pending.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.#pending.set(id, tail);
    // Stryker disable next-line ArrowFunction: only frees memory; a settled tail delays nothing
    tail.then(() => this.#pending.get(id) === tail && this.#pending.delete(id));
    return next;
  }

  // ---- helpers -----------------------------------------------------------------------------

  #timeout(): number {
    return this.#opts.hookTimeoutMs ?? 10_000;
  }

  /** Runs a hook, sync or async, failing it after the hook timeout. */
  async #hook(what: string, fn: () => unknown, ms = this.#timeout()): Promise<void> {
    const timed = () => {
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        // Its synchronous part held the event loop: no request or timer ran meanwhile.
        const held = performance.now() - t0;
        if (held >= BLOCKED_WARN_MS) {
          this.#log.warn(
            `${what} blocked the event loop for ${Math.round(held)} ms: every request waited; ` +
              "await the slow work, or split it, so the server keeps answering",
          );
        }
      }
    };
    await withTimeout(Promise.resolve().then(timed), ms, `${what} did not finish within ${ms} ms`);
  }

  #try(fn: () => unknown, who: string): void {
    try {
      fn();
    } catch (err) {
      this.#log.error(`${who}: ${this.#msg(err)}`);
    }
  }

  #info(err: unknown, file?: string): ErrorInfo {
    const info = errorInfo(err, this.root, this.#opts.rewritePath, file);
    const hint = err instanceof Deno.errors.NotCapable && permissionHint(info.message, this.mode);
    if (hint) info.message = `${info.message} (${hint})`;
    // Stacks help in dev; in production they would only leak paths through /system/status.
    if (this.mode === "start") delete info.stack;
    return info;
  }

  #msg(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The process environment; without the env permission, nothing is set. */
function readEnv(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch { /* no permission: unset */ }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function prefixed(sink: LogSink, name: string): LogSink {
  return {
    debug: (m, p) => sink.debug(`[${name}] ${m}`, p),
    info: (m, p) => sink.info(`[${name}] ${m}`, p),
    warn: (m, p) => sink.warn(`[${name}] ${m}`, p),
    error: (m, p) => sink.error(`[${name}] ${m}`, p),
  };
}

/** The tool a tool module exports: its default export, an instance or a no-argument class. */
function toTool(mod: Module, file: string): Tool {
  let t = mod.default as unknown;
  if (typeof t === "function") t = new (t as new () => Tool)();
  if (typeof (t as Partial<Tool> | null | undefined)?.name !== "string") {
    throw new Error(`${file} must default-export a tool: an object (or class) with a "name"`);
  }
  return t as Tool;
}

/** The plugin class a module exports: its default export, or its one exported class. */
function pluginClass(mod: Module, file: string): PluginClass {
  if (typeof mod.default === "function") return mod.default as PluginClass;
  const classes = Object.values(mod).filter((v) =>
    typeof v === "function" && /^class\b/.test(Function.prototype.toString.call(v))
  );
  if (classes.length === 1) return classes[0] as PluginClass;
  throw new Error(
    `${file} exports no plugin class: default-export a class (e.g. "export default class MyPlugin extends BasePlugin")`,
  );
}

/** Orders tools so that each comes after the tools it depends on (stable otherwise). */
function sortByDeps(tools: Tool[]): Tool[] {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const out: Tool[] = [];
  const seen = new Set<string>(); // a cycle: the declaration order wins
  const visit = (t: Tool | undefined) => {
    if (!t || seen.has(t.name)) return;
    seen.add(t.name);
    t.dependsOn?.forEach((d) => visit(byName.get(d)));
    t.uses?.forEach((d) => visit(byName.get(d)));
    out.push(t);
  };
  // A tool that logs for the others goes first, so that they all log through it.
  for (const t of tools) if (t.logFor) visit(t);
  for (const t of tools) visit(t);
  return out;
}

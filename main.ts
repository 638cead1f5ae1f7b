/**
 * Runs MicroCoreOS in production: `deno task start`, and the `deno compile` binary. Loads only
 * the runtime kernel (`core/`), the tools and the plugins; dev mode, with hot reload, is
 * `deno task dev` (`dev/main.ts`, which runs the same {@link App}). SIGINT/SIGTERM shut down
 * gracefully: in-flight work finishes, tools close, exit code 0.
 * @module
 */
import {
  existsSync,
  formatError,
  fromManifest,
  Kernel,
  type KernelOptions,
  type LogSink,
  type Manifest,
  manifestOrWalk,
  projectRoot,
  type StatusEntry,
} from "@core";

/** ms from process start until this module ran: the runtime, and parsing the kernel (`core/`). */
const RUNTIME_MS = performance.now();

/** The argument `deno task compile` bakes into the binary (after the mode, `start`). */
export const COMPILED_FLAG = "--compiled";

/**
 * Whether this process is a compiled binary: the compile task bakes in {@link COMPILED_FLAG}, and
 * Deno runs a binary's modules from a virtual folder named `deno-compile-<binary name>`.
 */
export function isCompiled(args = Deno.args, mainModule = Deno.mainModule): boolean {
  return args.includes(COMPILED_FLAG) || /\/deno-compile-[^/]+\//.test(mainModule);
}

/** The environment variables the process itself reads (tools declare theirs in `Tool.env`). */
export const PROCESS_ENV: Readonly<Record<string, string>> = {
  SHUTDOWN_TIMEOUT_MS: "longest wait for in-flight work at shutdown, per step (default 10000)",
  ALLOW_FAILED_TOOLS: "1 to serve in start mode even when a tool failed (default: exit 1)",
};

/**
 * Why `root` is not a MicroCoreOS project (neither `tools/` nor `domains/`), or `undefined` when
 * it is: booting one would serve nothing and look fine.
 */
export function notAProject(root: string): string | undefined {
  if (existsSync(`${root}/tools`) || existsSync(`${root}/domains`)) return undefined;
  return `${root} is not a MicroCoreOS project: it has neither tools/ nor domains/. ` +
    "Run the task from the project folder (the one whose deno.json has the dev and start " +
    "tasks), or start one there: deno task new domain <name>";
}

/** Signals this close after the first are copies of it, not a second Ctrl-C that forces an exit. */
const SAME_SIGNAL_MS = 1000;

/** A running app: its kernel, and the one way to stop it. */
export class App {
  readonly kernel: Kernel;
  #env: (key: string) => string | undefined;
  #beforeStop: (() => Promise<void> | void)[] = [];
  #stopping = false;
  #stoppingAt = 0;
  #root: string;
  #booted: Promise<void> = Promise.resolve();

  /** Builds the kernel and listens for SIGINT/SIGTERM at once (a signal during boot is clean). */
  constructor(options: KernelOptions) {
    this.kernel = new Kernel(options);
    this.#root = options.root;
    this.#env = options.env ?? ((key) => Deno.env.get(key));
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(sig, () => this.stop(`${sig} received`));
    }
  }

  /** Runs `fn` at stop, before the kernel shuts down (e.g. to stop a file watcher). */
  onStop(fn: () => Promise<void> | void): void {
    this.#beforeStop.push(fn);
  }

  /**
   * Boots the kernel and logs one line per tool and plugin. In `start` mode a failed tool is a
   * deployment error (a taken port, an unreachable database): the process exits 1 so that its
   * supervisor notices, unless `ALLOW_FAILED_TOOLS=1`.
   */
  async boot(): Promise<void> {
    const k = this.kernel;
    // A compiled binary's modules come from its manifest, not from folders.
    const why = isCompiled() ? undefined : notAProject(this.#root);
    if (why) {
      k.log.error(why);
      Deno.exit(1);
    }
    await (this.#booted = k.boot());
    const facts = k.status.summary();
    reportBoot(k.status.list(), facts.bootMs as number, k.log);
    const phases = bootPhases(facts.bootPhasesMs as Record<string, number>);
    k.log.info(`boot: ${phases.map(([p, ms]) => `${p} ${ms} ms`).join(", ")}`, {
      bootPhasesMs: Object.fromEntries(phases),
    });
    const failed = k.status.list().filter((e) => e.kind === "tool" && e.state === "failed");
    if (k.mode === "start" && failed.length && this.#env("ALLOW_FAILED_TOOLS") !== "1") {
      const names = failed.map((t) => t.id).join(", ");
      k.log.error(`exiting: tool(s) ${names} failed (ALLOW_FAILED_TOOLS=1 serves anyway)`);
      await this.stop("boot failed", 1);
    }
  }

  /**
   * Graceful stop: the stop hooks, then the kernel (drains in-flight work, bounded by
   * `SHUTDOWN_TIMEOUT_MS`, default 10 s), then exit with `code`. A second signal, a second or more
   * after the first, exits at once (130).
   */
  async stop(why: string, code = 0): Promise<void> {
    if (this.#stopping) {
      // Ctrl-C in a terminal signals the whole process group, and `deno task` and the dev
      // supervisor pass the signal on too: copies within a moment are the same Ctrl-C.
      const again = why.endsWith("received") &&
        performance.now() - this.#stoppingAt > SAME_SIGNAL_MS;
      if (again) Deno.exit(130);
      return;
    }
    this.#stopping = true;
    this.#stoppingAt = performance.now();
    await this.#booted.catch(() => {});
    this.kernel.log.info(`${why}: shutting down`);
    const t = performance.now();
    for (const fn of this.#beforeStop) await fn();
    await this.kernel.shutdown(Number(this.#env("SHUTDOWN_TIMEOUT_MS") ?? 10_000));
    // Through the app's logger (it writes directly once shut down): JSON in start, like the rest.
    const ms = Math.round(performance.now() - t);
    this.kernel.log.info(`stopped cleanly in ${ms} ms`, { ms });
    Deno.exit(code);
  }
}

/**
 * Where boot time went, as `[phase, ms]` in order: `runtime` (process start until `main.ts` runs:
 * Deno itself and parsing `core/`), `import` (finding and importing the tools' and plugins'
 * modules), `setup` (the tools' setup), `migrations` (the tools' `prepareDomain`), `plugins`
 * (building and booting them) and `listen` (`onBootComplete`: the http tool starts listening).
 * From the kernel's cumulative marks (`bootPhasesMs` in its status facts).
 */
export function bootPhases(
  marks: Record<string, number>,
  runtimeMs = RUNTIME_MS,
): [string, number][] {
  const names: [string, string][] = [
    ["found", "import"],
    ["tools", "setup"],
    ["domains", "migrations"],
    ["plugins", "plugins"],
    ["complete", "listen"],
  ];
  let prev = 0;
  const out: [string, number][] = [["runtime", Math.round(runtimeMs * 10) / 10]];
  for (const [mark, phase] of names) {
    const at = marks?.[mark] ?? prev;
    out.push([phase, Math.round((at - prev) * 10) / 10]);
    prev = at;
  }
  return out;
}

/** Logs every status entry and a summary line; returns the number of failed parts. */
function reportBoot(entries: StatusEntry[], bootMs: number, log: LogSink): number {
  const width = Math.max(...entries.map((e) => e.id.length), 10);
  let failed = 0;
  for (const e of entries) {
    const ms = e.loadMs !== undefined ? `${e.loadMs.toFixed(1)} ms` : "";
    const tools = e.tools?.length ? ` [${e.tools.join(", ")}]` : "";
    const line = `${e.kind.padEnd(6)} ${e.id.padEnd(width)} ${e.state.padEnd(7)} ${
      ms.padStart(9)
    }${tools}`;
    if (e.state === "failed" || e.state === "stale") {
      failed++;
      // A plugin that failed with its tool: the tool's line above says why, once.
      const dep = /^needs tool "[^"]+", which failed/.exec(e.error?.message ?? "")?.[0];
      log.error(`${line}  ${dep ? `${dep} (see above)` : e.error ? formatError(e.error) : ""}`);
    } else if (e.state === "degraded") log.warn(`${line}  ${e.error?.message ?? ""}`);
    else log.info(line);
  }
  const tools = entries.filter((e) => e.kind === "tool").length;
  const plugins = entries.filter((e) => e.kind === "plugin").length;
  const booted = `booted ${tools} tools and ${plugins} plugins in ${bootMs} ms`;
  if (failed) {
    // Loud: an instance with a failed part must not look healthy in the log either.
    log.error(
      `${booted} (${failed} failed): NOT READY, GET /health/ready answers 503 until fixed`,
    );
  } else log.info(booted);
  return failed;
}

/**
 * The kernel options of `start`. A compiled binary boots from the generated manifest (the only
 * list it can trust: its modules are the ones `deno compile` saw; the literal import makes the
 * compiler embed them) and keeps its data in the working directory (its root is a read-only
 * virtual folder). Otherwise the folders are walked, with the manifest as a fast path when it
 * matches them.
 */
export function startOptions(
  compiled: boolean,
  root = projectRoot,
  cwd = Deno.cwd(),
): KernelOptions {
  return {
    root,
    mode: "start",
    source: compiled
      ? async () => fromManifest(root, (await import("./microcore.gen.ts")).default as Manifest)
      : () => manifestOrWalk(root),
    dataDir: compiled ? cwd : root,
  };
}

/** The command line of `deno task start` (and of the compiled binary). */
export const START_USAGE =
  `usage: deno task start            (or the compiled binary: ./dist/<name>)
  serve the app without hot reload; settings come from .env and the environment
  (PORT, HOST, DATABASE_URL, …: the tools' settings are listed in AI_CONTEXT.md)
  SIGINT or SIGTERM stops it cleanly; a second one exits at once
  hot reload while you write code: deno task dev`;

if (import.meta.main) {
  if (Deno.args[0] === "dev") {
    console.error("dev mode (hot reload) runs from dev/main.ts: use `deno task dev`");
    Deno.exit(2);
  }
  // The runtime stays free of cli/ (see core/architecture_test.ts): its own two-rule parser.
  for (const [i, arg] of Deno.args.entries()) {
    if (arg === "--help" || arg === "-h") {
      console.log(START_USAGE);
      Deno.exit(0);
    }
    if (arg === COMPILED_FLAG || (i === 0 && arg === "start")) continue;
    console.error(
      `${arg.startsWith("-") ? "unknown option" : "unexpected argument"} ${arg}\n${START_USAGE}`,
    );
    Deno.exit(2);
  }
  const compiled = isCompiled();
  const app = new App(startOptions(compiled));
  await app.boot();
  app.kernel.log.info(`hot reload off (${compiled ? "compiled binary" : "start mode"})`);
}

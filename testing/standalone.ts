/**
 * Using a tool without a kernel: in its own tests, a script or a benchmark.
 * @module
 */
import type { DomainInfo, LogSink, Mode, Outbox, StatusRegistry, ToolContext } from "@core";

/** One line a {@link recordingLog} kept. */
export interface LogLine {
  /** The sink method that was called. */
  level: "debug" | "info" | "warn" | "error";
  /** The message as given. */
  message: string;
  /** The structured properties, if any. */
  props?: Record<string, unknown>;
}

/** A log sink that keeps every line in `lines`. */
export function recordingLog(): LogSink & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine["level"]) => (message: string, props?: Record<string, unknown>) => {
    lines.push({ level, message, props });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const EMPTY_STATUS: StatusRegistry = {
  list: () => [],
  get: () => undefined,
  summary: () => ({}),
};

/** Options of {@link standaloneContext}. */
export interface StandaloneOptions {
  /** The project root (default `.`). */
  root?: string;
  /** The mode the tool sees (default `test`). */
  mode?: Mode;
  /** The domains the tool sees at setup (default none). */
  domains?: DomainInfo[];
  /** Where the tool logs (default: nowhere). */
  log?: LogSink;
  /** The settings the tool reads through `ctx.env` (default: none set). */
  env?: Record<string, string | undefined>;
  /** Default: `root`. */
  dataDir?: string;
  /** Called with what the tool reports through `ctx.health` (default: ignored). */
  health?: ToolContext["health"];
  /** The outbox a tool offers (default: none). */
  outbox?: Outbox;
}

/**
 * A {@link ToolContext} for a tool set up outside a kernel: no other tools, an empty status
 * registry, settings from `env` only, a silent log unless one is given.
 *
 * @example
 * ```ts
 * const bus = new EventBusTool();
 * bus.setup(standaloneContext({ mode: "start" }));
 * ```
 */
export function standaloneContext(opts: StandaloneOptions = {}): ToolContext {
  const env = opts.env ?? {};
  return {
    root: opts.root ?? ".",
    mode: opts.mode ?? "test",
    status: EMPTY_STATUS,
    domains: opts.domains ?? [],
    dataDir: opts.dataDir ?? opts.root ?? ".",
    tool: () => undefined,
    env: (key) => (Object.hasOwn(env, key) ? env[key] : undefined) || undefined,
    log: opts.log ?? { debug() {}, info() {}, warn() {}, error() {} },
    health: opts.health ?? (() => {}),
    outbox: () => opts.outbox,
  };
}

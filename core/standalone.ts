/**
 * Using a tool without a kernel: in its own tests, a script or a benchmark.
 * @module
 */
import type { DomainInfo, LogSink, Mode, StatusRegistry, ToolContext } from "./types.ts";

/** One line a {@link recordingLog} kept. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
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

/**
 * A {@link ToolContext} for a tool set up outside a kernel: no other tools, an empty status
 * registry, a silent log unless one is given.
 *
 * @example
 * ```ts
 * const bus = new EventBusTool();
 * bus.setup(standaloneContext({ mode: "start" }));
 * ```
 */
export function standaloneContext(
  opts: { root?: string; mode?: Mode; domains?: DomainInfo[]; log?: LogSink } = {},
): ToolContext {
  return {
    root: opts.root ?? ".",
    mode: opts.mode ?? "test",
    status: EMPTY_STATUS,
    domains: opts.domains ?? [],
    tool: () => undefined,
    log: opts.log ?? { debug() {}, info() {}, warn() {}, error() {} },
  };
}

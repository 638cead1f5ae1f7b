/**
 * The `logger` tool: LogTape configured for the process, a named logger per owner.
 * @module
 */
import { configure, dispose, getLogger, type LogRecord, type Sink } from "@logtape/logtape";
import type { Mode, Owner, Tool, ToolContext } from "../../core/types.ts";
import type { LogEntry } from "./entry.ts";
import { jsonLine, prettyLine } from "./format.ts";
import { fromLogTape, type Level, parseLevel, RANK, SILENT, toLogTape } from "./levels.ts";
import { BackendLogger, type LogBackend, type Logger } from "./logger.ts";

/** Output format: `pretty` colour lines for people, `json` lines for machines. */
export type LogFormat = "pretty" | "json";

/** Options of {@link LoggerTool}; each overrides what the environment and mode would choose. */
export interface LoggerToolOptions {
  /** Where a formatted line goes (default: `console.log`). */
  write?: (line: string, entry: LogEntry) => void;
  /** Default: `pretty` in dev, `json` otherwise; env `LOG_FORMAT` overrides the default. */
  format?: LogFormat;
  /** Minimum level, or `silent`. Default: env `LOG_LEVEL`, else `info` (silent in test mode). */
  level?: Level | "silent";
  /** Colours in pretty output (default: on unless `NO_COLOR`). */
  color?: boolean;
  /** Environment lookup (default: `Deno.env.get`). */
  env?: (key: string) => string | undefined;
}

/** LogTape's marker for sinks that consume a record synchronously (skips a property snapshot). */
const IMMEDIATE = Symbol.for("LogTape.sinkSnapshotPolicy.immediate");

function denoEnv(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}

function renderMessage(record: LogRecord): string {
  if (typeof record.rawMessage === "string" && record.message.length <= 1) {
    return record.rawMessage;
  }
  return record.message.map((part, i) =>
    i % 2 === 0 ? String(part) : typeof part === "string" ? part : JSON.stringify(part)
  ).join("");
}

/**
 * Structured logging for the kernel, tools and plugins, on LogTape. Every record names its
 * owner; dev prints colour lines, start prints JSON lines; `LOG_LEVEL` sets the level.
 *
 * Records go through LogTape (so LogTape-aware libraries log the same way) to one sink that
 * formats and writes them. Before `setup()` and after `shutdown()` records are written
 * directly, so the kernel's last lines are not lost.
 */
export class LoggerTool implements Tool {
  readonly name = "logger";
  readonly description = "Structured logging (LogTape): colour lines in dev, JSON lines in start";
  readonly #options: LoggerToolOptions;
  #format: LogFormat;
  #color: boolean;
  #configured = false;
  readonly #backend: LogBackend;

  constructor(options: LoggerToolOptions = {}) {
    this.#options = options;
    this.#format = options.format ?? "pretty";
    this.#color = options.color ?? !Deno.noColor;
    const level = options.level ?? "info";
    this.#backend = {
      min: level === "silent" ? SILENT : RANK[level],
      emit: (entry) => {
        if (this.#configured) {
          // Passing the category in the record takes LogTape's fast path (no record copy).
          const record: LogRecord = {
            category: entry.category,
            level: toLogTape(entry.level),
            message: [entry.message],
            rawMessage: entry.message,
            timestamp: entry.time,
            properties: entry.props,
          };
          getLogger(entry.category as string[]).emit(record);
        } else {
          this.#write(entry);
        }
      },
    };
  }

  /** Configure LogTape for `ctx.mode` and the environment. */
  async setup(ctx: Pick<ToolContext, "mode">): Promise<void> {
    const env = this.#options.env ?? denoEnv;
    const rawLevel = env("LOG_LEVEL");
    const parsed = parseLevel(rawLevel);
    const level: Level | "silent" = this.#options.level ??
      parsed ?? (ctx.mode === "test" && !rawLevel ? "silent" : "info");
    const envFormat = env("LOG_FORMAT");
    this.#format = this.#options.format ??
      (envFormat === "json" || envFormat === "pretty" ? envFormat : defaultFormat(ctx.mode));
    this.#backend.min = level === "silent" ? SILENT : RANK[level];

    await configure({
      reset: true,
      sinks: { microcore: this.#sink() },
      loggers: [
        {
          category: [],
          sinks: ["microcore"],
          lowestLevel: level === "silent" ? null : toLogTape(level),
        },
        { category: ["logtape", "meta"], lowestLevel: "warning" },
      ],
    });
    this.#configured = true;
    if (rawLevel && !parsed) {
      this.forOwner({ id: "logger", generation: 0 }).warn(
        `LOG_LEVEL=${rawLevel} is not a level (debug, info, warning, error); using ${level}`,
      );
    }
  }

  /** A logger whose records name `owner.id`. */
  forOwner(owner: Owner): Logger {
    return new BackendLogger(this.#backend, [owner.id]);
  }

  /** The log of a tool or the kernel: this tool logs for the whole app. */
  logFor(name: string): Logger {
    return this.forOwner({ id: name, generation: 0 });
  }

  /** A logger for any category, e.g. `get("kernel")` or `get(["db", "pool"])`. */
  get(category: string | string[]): Logger {
    return new BackendLogger(this.#backend, typeof category === "string" ? [category] : category);
  }

  /** The level now in force (`silent` when nothing is written). */
  get level(): Level | "silent" {
    const found = (Object.keys(RANK) as Level[]).find((l) => RANK[l] === this.#backend.min);
    return found ?? "silent";
  }

  describe(): Record<string, unknown> {
    return { level: this.level, format: this.#format };
  }

  /** Flush and release LogTape; later records are written directly. */
  async shutdown(): Promise<void> {
    if (!this.#configured) return;
    this.#configured = false;
    await dispose();
  }

  /** The one LogTape sink: formats and writes at once, so LogTape need not snapshot records. */
  #sink(): Sink {
    const sink = (record: LogRecord) => this.#write(this.#fromRecord(record));
    Object.defineProperty(sink, IMMEDIATE, { value: true });
    return sink;
  }

  #fromRecord(r: LogRecord): LogEntry {
    return {
      time: r.timestamp,
      level: fromLogTape(r.level),
      owner: r.category[0] ?? "",
      category: r.category,
      message: renderMessage(r),
      props: r.properties,
    };
  }

  #write(entry: LogEntry) {
    if (RANK[entry.level] < this.#backend.min) return;
    const line = this.#format === "json" ? jsonLine(entry) : prettyLine(entry, this.#color);
    const write = this.#options.write;
    if (write) write(line, entry);
    else console.log(line);
  }
}

function defaultFormat(mode: Mode): LogFormat {
  return mode === "dev" ? "pretty" : "json";
}

/**
 * The `logger` tool: LogTape configured for the process (level and format from its settings),
 * a named logger per owner.
 * @module
 */
import { configure, dispose, getLogger, type LogRecord, type Sink } from "@logtape/logtape";
import type { Mode, Owner, Tool, ToolContext } from "@core";
import { jsonLine, prettyLine } from "./format.ts";
import { fromLogTape, parseLevel, RANK, SILENT, toLogTape } from "./levels.ts";
import { BackendLogger, type LogBackend } from "./logger.ts";
import type { Level, LogEntry, LogFormat, Logger } from "./types.ts";

/** Options of {@link LoggerTool}; each overrides what the settings and mode would choose. */
export interface LoggerToolOptions {
  /** Where a formatted line goes (default: `console.log`). */
  write?: (line: string, entry: LogEntry) => void;
  /** Default: `pretty` in dev, `json` otherwise; the `LOG_FORMAT` setting overrides it. */
  format?: LogFormat;
  /** Minimum level, or `silent`. Default: `LOG_LEVEL`, else `info` (silent in test mode). */
  level?: Level | "silent";
  /** Colours in pretty output (default: on unless `NO_COLOR`, as Deno reports it). */
  color?: boolean;
}

/** LogTape's marker for sinks that consume a record synchronously (skips a property snapshot). */
const IMMEDIATE = Symbol.for("LogTape.sinkSnapshotPolicy.immediate");

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
  /** The settings the tool reads through `ctx.env` in `setup`. */
  readonly env = {
    LOG_LEVEL:
      "minimum level: debug, info, warning (or warn), error (default info; silent in test mode)",
    LOG_FORMAT:
      "pretty (colour lines) or json (one object per line) (default pretty in dev, json otherwise)",
  };
  readonly #options: LoggerToolOptions;
  #format: LogFormat;
  #color: boolean;
  #configured = false;
  readonly #backend: LogBackend;

  /**
   * Until `setup`, records are written at `options.level` (default `info`) as `options.format`
   * (default `pretty`) lines.
   */
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

  /** Configure LogTape for `ctx.mode` and the `LOG_LEVEL` and `LOG_FORMAT` settings. */
  async setup(ctx: ToolContext): Promise<void> {
    const rawLevel = ctx.env("LOG_LEVEL");
    const parsed = parseLevel(rawLevel);
    const level: Level | "silent" = this.#options.level ??
      parsed ?? (ctx.mode === "test" && !rawLevel ? "silent" : "info");
    const envFormat = ctx.env("LOG_FORMAT");
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

  /** The level and format in force. */
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

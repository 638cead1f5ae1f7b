/**
 * Log levels: names, ranks, and parsing of `LOG_LEVEL`.
 * @module
 */
import type { LogLevel as LogTapeLevel } from "@logtape/logtape";
import type { Level } from "./types.ts";

/** Numeric rank of each level; a record is written when its rank ≥ the minimum. */
export const RANK: Readonly<Record<Level, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A minimum rank above every level: nothing is written. */
export const SILENT = 1000;

const ALIASES: Record<string, Level> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  fatal: "error",
};

/**
 * Parse a `LOG_LEVEL` value (`debug`, `info`, `warning`/`warn`, `error`, any case).
 * Returns `undefined` for anything else.
 */
export function parseLevel(value: string | undefined): Level | undefined {
  return value === undefined ? undefined : ALIASES[value.trim().toLowerCase()];
}

/** Our level → LogTape's. */
export function toLogTape(level: Level): LogTapeLevel {
  return level === "warn" ? "warning" : level;
}

/** LogTape's level → ours. */
export function fromLogTape(level: LogTapeLevel): Level {
  switch (level) {
    case "trace":
    case "debug":
      return "debug";
    case "info":
      return "info";
    case "warning":
      return "warn";
    default:
      return "error";
  }
}

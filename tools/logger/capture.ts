/**
 * An in-memory logger for tests: no LogTape, no output, just records.
 * @module
 */
import type { Owner } from "@core";
import { RANK } from "./levels.ts";
import { BackendLogger } from "./logger.ts";
import type { Level, LogEntry, Logger } from "./types.ts";

/** Captured records plus loggers that write into them. */
export interface LogCapture {
  /** Every record written, oldest first. */
  readonly records: LogEntry[];
  /** A logger writing as `owner` (same signature as the logger tool's). */
  forOwner(owner: Owner | string): Logger;
  /** A logger writing as owner `test`. */
  readonly logger: Logger;
  /** Records' messages at `level` (all levels when omitted), handy in assertions. */
  messages(level?: Level): string[];
  /** Forget every record. */
  clear(): void;
}

/**
 * Capture log records in memory, e.g. to hand a plugin a logger in a test and assert on what
 * it logged. Captures every level unless `level` says otherwise.
 *
 * @example
 * ```ts
 * const logs = captureLogs();
 * const plugin = new CreateUser(fakeHttp, logs.forOwner("users/create_user"));
 * await plugin.onBoot();
 * assertEquals(logs.messages("info"), ["ready"]);
 * ```
 */
export function captureLogs(options: { level?: Level } = {}): LogCapture {
  const records: LogEntry[] = [];
  const backend = { min: RANK[options.level ?? "debug"], emit: (e: LogEntry) => records.push(e) };
  const forOwner = (owner: Owner | string): Logger =>
    new BackendLogger(backend, [typeof owner === "string" ? owner : owner.id]);
  return {
    records,
    forOwner,
    logger: forOwner("test"),
    messages: (level) => records.filter((r) => !level || r.level === level).map((r) => r.message),
    clear: () => void records.splice(0),
  };
}

/**
 * The `logger` tool in a plugin test: the real {@link Logger} class over an in-memory capture
 * (tools/logger `captureLogs()`), with no LogTape configuration and no output.
 * @module
 */
import type { Owner, Tool } from "@core";
import {
  captureLogs,
  type Level,
  type LogCapture,
  type LogEntry,
  type Logger,
} from "@tools/logger/mod.ts";

/**
 * A `logger` tool that keeps every record in memory. Plugins get the same {@link Logger} API
 * as from the real tool (same class, same levels, `child`, `with`, lazy props).
 *
 * @example
 * ```ts
 * const logger = new CaptureLoggerTool();
 * logger.forOwner({ id: "shop/buy", generation: 1 }).info("bought", { id: 1 });
 * logger.capture.messages("info"); // ["bought"]
 * ```
 */
export class CaptureLoggerTool implements Tool {
  readonly name = "logger";
  readonly description = "Captured logs (test kit)";
  /** Every record, of every owner (plugins, tools, the kernel). */
  readonly capture: LogCapture;

  /** `level`: lowest level kept (default `debug`: everything). */
  constructor(options: { level?: Level } = {}) {
    this.capture = captureLogs(options);
  }

  /** A logger whose records name `owner.id`. */
  forOwner(owner: Owner): Logger {
    return this.capture.forOwner(owner);
  }

  /** The log of a tool or the kernel: this tool logs for the whole app. */
  logFor(name: string): Logger {
    return this.forOwner({ id: name, generation: 0 });
  }
}

/**
 * The records of one plugin.
 *
 * @example
 * ```ts
 * assert.deepEqual(t.logs.messages("info"), ["product created"]);
 * assert.equal(t.logs.records[0].props.id, 1);
 * ```
 */
export class PluginLogs {
  readonly #capture: LogCapture;
  readonly #owner: string;

  /** The records of `owner` within `capture`. */
  constructor(capture: LogCapture, owner: string) {
    this.#capture = capture;
    this.#owner = owner;
  }

  /** The plugin's records, oldest first. */
  get records(): LogEntry[] {
    return this.#capture.records.filter((r) => r.owner === this.#owner);
  }

  /** Every record: the plugin's, the tools' and the kernel's. */
  get all(): readonly LogEntry[] {
    return this.#capture.records;
  }

  /** The plugin's messages at `level` (every level when omitted). */
  messages(level?: Level): string[] {
    return this.records.filter((r) => !level || r.level === level).map((r) => r.message);
  }

  /** Forget every record. */
  clear(): void {
    this.#capture.clear();
  }
}

/**
 * The `logger` tool: structured logging (on LogTape) where every record names its plugin.
 *
 * Settings: `LOG_LEVEL` (`debug`, `info`, `warning`/`warn`, `error`; default `info`, silent in
 * test mode) and `LOG_FORMAT` (`pretty` or `json`; default `pretty` in dev, `json` otherwise).
 *
 * @example
 * ```ts
 * import type { Logger } from "@tools/logger/mod.ts";
 *
 * export default class Ping extends BasePlugin {
 *   constructor(private logger: Logger) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.logger.info("booted", { version: 2 });
 *   }
 * }
 * ```
 * @module
 */
import { LoggerTool } from "./tool.ts";

export { LoggerTool, type LoggerToolOptions } from "./tool.ts";
export type { Level, LogEntry, LogFormat, Logger, LogProps } from "./types.ts";
export { parseLevel } from "./levels.ts";
export { jsonLine, prettyLine } from "./format.ts";
export { captureLogs } from "./capture.ts";
export type { LogCapture } from "./capture.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default LoggerTool;

/**
 * The `logger` tool: structured logging (on LogTape) where every record names its plugin.
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
import { LoggerTool } from "./logger_tool.ts";

export { LoggerTool } from "./logger_tool.ts";
export type { LogFormat, LoggerToolOptions } from "./logger_tool.ts";
export type { Logger } from "./logger.ts";
export type { LogEntry, LogProps } from "./entry.ts";
export type { Level } from "./levels.ts";
export { parseLevel } from "./levels.ts";
export { jsonLine, prettyLine } from "./format.ts";
export { captureLogs } from "./capture.ts";
export type { LogCapture } from "./capture.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default LoggerTool;

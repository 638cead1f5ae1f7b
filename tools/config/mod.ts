/**
 * The `config` tool: typed access to environment variables for plugins. It reads whatever key a
 * plugin asks for (it declares no settings of its own) and records which keys each plugin read.
 *
 * @example
 * ```ts
 * constructor(private config: Config) { super(); }
 * // this.config.int("PORT", 8000), this.config.require("DATABASE_URL")
 * ```
 * @module
 */
import { ConfigTool } from "./tool.ts";

export { ConfigTool, type ConfigToolOptions } from "./tool.ts";
export { ConfigError } from "./errors.ts";
export type { Config, ConfigSource } from "./types.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default ConfigTool;

/**
 * The `config` tool: typed access to environment variables for plugins.
 *
 * @example
 * ```ts
 * constructor(private config: Config) { super(); }
 * // this.config.int("PORT", 8000), this.config.require("DATABASE_URL")
 * ```
 * @module
 */
import { ConfigTool } from "./config_tool.ts";

export { ConfigError, ConfigTool } from "./config_tool.ts";
export type { Config, ConfigSource, ConfigToolOptions } from "./config_tool.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default ConfigTool;

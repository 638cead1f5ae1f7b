/**
 * What plugins see of the `config` tool: the {@link Config} they receive, and the
 * {@link ConfigSource} values are read from.
 * @module
 */

/** Where configuration values come from: `Deno.env` at run time, a plain object in tests. */
export interface ConfigSource {
  /** The value of `key`, or `undefined` when it is not set. */
  get(key: string): string | undefined;
}

/**
 * What a plugin receives when it asks for `config`: read-only, typed access to environment
 * variables. An empty value (`KEY=` in `.env`) counts as unset everywhere.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Config } from "@tools/config/mod.ts";
 *
 * export default class Mailer extends BasePlugin {
 *   constructor(private config: Config) {
 *     super();
 *   }
 *   override onBoot() {
 *     const host = this.config.require("SMTP_HOST");
 *     const port = this.config.int("SMTP_PORT", 587);
 *     const tls = this.config.bool("SMTP_TLS", true);
 *     const admins = this.config.list("ADMIN_EMAILS", []);
 *   }
 * }
 * ```
 */
export interface Config {
  /** The raw string, or `fallback` when unset or empty. */
  get(key: string): string | undefined;
  get(key: string, fallback: string): string;
  /** The raw string; throws a `ConfigError` naming the key when unset or empty. */
  require(key: string): string;
  /** Whether `key` is set to a non-empty value. */
  has(key: string): boolean;
  /** An integer (`42`, `-7`); throws naming key and value when the value is not one. */
  int(key: string): number | undefined;
  int(key: string, fallback: number): number;
  /**
   * A boolean: `true/false`, `1/0`, `yes/no`, `on/off` (any case). Anything else throws,
   * naming key and value.
   */
  bool(key: string): boolean | undefined;
  bool(key: string, fallback: boolean): boolean;
  /** A comma-separated list, items trimmed, empty items dropped (`"a, b,,c"` → `[a,b,c]`). */
  list(key: string): string[] | undefined;
  list(key: string, fallback: string[]): string[];
}

/**
 * What plugins see of the `logger` tool: the {@link Logger} they receive, its levels, and the
 * shape of one record.
 * @module
 */
import type { LogSink } from "@core";

/** The levels a plugin logs at. */
export type Level = "debug" | "info" | "warn" | "error";

/** Output format: `pretty` colour lines for people, `json` lines for machines. */
export type LogFormat = "pretty" | "json";

/** One log record. */
export interface LogEntry {
  /** Milliseconds since the epoch. */
  time: number;
  /** The level it was written at. */
  level: Level;
  /** Who logged: a plugin id (`users/create_user`), a tool name, or `kernel`. */
  owner: string;
  /** Owner first, then child names: `["users/create_user", "db"]`. */
  category: readonly string[];
  /** The message, verbatim. */
  message: string;
  /** Structured data given with the message. */
  props: Record<string, unknown>;
}

/** Properties of a record, or a function computing them (called only if the level is on). */
export type LogProps = Record<string, unknown> | (() => Record<string, unknown>);

/**
 * A structured logger whose records name the plugin or tool that wrote them.
 *
 * @example
 * ```ts
 * export default class CreateUser extends BasePlugin {
 *   constructor(private http: Http, private logger: Logger) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.logger.info("ready", { routes: 1 });
 *     const sql = this.logger.child("sql"); // category users/create_user.sql
 *     sql.debug("query", () => ({ text: expensiveToRender() })); // lazy: skipped unless debug
 *   }
 * }
 * ```
 */
export interface Logger extends LogSink {
  /** The owner id this logger writes as (first category element). */
  readonly owner: string;
  /** Owner id, then child names. */
  readonly category: readonly string[];
  debug(message: string, props?: LogProps): void;
  info(message: string, props?: LogProps): void;
  warn(message: string, props?: LogProps): void;
  error(message: string, props?: LogProps): void;
  /** A logger for a part of this owner: category `owner.name`. */
  child(name: string): Logger;
  /** A logger that adds `props` to every record (e.g. a request id). */
  with(props: Record<string, unknown>): Logger;
  /** Whether records at `level` are written now: guard expensive work with it. */
  isEnabled(level: Level): boolean;
  /**
   * Watch every record written. Any owner, at the level in force, from now on: what
   * `GET /system/logs/stream` streams. Returns the function that stops watching.
   */
  tail(listener: (entry: LogEntry) => void): () => void;
}

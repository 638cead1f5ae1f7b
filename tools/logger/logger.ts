/**
 * The logger plugins receive: levelled, structured, named after its owner.
 * @module
 */
import type { LogSink } from "../../core/types.ts";
import type { LogEntry, LogProps } from "./entry.ts";
import { type Level, RANK } from "./levels.ts";

/**
 * A structured logger whose records name the plugin or tool that wrote them.
 *
 * @example
 * ```ts
 * export default class CreateUser extends BasePlugin {
 *   constructor(private http: HttpTool, private logger: Logger) {
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
}

/** Where loggers send their records; shared by every logger of one tool or capture. */
export interface LogBackend {
  /** Minimum rank written (see {@link RANK}); changing it affects every logger at once. */
  min: number;
  emit(entry: LogEntry): void;
}

/** A {@link Logger} over a {@link LogBackend}. The level check comes first, so a disabled call costs a comparison. */
export class BackendLogger implements Logger {
  readonly #backend: LogBackend;
  readonly category: readonly string[];
  readonly #bound: Record<string, unknown> | undefined;

  constructor(backend: LogBackend, category: readonly string[], bound?: Record<string, unknown>) {
    this.#backend = backend;
    this.category = category;
    this.#bound = bound;
  }

  get owner(): string {
    return this.category[0];
  }

  debug(message: string, props?: LogProps): void {
    if (RANK.debug >= this.#backend.min) this.#log("debug", message, props);
  }
  info(message: string, props?: LogProps): void {
    if (RANK.info >= this.#backend.min) this.#log("info", message, props);
  }
  warn(message: string, props?: LogProps): void {
    if (RANK.warn >= this.#backend.min) this.#log("warn", message, props);
  }
  error(message: string, props?: LogProps): void {
    if (RANK.error >= this.#backend.min) this.#log("error", message, props);
  }

  child(name: string): Logger {
    return new BackendLogger(this.#backend, [...this.category, name], this.#bound);
  }

  with(props: Record<string, unknown>): Logger {
    return new BackendLogger(this.#backend, this.category, { ...this.#bound, ...props });
  }

  isEnabled(level: Level): boolean {
    return RANK[level] >= this.#backend.min;
  }

  #log(level: Level, message: string, props: LogProps | undefined) {
    let p: Record<string, unknown>;
    try {
      p = (typeof props === "function" ? props() : props) ?? {};
    } catch (e) {
      p = { propsError: String((e as Error)?.message ?? e) };
    }
    if (this.#bound) p = { ...this.#bound, ...p };
    try {
      this.#backend.emit({
        time: Date.now(),
        level,
        owner: this.category[0],
        category: this.category,
        message: String(message),
        props: p,
      });
    } catch {
      // Logging never throws into the caller.
    }
  }
}

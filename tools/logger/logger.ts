/**
 * The one {@link Logger} implementation, over a backend (the tool's LogTape sink, or a capture):
 * levelled, structured, named after its owner.
 * @module
 */
import { RANK } from "./levels.ts";
import type { Level, LogEntry, Logger, LogProps } from "./types.ts";

/** Where loggers send their records; shared by every logger of one tool or capture. */
export interface LogBackend {
  /** Minimum rank written (see {@link RANK}); changing it affects every logger at once. */
  min: number;
  /** Take one record (already past the level check). */
  emit(entry: LogEntry): void;
  /** Who watches every record written ({@link Logger.tail}); made on the first. */
  tails?: Set<(entry: LogEntry) => void>;
}

/**
 * A {@link Logger} over a {@link LogBackend}. The level check comes first, so a disabled call
 * costs a comparison.
 */
export class BackendLogger implements Logger {
  readonly #backend: LogBackend;
  readonly category: readonly string[];
  readonly #bound: Record<string, unknown> | undefined;

  /** A logger writing as `category` into `backend`, adding `bound` to every record. */
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

  tail(listener: (entry: LogEntry) => void): () => void {
    const tails = this.#backend.tails ??= new Set();
    // One wrapper per call, so the same function tailing twice is stopped once per call.
    const own = (e: LogEntry) => listener(e);
    tails.add(own);
    return () => void tails.delete(own);
  }

  #log(level: Level, message: string, props: LogProps | undefined) {
    let p: Record<string, unknown>;
    try {
      p = (typeof props === "function" ? props() : props) ?? {};
    } catch (e) {
      p = { propsError: String((e as Error)?.message ?? e) };
    }
    if (this.#bound) p = { ...this.#bound, ...p };
    const entry: LogEntry = {
      time: Date.now(),
      level,
      owner: this.category[0],
      category: this.category,
      message: String(message),
      props: p,
    };
    try {
      this.#backend.emit(entry);
    } catch {
      // Logging never throws into the caller.
    }
    const tails = this.#backend.tails;
    if (tails?.size) {
      for (const t of tails) {
        try {
          t(entry);
        } catch { /* a watcher's failure is not the caller's */ }
      }
    }
  }
}

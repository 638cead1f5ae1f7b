/**
 * The engine contract: what a driver (SQLite, PostgreSQL) gives the db tool.
 * @module
 */
import type { ExecResult, Params, Row, SchemaTable } from "./types.ts";
import type { DbError } from "./errors.ts";

/** A connection (or a transaction's connection) that runs statements. */
export interface Session {
  query(sql: string, params?: Params): Row[] | Promise<Row[]>;
  queryOne(sql: string, params?: Params): Row | null | Promise<Row | null>;
  execute(sql: string, params?: Params): ExecResult | Promise<ExecResult>;
  /** The same statement once per parameter list (the caller wraps it in a transaction). */
  executeMany(sql: string, rows: readonly Params[]): ExecResult | Promise<ExecResult>;
  /** A script of one or more statements, without parameters (migrations, BEGIN, COMMIT, …). */
  exec(script: string): void | Promise<void>;
}

/** A session reserved for one transaction; `release()` gives it back. */
export interface TxSession extends Session {
  release(): void | Promise<void>;
}

/**
 * What the db tool needs from an engine. Drivers throw {@link DbError}s (see errors.ts) and
 * accept PostgreSQL-style placeholders (`$1`), translating them if the engine needs it.
 */
export interface Driver extends Session {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** File path, `:memory:`, or a URL without password. */
  readonly location: string;
  /**
   * True when the driver has a single connection, so a transaction must hold it exclusively
   * (the tool then queues other work until the transaction ends).
   */
  readonly exclusive: boolean;
  /** The statement that opens a top-level transaction (e.g. `BEGIN IMMEDIATE`). */
  readonly beginSql: string;
  /** A session for one transaction (for a single-connection driver: the driver itself). */
  reserve(): TxSession | Promise<TxSession>;
  describeSchema(): SchemaTable[] | Promise<SchemaTable[]>;
  /**
   * Hold a lock named `name` shared by every process on this database (PostgreSQL: an advisory
   * lock on a connection of its own, per schema) until the returned function is called. Waits
   * at most `timeoutMs` for another holder, calling `onWait` once if it has to wait; then throws
   * a `DbError` of kind `busy`. Engines without one (SQLite) rely on `BEGIN IMMEDIATE`.
   */
  lock?(name: string, timeoutMs: number, onWait?: () => void): Promise<() => Promise<void>>;
  /** Extra facts for `describe()` (e.g. cache size). */
  stats?(): Record<string, unknown>;
  /**
   * A networked driver calls this when a statement fails because the server is unreachable
   * (kind `connection`); the tool then reports itself degraded until a probe answers.
   */
  onConnectionLost?: ((e: DbError) => void) | undefined;
  close(): void | Promise<void>;
}

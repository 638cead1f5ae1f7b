/**
 * Engine-neutral shapes shared by the db tool and its drivers.
 * @module
 */

/** One result row: column name → value. */
export type Row = Record<string, unknown>;

/**
 * A value that can be bound to a placeholder. `boolean` is stored as 1/0 and `undefined` as
 * NULL on SQLite; a `Date` is stored as its ISO string.
 */
export type SqlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Uint8Array
  | Date;

/** Parameters for `$1`, `$2`, … in order. */
export type Params = readonly SqlValue[];

/** What a write reports. */
export interface ExecResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
  /**
   * Row id of the last insert (SQLite). Engines that do not report one (PostgreSQL) give 0:
   * use `INSERT … RETURNING id` with `queryOne` to be portable.
   */
  lastInsertRowid: number | bigint;
}

/** One column of a live table. */
export interface SchemaColumn {
  name: string;
  /** Declared type as the engine reports it (e.g. `INTEGER`, `text`). */
  type: string;
  notNull: boolean;
  /** Position in the primary key (1-based), 0 when not part of it. */
  primaryKey: number;
  /** Default expression as SQL text, or null. */
  default: string | null;
  /** `table.column` this column references, when it is a foreign key. */
  references?: string;
}

/** One live table. */
export interface SchemaTable {
  name: string;
  columns: SchemaColumn[];
}

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
  /** Extra facts for `describe()` (e.g. cache size). */
  stats?(): Record<string, unknown>;
  close(): void | Promise<void>;
}

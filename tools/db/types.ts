/**
 * What plugins see of the `db` tool: the {@link Db} they receive and the engine-neutral
 * shapes of its values, rows and results (shared with the drivers).
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
   * SQLite only: the rowid of the last row the connection inserted (SQLite's
   * `last_insert_rowid()`, meaningful right after an INSERT that inserted). Absent on engines
   * that do not report one (PostgreSQL) and for an empty `executeMany`: never a made-up value.
   * For code that runs on every engine, read the new id with `INSERT … RETURNING id` through
   * `queryOne`.
   */
  lastInsertRowid?: number | bigint;
}

import type { ColumnType } from "./schema_types.ts";

/** One column of a live table, described the same on every engine. */
export interface SchemaColumn {
  name: string;
  /** Engine-neutral type: text, int, float, bool, timestamp, json, blob (or other). */
  type: ColumnType;
  /** The declared type as the engine reports it (e.g. `INTEGER`, `character varying`). */
  sqlType: string;
  /** Whether NULL is refused (always true for a primary-key column, on every engine). */
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
  /**
   * Column sets with a UNIQUE constraint or a unique index (the primary key aside), each in
   * index order, the sets sorted.
   */
  unique: string[][];
}

/**
 * What a plugin receives when it asks for `db`. Every method is async so that any engine
 * (SQLite embedded, PostgreSQL on a server) can stand behind it with plugins unchanged.
 *
 * Write placeholders PostgreSQL-style, `$1`, `$2`, …; values are always bound, never
 * interpolated into the SQL. A `$1` inside a string literal or a comment is left alone.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Db } from "@tools/db/mod.ts";
 *
 * export default class CreateProduct extends BasePlugin {
 *   constructor(private db: Db) {
 *     super();
 *   }
 *   async create(name: string, price: number) {
 *     return await this.db.transaction(async (tx) => {
 *       const row = await tx.queryOne<{ id: number }>(
 *         "INSERT INTO products (name, price) VALUES ($1, $2) RETURNING id",
 *         [name, price],
 *       );
 *       await tx.execute("INSERT INTO audit (what) VALUES ($1)", [`created ${row!.id}`]);
 *       return row!.id;
 *     });
 *   }
 * }
 * ```
 */
export interface Db {
  /**
   * Run a statement and return every row (an empty array when there is none).
   * @example
   * ```ts
   * const cheap = await db.query<{ id: number; name: string }>(
   *   "SELECT id, name FROM products WHERE price < $1 ORDER BY name",
   *   [10],
   * );
   * ```
   */
  query<T = Row>(sql: string, params?: Params): Promise<T[]>;
  /**
   * Run a statement and return its first row, or `null` when there is none.
   * @example
   * ```ts
   * const p = await db.queryOne<{ name: string }>("SELECT name FROM products WHERE id = $1", [id]);
   * if (!p) return { status: 404 };
   * ```
   */
  queryOne<T = Row>(sql: string, params?: Params): Promise<T | null>;
  /**
   * Run a write (INSERT, UPDATE, DELETE, DDL) and report how many rows changed.
   * `lastInsertRowid` is SQLite's only (absent on PostgreSQL): to get a new row's id on every
   * engine, use `INSERT … RETURNING id` with {@link Db.queryOne}.
   * @example
   * ```ts
   * const { changes } = await db.execute("DELETE FROM carts WHERE updated_at < $1", [cutoff]);
   * ```
   */
  execute(sql: string, params?: Params): Promise<ExecResult>;
  /**
   * Run one statement once per parameter list, all in one transaction (all or nothing).
   * Returns the total `changes` (and, on SQLite, the last `lastInsertRowid`).
   * @example
   * ```ts
   * await db.executeMany("INSERT INTO tags (name) VALUES ($1)", [["a"], ["b"], ["c"]]);
   * ```
   */
  executeMany(sql: string, rows: readonly Params[]): Promise<ExecResult>;
  /**
   * Run `fn` in a transaction: it commits when `fn` returns (or its promise resolves) and
   * rolls back when it throws (the error is rethrown). Called inside another transaction it
   * opens a savepoint: an inner failure rolls back the inner work only, and the outer
   * transaction goes on if the caller catches the error.
   *
   * Use the `tx` handed to `fn` (or this same object: calls made from within `fn`'s async
   * flow join the transaction automatically). On SQLite (one connection) a transaction holds
   * the connection: statements and transactions started elsewhere wait until it ends. So keep
   * transactions short, and never await, inside `fn`, work that runs outside its async flow and
   * itself uses the database (such as a request to this same server): that would wait forever.
   * @example
   * ```ts
   * await db.transaction(async (tx) => {
   *   await tx.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", [amt, from]);
   *   await tx.execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", [amt, to]);
   * });
   * ```
   */
  transaction<T>(fn: (tx: Db) => T | Promise<T>): Promise<T>;
  /** The live tables and their columns (internal `_microcore_*` tables excluded). */
  describeSchema(): Promise<SchemaTable[]>;
}

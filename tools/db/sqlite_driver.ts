/**
 * The embedded default engine: SQLite through Deno's built-in `node:sqlite`.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { DbError, type DbErrorKind, writeTarget } from "./errors.ts";
import { Lru } from "./lru.ts";
import { toSqlitePlaceholders } from "./placeholders.ts";
import { normalizeType, sortSets } from "./schema_types.ts";
import type { Driver, TxSession } from "./driver.ts";
import type { ExecResult, Params, Row, SchemaColumn, SchemaTable, SqlValue } from "./types.ts";

/** Options for {@link SqliteDriver}. */
export interface SqliteOptions {
  /** File path or `:memory:`. */
  path: string;
  /** Milliseconds to wait for a lock held by another connection. Default 5000. */
  busyTimeoutMs?: number;
  /** Prepared statements kept. Default 500. */
  cacheSize?: number;
}

type BindValue = string | number | bigint | null | Uint8Array;
/** The statement surface used here, typed as this driver reads it (no big ints). */
interface AnyStatement {
  all(...params: BindValue[]): Row[];
  get(...params: BindValue[]): Row | undefined;
  run(...params: BindValue[]): ExecResult;
}

function needsConversion(v: SqlValue): boolean {
  return v === undefined || typeof v === "boolean" || v instanceof Date;
}

function convert(v: SqlValue): BindValue {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** Bind values as node:sqlite accepts them; copies only when a value needs converting. */
function bindable(params: Params): BindValue[] {
  let copy = false;
  // Stryker disable next-line EqualityOperator: params[length] is undefined, which converts a copy of the same values
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    // SQLite keeps such a string whole but hands it back cut at the NUL: refuse, never corrupt.
    if (typeof v === "string" && v.includes("\0")) throw nulError(i);
    if (needsConversion(v)) copy = true;
  }
  return copy ? params.map(convert) : params as BindValue[];
}

function nulError(i: number): DbError {
  return new DbError(
    `parameter $${i + 1} is a string with a NUL character (\\u0000), which SQLite would read ` +
      "back cut at it: refuse or strip it before storing",
    { kind: "invalid_value" },
  );
}

/*
 * Call the statement's method directly with the bound values (no spread for the common short
 * lists). One function per method: `stmt[method].call(stmt, …)` on node:sqlite's native methods
 * cost more than the statement itself in `deno task bench db` (profiled).
 */

function run(stmt: AnyStatement, params: Params | undefined): ExecResult {
  if (params === undefined) return stmt.run();
  const p = bindable(params);
  switch (p.length) {
    case 0:
      return stmt.run();
    case 1:
      return stmt.run(p[0]);
    case 2:
      return stmt.run(p[0], p[1]);
    case 3:
      return stmt.run(p[0], p[1], p[2]);
    default:
      return stmt.run(...p);
  }
}

function get(stmt: AnyStatement, params: Params | undefined): Row | undefined {
  if (params === undefined) return stmt.get();
  const p = bindable(params);
  switch (p.length) {
    case 0:
      return stmt.get();
    case 1:
      return stmt.get(p[0]);
    case 2:
      return stmt.get(p[0], p[1]);
    default:
      return stmt.get(...p);
  }
}

function all(stmt: AnyStatement, params: Params | undefined): Row[] {
  if (params === undefined) return stmt.all();
  const p = bindable(params);
  return p.length === 0 ? stmt.all() : p.length === 1 ? stmt.all(p[0]) : stmt.all(...p);
}

/** SQLite behind the {@link Driver} interface: one connection, WAL, cached statements. */
export class SqliteDriver implements Driver, TxSession {
  readonly kind = "sqlite";
  readonly exclusive = true;
  readonly beginSql = "BEGIN IMMEDIATE";
  readonly location: string;
  #db: DatabaseSync;
  #cache: Lru<string, AnyStatement>;
  #open = true;

  constructor(opts: SqliteOptions) {
    this.location = opts.path;
    this.#cache = new Lru(opts.cacheSize ?? 500);
    try {
      this.#db = new DatabaseSync(opts.path);
      this.#db.exec(
        `PRAGMA busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))};` +
          "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
      );
    } catch (e) {
      throw toDbError(e);
    }
  }

  /** The prepared statement for `sql` (translated once, then cached). */
  #prepare(sql: string): AnyStatement {
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      if (!this.#open) throw new DbError("database is closed", { kind: "connection", sql });
      try {
        stmt = this.#db.prepare(toSqlitePlaceholders(sql)) as StatementSync as AnyStatement;
      } catch (e) {
        throw toDbError(e, sql);
      }
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }

  query(sql: string, params?: Params): Row[] {
    const stmt = this.#prepare(sql);
    try {
      return all(stmt, params);
    } catch (e) {
      throw toDbError(e, sql);
    }
  }

  queryOne(sql: string, params?: Params): Row | null {
    const stmt = this.#prepare(sql);
    try {
      return get(stmt, params) ?? null;
    } catch (e) {
      throw toDbError(e, sql);
    }
  }

  execute(sql: string, params?: Params): ExecResult {
    const stmt = this.#prepare(sql);
    try {
      return run(stmt, params);
    } catch (e) {
      throw toDbError(e, sql);
    }
  }

  executeMany(sql: string, rows: readonly Params[]): ExecResult {
    const stmt = this.#prepare(sql);
    let changes = 0;
    let lastInsertRowid: number | bigint | undefined;
    try {
      for (const row of rows) {
        const r = run(stmt, row);
        changes += r.changes;
        lastInsertRowid = r.lastInsertRowid;
      }
    } catch (e) {
      throw toDbError(e, sql);
    }
    return lastInsertRowid === undefined ? { changes } : { changes, lastInsertRowid };
  }

  exec(script: string): void {
    if (!this.#open) throw new DbError("database is closed", { kind: "connection" });
    try {
      this.#db.exec(script);
    } catch (e) {
      throw toDbError(e, script);
    }
  }

  /** One connection: a transaction uses the driver itself. */
  reserve(): TxSession {
    return this;
  }

  release(): void {}

  /** Whether a transaction is open on the connection. */
  get inTransaction(): boolean {
    return this.#open && this.#db.isTransaction;
  }

  describeSchema(): SchemaTable[] {
    const tables = this.query(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' " +
        "ORDER BY name",
    ) as { name: string }[];
    return tables.map(({ name }) => {
      const q = `"${name.replaceAll('"', '""')}"`;
      const refs = new Map<string, string>();
      for (const fk of this.#db.prepare(`PRAGMA foreign_key_list(${q})`).all()) {
        refs.set(String(fk.from), `${fk.table}.${fk.to ?? "rowid"}`);
      }
      const columns = this.#db.prepare(`PRAGMA table_info(${q})`).all().map((c) => {
        const sqlType = String(c.type ?? "");
        const col: SchemaColumn = {
          name: String(c.name),
          type: normalizeType(sqlType),
          sqlType,
          // SQLite accepts NULL in a primary key column (but the rowid); it is never meant to.
          notNull: c.notnull === 1 || Number(c.pk) > 0,
          primaryKey: Number(c.pk),
          default: c.dflt_value == null ? null : String(c.dflt_value),
        };
        const ref = refs.get(col.name);
        if (ref) col.references = ref;
        return col;
      });
      const unique: string[][] = [];
      for (const ix of this.#db.prepare(`PRAGMA index_list(${q})`).all()) {
        if (ix.unique !== 1 || ix.origin === "pk") continue;
        const cols = this.#db.prepare(
          `PRAGMA index_info("${String(ix.name).replaceAll('"', '""')}")`,
        )
          .all().sort((a, b) => Number(a.seqno) - Number(b.seqno)).map((c) => String(c.name));
        unique.push(cols);
      }
      return { name, columns, unique: sortSets(unique) };
    });
  }

  stats(): Record<string, unknown> {
    return { cachedStatements: this.#cache.size };
  }

  /** Checkpoint the WAL into the main file and close. Safe to call twice. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#cache.clear();
    try {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch { /* closing anyway */ }
    this.#db.close();
  }
}

const CODE_KINDS: Record<number, DbErrorKind> = {
  // Stryker disable StringLiteral: each constraint code's message ("UNIQUE constraint failed: …") gives the same kind below
  2067: "unique_violation", // SQLITE_CONSTRAINT_UNIQUE
  1555: "unique_violation", // SQLITE_CONSTRAINT_PRIMARYKEY
  787: "foreign_key_violation", // SQLITE_CONSTRAINT_FOREIGNKEY
  1299: "not_null_violation", // SQLITE_CONSTRAINT_NOTNULL
  275: "check_violation", // SQLITE_CONSTRAINT_CHECK
  // Stryker restore StringLiteral
  5: "busy",
  6: "busy",
  517: "busy",
  261: "busy",
};

const MESSAGE_KINDS: [RegExp, DbErrorKind][] = [
  [/^UNIQUE constraint failed/, "unique_violation"],
  [/^FOREIGN KEY constraint failed/, "foreign_key_violation"],
  [/^NOT NULL constraint failed/, "not_null_violation"],
  [/^CHECK constraint failed/, "check_violation"],
  [/syntax error|incomplete input|unrecognized token/, "syntax_error"],
  [/^no such table/, "undefined_table"],
  [/^(?:no such column|table \S+ has no column named)/, "undefined_column"],
  [/database is (?:locked|busy)/, "busy"],
  [/database is not open|closed/, "connection"],
];

/** Map a node:sqlite error to a {@link DbError}, reading table and column from the message. */
export function toDbError(e: unknown, sql?: string): DbError {
  if (e instanceof DbError) return e;
  const err = e as { message?: string; errcode?: number };
  const message = String(err?.message ?? e);
  let kind: DbErrorKind | undefined = err?.errcode === undefined
    ? undefined
    : CODE_KINDS[err.errcode];
  if (!kind) kind = MESSAGE_KINDS.find(([re]) => re.test(message))?.[1] ?? "unknown";
  const init: ConstructorParameters<typeof DbError>[1] = { kind, cause: e, sql };
  if (err?.errcode !== undefined) init.code = err.errcode;
  const detail = /constraint failed: (.+)$/.exec(message)?.[1];
  if (detail && (kind === "unique_violation" || kind === "not_null_violation")) {
    const pairs = detail.split(", ").map((p) => p.trim().split("."));
    if (pairs[0].length === 2) {
      init.table = pairs[0][0];
      init.column = pairs[0][1];
      init.columns = pairs.map((p) => p[p.length - 1]);
    }
  } else if (detail && kind === "check_violation") {
    init.constraint = detail;
  }
  if (kind === "undefined_table") init.table = /no such table: (?:\w+\.)?(\S+)/.exec(message)?.[1];
  if (kind === "undefined_column") {
    const m = /no such column: (\S+)/.exec(message);
    if (m) {
      const parts = m[1].split(".");
      init.column = parts.pop();
      init.table = parts.pop(); // undefined when the column is not qualified
    } else {
      const m2 = /table (\S+) has no column named (\S+)/.exec(message);
      if (m2) [init.table, init.column] = [m2[1], m2[2]];
    }
  }
  // SQLite names no table for these: read it from the statement.
  if (kind === "foreign_key_violation" || kind === "check_violation") init.table = writeTarget(sql);
  return new DbError(message, init);
}

/**
 * Typed database errors with an engine-neutral kind.
 * @module
 */

/**
 * What went wrong, independent of the engine. Branch on this, never on engine messages.
 * - `unique_violation`: a UNIQUE or PRIMARY KEY constraint (HTTP 409)
 * - `foreign_key_violation`, `not_null_violation`, `check_violation`: other constraints
 * - `syntax_error`, `undefined_table`, `undefined_column`: the SQL is wrong
 * - `invalid_value`: a value the engine cannot store exactly, e.g. a string with a NUL
 *   character (HTTP 400)
 * - `busy`: the database is locked by someone else for too long
 * - `transaction_closed`: a transaction handle was used after its transaction ended
 * - `connection`: the engine cannot be reached or the database is closed
 * - `unknown`: anything else (see `cause`)
 */
export type DbErrorKind =
  | "unique_violation"
  | "foreign_key_violation"
  | "not_null_violation"
  | "check_violation"
  | "invalid_value"
  | "syntax_error"
  | "undefined_table"
  | "undefined_column"
  | "busy"
  | "serialization_failure"
  | "transaction_closed"
  | "connection"
  | "unknown";

/** Details a {@link DbError} may carry. */
export interface DbErrorInit {
  kind: DbErrorKind;
  table?: string;
  column?: string;
  /** Every column named by the engine (multi-column unique keys). */
  columns?: string[];
  /** Constraint name or expression, when the engine names it. */
  constraint?: string;
  /** Engine code (SQLite extended result code, PostgreSQL SQLSTATE). */
  code?: string | number;
  /** The statement that failed. */
  sql?: string;
  cause?: unknown;
}

/**
 * An error from the db tool. `kind` is engine-neutral; `table`/`column` are set where the
 * engine says which; `cause` is the driver's original error.
 *
 * @example
 * ```ts
 * try {
 *   await db.execute("INSERT INTO products (name) VALUES ($1)", [name]);
 * } catch (e) {
 *   if (e instanceof DbError && e.kind === "unique_violation") return { error: "exists" };
 *   throw e;
 * }
 * ```
 */
export class DbError extends Error {
  override readonly name = "DbError";
  readonly kind: DbErrorKind;
  readonly table?: string;
  readonly column?: string;
  readonly columns?: string[];
  readonly constraint?: string;
  readonly code?: string | number;
  readonly sql?: string;

  constructor(message: string, init: DbErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    // The fields are own properties either way (class fields): an absent detail is undefined.
    this.kind = init.kind;
    this.table = init.table;
    this.column = init.column;
    this.columns = init.columns;
    this.constraint = init.constraint;
    this.code = init.code;
    this.sql = init.sql;
  }
}

/** Whether `e` is a {@link DbError} (optionally of one kind). Works across module copies. */
export function isDbError(e: unknown, kind?: DbErrorKind): e is DbError {
  if (!(e instanceof Error) || e.name !== "DbError" || !("kind" in e)) return false;
  return kind === undefined || (e as DbError).kind === kind;
}

const WRITE_TARGET =
  /^\s*(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+["`[]?([\w.]+)/i;

/** Comments (and the blanks around them) before the statement. */
const LEADING_COMMENTS = /^(?:\s*(?:--[^\n]*\n|\/\*[\s\S]*?\*\/))*/;

/** The table an INSERT/UPDATE/DELETE writes to, for errors whose engine message omits it. */
export function writeTarget(sql: string | undefined): string | undefined {
  if (!sql) return undefined;
  const m = WRITE_TARGET.exec(sql.replace(LEADING_COMMENTS, ""));
  return m?.[1];
}

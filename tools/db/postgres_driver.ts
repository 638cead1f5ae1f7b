/**
 * PostgreSQL behind the {@link Driver} interface, through `npm:postgres` (a connection pool;
 * each transaction reserves its own connection, so transactions do not wait for each other).
 *
 * Selected by `DB_DRIVER=postgres` or a `postgres://` `DATABASE_URL`.
 * @module
 */
import postgres from "postgres";
import { DbError, type DbErrorKind, writeTarget } from "./errors.ts";
import { advisoryLock, ensureSchema, quoteIdent } from "./postgres_schema.ts";
import { normalizeType, sortSets } from "./schema_types.ts";
import type { Driver, TxSession } from "./driver.ts";
import type { ExecResult, Params, Row, SchemaTable, SqlValue } from "./types.ts";

/** Options for {@link PostgresDriver.connect}. */
export interface PostgresOptions {
  /** `postgres://user@host:port/db`. */
  url: string;
  /** Schema to work in, as `search_path`; created if missing (default: the server's). */
  schema?: string;
  /** Pool size. Default 10. */
  max?: number;
}

type Sql = ReturnType<typeof postgres>;
// deno-lint-ignore no-explicit-any
type Conn = { unsafe(q: string, params?: any[], opts?: { prepare?: boolean }): Promise<any> };

function bind(params: Params | undefined): unknown[] {
  if (!params) return [];
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v: SqlValue = params[i];
    // Stryker disable next-line StringLiteral: postgres.js binds a bigint exactly by itself too (as text, int8, numeric); converting only makes that explicit
    if (v === undefined || typeof v === "bigint") {
      out ??= params.slice();
      out[i] = v === undefined ? null : v.toString();
    }
  }
  return out ?? (params as unknown[]);
}

const STATES: Record<string, DbErrorKind> = {
  "23505": "unique_violation",
  "23503": "foreign_key_violation",
  "23502": "not_null_violation",
  "23514": "check_violation",
  // character_not_in_repertoire: a NUL in text, which PostgreSQL refuses to store.
  "22021": "invalid_value",
  "42601": "syntax_error",
  "42P01": "undefined_table",
  "42703": "undefined_column",
  "40001": "serialization_failure",
  "40P01": "serialization_failure",
  "55P03": "busy",
  "08000": "connection",
  "08003": "connection",
  "08006": "connection",
  "57P01": "connection",
};

/** Map a `postgres` error to a {@link DbError}. */
export function pgError(e: unknown, sql?: string): DbError {
  if (e instanceof DbError) return e;
  const x = e as {
    message?: string;
    code?: string;
    table_name?: string;
    column_name?: string;
    constraint_name?: string;
    detail?: string;
  };
  const message = String(x?.message ?? e);
  const kind: DbErrorKind = (x?.code && STATES[x.code]) ||
    (/ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|CONNECT_TIMEOUT|CONNECTION_(?:CLOSED|ENDED|DESTROYED)/
        .test(String(x?.code))
      ? "connection"
      : "unknown");
  let column = x?.column_name;
  let columns: string[] | undefined;
  const key = x?.detail && /^Key \(([^)]+)\)/.exec(x.detail);
  if (key) {
    columns = key[1].split(",").map((s) => s.trim().replace(/^"|"$/g, ""));
    column ??= columns[0];
  }
  let table = x?.table_name;
  if (kind === "undefined_table") table ??= /relation "([^"]+)"/.exec(message)?.[1];
  if (kind === "undefined_column") column ??= /column "([^"]+)"/.exec(message)?.[1];
  // PostgreSQL names the table of every foreign-key violation (the referencing one), so in
  // practice only a domain's check constraint needs the table read from the statement.
  const fromStatement = kind === "check_violation" ||
    // Stryker disable next-line StringLiteral,ConditionalExpression: for foreign keys `??=` never assigns (see above)
    kind === "foreign_key_violation";
  if (fromStatement) table ??= writeTarget(sql);
  return new DbError(message, {
    kind,
    table,
    column,
    columns,
    constraint: x?.constraint_name,
    code: x?.code,
    sql,
    cause: e,
  });
}

/** Runs statements on one connection-like object (the pool or a reserved connection). */
class PgSession {
  constructor(protected conn: Conn, protected lost: (e: DbError) => void) {}

  /** The error as a DbError; a lost connection is told to the driver's watcher. */
  protected fail(e: unknown, sql?: string): DbError {
    const err = pgError(e, sql);
    if (err.kind === "connection") this.lost(err);
    return err;
  }

  async query(sql: string, params?: Params): Promise<Row[]> {
    try {
      return Array.from(await this.conn.unsafe(sql, bind(params), { prepare: true }));
    } catch (e) {
      throw this.fail(e, sql);
    }
  }

  async queryOne(sql: string, params?: Params): Promise<Row | null> {
    try {
      const r = await this.conn.unsafe(sql, bind(params), { prepare: true });
      return r[0] ?? null;
    } catch (e) {
      throw this.fail(e, sql);
    }
  }

  async execute(sql: string, params?: Params): Promise<ExecResult> {
    try {
      const r = await this.conn.unsafe(sql, bind(params), { prepare: true });
      // PostgreSQL reports no row id: none is made up (RETURNING gives it).
      return { changes: r.count ?? 0 };
    } catch (e) {
      throw this.fail(e, sql);
    }
  }

  async executeMany(sql: string, rows: readonly Params[]): Promise<ExecResult> {
    let changes = 0;
    for (const row of rows) changes += (await this.execute(sql, row)).changes;
    return { changes };
  }

  async exec(script: string): Promise<void> {
    try {
      await this.conn.unsafe(script);
    } catch (e) {
      throw this.fail(e, script);
    }
  }
}

/** PostgreSQL driver over a `postgres` pool. */
export class PostgresDriver extends PgSession implements Driver {
  readonly kind = "postgres";
  readonly exclusive = false;
  readonly beginSql = "BEGIN";
  readonly location: string;
  #sql: Sql;
  #closed = false;
  /** The schema worked in (the lock of a migration run is per schema). */
  #schema = "";

  /** Told when a statement fails because the connection to the server is lost. */
  onConnectionLost: ((e: DbError) => void) | undefined;

  private constructor(sql: Sql, location: string) {
    super(sql as unknown as Conn, (e) => this.onConnectionLost?.(e));
    this.#sql = sql;
    this.location = location;
  }

  /** Open a pool, check that the server answers, and create the schema if it is missing. */
  static async connect(opts: PostgresOptions): Promise<PostgresDriver> {
    const sql = postgres(opts.url, {
      max: opts.max ?? 10,
      onnotice: () => {},
      // Reconnect 50 ms doubling to 1 s (postgres.js's default grows to 20 s after a few failed
      // attempts, so an instance took up to 20 s to come back after an outage).
      backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
      connection: opts.schema ? { search_path: quoteIdent(opts.schema) } : {},
      types: {
        // int8 (count(*), bigserial) as a number when it fits, like SQLite gives.
        bigint: {
          to: 20,
          from: [20],
          serialize: (x: unknown) => String(x),
          parse: (x: string) => {
            const n = Number(x);
            return Number.isSafeInteger(n) ? n : BigInt(x);
          },
        },
      },
    });
    const url = new URL(opts.url);
    url.password = "";
    const driver = new PostgresDriver(sql, url.toString() + (opts.schema ? `#${opts.schema}` : ""));
    try {
      if (opts.schema) await ensureSchema(sql as unknown as Conn, opts.schema);
      const [row] = await sql`SELECT current_schema() AS s`;
      // Stryker disable next-line StringLiteral: current_schema() is null only with an empty search_path, which connect never leaves
      driver.#schema = row.s ?? "";
    } catch (e) {
      await sql.end({ timeout: 1 });
      throw pgError(e);
    }
    return driver;
  }

  /**
   * Hold the advisory lock `name` (per schema) on a connection of its own until the returned
   * function is called; see `Driver.lock`.
   */
  async lock(
    name: string,
    timeoutMs: number,
    onWait?: () => void,
  ): Promise<() => Promise<void>> {
    if (this.#closed) throw new DbError("database is closed", { kind: "connection" });
    let conn;
    try {
      conn = await this.#sql.reserve();
    } catch (e) {
      throw this.fail(e);
    }
    let unlock;
    try {
      unlock = await advisoryLock(
        conn as unknown as Conn,
        `${name}:${this.#schema}`,
        timeoutMs,
        onWait,
      );
    } catch (e) {
      conn.release();
      throw this.fail(e);
    }
    return async () => {
      try {
        await unlock();
      } catch {
        /* a lost connection has freed the lock already */
      } finally {
        conn.release();
      }
    };
  }

  async reserve(): Promise<TxSession> {
    if (this.#closed) throw new DbError("database is closed", { kind: "connection" });
    let conn;
    try {
      conn = await this.#sql.reserve();
    } catch (e) {
      throw this.fail(e);
    }
    const session = new PgSession(conn as unknown as Conn, this.lost) as PgSession & TxSession;
    session.release = () => conn.release();
    return session;
  }

  async describeSchema(): Promise<SchemaTable[]> {
    const cols = await this.query(
      `SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.column_default,
              c.ordinal_position
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`,
    );
    const keys = await this.query(
      `SELECT tc.table_name, tc.constraint_type, kcu.column_name, kcu.ordinal_position,
              ccu.table_name AS ref_table, ccu.column_name AS ref_column
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu
           ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
         LEFT JOIN information_schema.constraint_column_usage ccu
           ON tc.constraint_type = 'FOREIGN KEY' AND ccu.constraint_name = tc.constraint_name
          AND ccu.table_schema = tc.table_schema
        WHERE tc.table_schema = current_schema()
          AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')`,
    );
    // Unique constraints and unique indexes alike (a constraint is backed by an index).
    const uniques = await this.query(
      `SELECT t.relname AS table_name, i.relname AS index_name,
              array_agg(a.attname::text ORDER BY k.ord) AS cols
         FROM pg_index x
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE n.nspname = current_schema() AND x.indisunique AND NOT x.indisprimary
        GROUP BY t.relname, i.relname`,
    );
    const pk = new Map<string, number>();
    const refs = new Map<string, string>();
    for (const k of keys) {
      const id = `${k.table_name}.${k.column_name}`;
      if (k.constraint_type === "PRIMARY KEY") pk.set(id, Number(k.ordinal_position));
      else if (k.ref_table) refs.set(id, `${k.ref_table}.${k.ref_column}`);
    }
    const tables = new Map<string, SchemaTable>();
    for (const c of cols) {
      const name = String(c.table_name);
      let t = tables.get(name);
      if (!t) tables.set(name, t = { name, columns: [], unique: [] });
      const id = `${name}.${c.column_name}`;
      const sqlType = String(c.data_type);
      t.columns.push({
        name: String(c.column_name),
        // ARRAY and USER-DEFINED say little; the udt name (`_int4`, `mood`) says more.
        type: normalizeType(sqlType === "USER-DEFINED" ? String(c.udt_name) : sqlType),
        sqlType,
        notNull: c.is_nullable === "NO",
        primaryKey: pk.get(id) ?? 0,
        default: c.column_default == null ? null : String(c.column_default),
        ...(refs.has(id) ? { references: refs.get(id) } : {}),
      });
    }
    for (const u of uniques) tables.get(String(u.table_name))?.unique.push(u.cols as string[]);
    for (const t of tables.values()) sortSets(t.unique);
    return [...tables.values()];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // The kernel has drained our work by now: what is left is a connection still reconnecting
    // after an outage, which postgres.js would otherwise wait 5 s for.
    await this.#sql.end({ timeout: 1 });
  }
}

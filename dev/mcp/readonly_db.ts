/**
 * Read-only SQL for the MCP tool `query_db`, read-only by construction rather than by a keyword
 * filter: SQLite opens its own connection to the app's file with `readOnly` and
 * `PRAGMA query_only`; PostgreSQL logs in as a role that may only read (`MCP_DATABASE_URL`, or
 * {@link PG_READER_ROLE}, member of `pg_read_all_data` only; a superuser or a member of
 * `pg_write_server_files`/`pg_execute_server_program`/`pg_signal_backend` is refused), inside a
 * read-only transaction that is rolled back, and sends the statement through the extended
 * protocol, which takes one statement only (no `COMMIT; DELETE …`). Not `SET ROLE` on the app's
 * connection: one statement can `set_config('role', 'none', true)` back to the login role.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { toSqlitePlaceholders } from "@tools/db/mod.ts";

/** Where the app's database is, as the db tool describes it. */
export interface DbTarget {
  /** `sqlite` or `postgres`. */
  kind: string;
  /** SQLite: the file path (or `:memory:`). */
  path?: string;
  /** PostgreSQL: the server URL (with its password), and the schema worked in. */
  url?: string;
  schema?: string;
  /**
   * PostgreSQL: `MCP_DATABASE_URL`, a read-only role's URL to read with. Unset, `query_db` logs
   * in as {@link PG_READER_ROLE} (`reader`), created from `url` on first use.
   */
  readUrl?: string;
  /** PostgreSQL: the reader role's name (default {@link PG_READER_ROLE}; tests use their own). */
  reader?: string;
}

/** The rows a query gave, at most `limit` of them. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  rowCount: number;
  /** More rows matched than `limit`. */
  truncated: boolean;
}

/** A value JSON can carry (bigint as a string, bytes as their length). */
function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  if (v instanceof Date) return v.toISOString();
  return v;
}

function result(rows: Record<string, unknown>[], limit: number): QueryResult {
  const truncated = rows.length > limit;
  const kept = rows.slice(0, limit).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)]))
  );
  return {
    columns: Object.keys(rows[0] ?? {}),
    rows: kept,
    rowCount: kept.length,
    truncated,
  };
}

/** Runs `sql` with `$n` `params` read-only and returns at most `limit` rows. */
export async function queryReadOnly(
  target: DbTarget,
  sql: string,
  params: unknown[],
  limit: number,
): Promise<QueryResult> {
  if (target.kind === "sqlite") return querySqlite(target.path ?? "", sql, params, limit);
  if (target.kind === "postgres") return await queryPostgres(target, sql, params, limit);
  throw new Error(`query_db does not know the engine "${target.kind}"`);
}

function querySqlite(path: string, sql: string, params: unknown[], limit: number): QueryResult {
  if (!path || path === ":memory:") {
    throw new Error(
      "query_db needs a database file: an in-memory SQLite database (:memory:) cannot be " +
        "opened a second time, read-only. Set DB_PATH to a file (dev default data/app.db).",
    );
  }
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.exec("PRAGMA query_only = ON; PRAGMA busy_timeout = 2000;");
    const stmt = capped(db, toSqlitePlaceholders(sql), limit + 1);
    // all(), not iterate(): Deno's iterate() ends quietly on a failing step (a refused write, an
    // error on row 2), which would pass for the last row. The LIMIT of capped() bounds all().
    // deno-lint-ignore no-explicit-any
    const rows = stmt.all(...params as any[]) as Record<string, unknown>[];
    return result(rows, limit);
  } finally {
    db.close();
  }
}

/** The role `query_db` reads PostgreSQL as when `MCP_DATABASE_URL` is not set. */
export const PG_READER_ROLE = "microcore_mcp_reader";

/** Roles whose rights a reader must not have (files, programs, signals to other sessions). */
const UNSAFE_ROLES = ["pg_write_server_files", "pg_execute_server_program", "pg_signal_backend"];

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Readers set up in this process (url + role), so the setup runs once. */
const readersReady = new Set<string>();

function advice(role: string): string {
  return `create it once as an admin (CREATE ROLE ${role} LOGIN; GRANT pg_read_all_data TO ` +
    `${role}), or set MCP_DATABASE_URL to the URL of a read-only role`;
}

/**
 * Creates the reader role if missing: LOGIN, not superuser, member of `pg_read_all_data` only.
 * Returns the URL that logs in as it (the admin URL with the reader's name and no password).
 */
async function readerUrl(adminUrl: string, role: string): Promise<string> {
  const key = `${adminUrl}\n${role}`;
  if (!readersReady.has(key)) {
    const pg = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await pg.unsafe(
        `DO $do$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${lit(role)}) THEN ` +
          `CREATE ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; ` +
          `EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $do$`,
      );
      await pg.unsafe(`GRANT pg_read_all_data TO ${ident(role)}`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(
        `query_db reads PostgreSQL as the role ${role}, which the DATABASE_URL user cannot set ` +
          `up (${msg}): ${advice(role)}`,
      );
    } finally {
      await pg.end({ timeout: 1 });
    }
    readersReady.add(key);
  }
  const u = new URL(adminUrl);
  u.username = role;
  u.password = "";
  return u.href;
}

/**
 * `sql` wrapped in `SELECT * FROM (…) LIMIT max`, so SQLite stops after `max` rows (a 30M-row
 * recursive CTE no longer fills memory); what cannot be wrapped (PRAGMA, EXPLAIN, a write, a
 * syntax error) is prepared as given. The newlines keep a trailing `-- comment` inside.
 */
function capped(db: DatabaseSync, sql: string, max: number) {
  try {
    return db.prepare(`SELECT * FROM (\n${sql.replace(/[\s;]+$/, "")}\n) LIMIT ${max}`);
  } catch {
    return db.prepare(sql);
  }
}

async function queryPostgres(
  t: DbTarget,
  sql: string,
  params: unknown[],
  limit: number,
): Promise<QueryResult> {
  if (!t.url && !t.readUrl) {
    throw new Error("query_db: DATABASE_URL is not set for the PostgreSQL database");
  }
  const role = t.reader ?? PG_READER_ROLE;
  const url = t.readUrl ?? await readerUrl(t.url!, role);
  const who = t.readUrl ? "MCP_DATABASE_URL connects as" : `query_db's role ${role} is`;
  const connection: Record<string, string> = {
    default_transaction_read_only: "on",
    statement_timeout: "10000",
  };
  if (t.schema) connection.search_path = ident(t.schema);
  const pg = postgres(url, { max: 1, onnotice: () => {}, connection });
  try {
    const [r] = await pg.unsafe(
      `SELECT current_user AS name, rolsuper AS su, ${
        UNSAFE_ROLES.map((x) => `pg_has_role(current_user, ${lit(x)}, 'USAGE')`).join(" OR ")
      } AS unsafe FROM pg_roles WHERE rolname = current_user`,
    ).catch((e: Error) => {
      if (t.readUrl) throw e;
      throw new Error(`query_db cannot log in as ${role} (${e.message}): ${advice(role)}`);
    });
    if (r?.su || r?.unsafe) {
      throw new Error(
        `${who} ${r.name}, a ${r.su ? "superuser" : "member of " + UNSAFE_ROLES.join("/")}: ` +
          "not read-only; use a read-only role (e.g. one granted only pg_read_all_data)",
      );
    }
    // Rolled back, never committed: what a read-only transaction still allows (a large object,
    // a notification, a transaction advisory lock) is undone; the connection closes after.
    const rows = await pg.begin("read only", async (tx) => {
      // simple: false → the extended protocol: exactly one statement. A cursor fetches
      // limit + 1 rows (enough to say "truncated"), never the rest.
      // deno-lint-ignore no-explicit-any
      const q = tx.unsafe(sql, params as any[], { prepare: false, simple: false } as any);
      let got: Record<string, unknown>[] = [];
      for await (const batch of q.cursor(limit + 1)) {
        got = Array.from(batch as unknown as Record<string, unknown>[]);
        break;
      }
      throw new Rollback(got);
    }).catch((e) => {
      if (e instanceof Rollback) return e.rows;
      throw e;
    });
    return result(rows as Record<string, unknown>[], limit);
  } finally {
    await pg.end({ timeout: 1 });
  }
}

/** Thrown to end the read-only transaction with a rollback, carrying the rows. */
class Rollback {
  constructor(readonly rows: Record<string, unknown>[]) {}
}

/**
 * Read-only SQL for the MCP tool `query_db`, read-only by construction rather than by a keyword
 * filter: SQLite opens its own connection to the app's file with `readOnly` and
 * `PRAGMA query_only`; PostgreSQL opens its own connection whose transactions are read-only
 * (`default_transaction_read_only`, and `BEGIN READ ONLY`), and sends the statement through the
 * extended protocol, which takes one statement only (no `COMMIT; DELETE …`).
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
    const stmt = db.prepare(toSqlitePlaceholders(sql));
    // all(), not iterate(): Deno's iterate() ends quietly on a failing step (a refused write).
    // deno-lint-ignore no-explicit-any
    const rows = stmt.all(...params as any[]) as Record<string, unknown>[];
    return result(rows, limit);
  } finally {
    db.close();
  }
}

async function queryPostgres(
  t: DbTarget,
  sql: string,
  params: unknown[],
  limit: number,
): Promise<QueryResult> {
  if (!t.url) throw new Error("query_db: DATABASE_URL is not set for the PostgreSQL database");
  const connection: Record<string, string> = {
    default_transaction_read_only: "on",
    statement_timeout: "10000",
  };
  if (t.schema) connection.search_path = `"${t.schema.replaceAll('"', '""')}"`;
  const pg = postgres(t.url, { max: 1, onnotice: () => {}, connection });
  try {
    const rows = await pg.begin("read only", (tx) =>
      // simple: false → the extended protocol: exactly one statement.
      // deno-lint-ignore no-explicit-any
      tx.unsafe(sql, params as any[], { prepare: false, simple: false } as any));
    return result(Array.from(rows as unknown as Record<string, unknown>[]), limit);
  } finally {
    await pg.end({ timeout: 1 });
  }
}

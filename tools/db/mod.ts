/**
 * The `db` tool: SQL for plugins. Plugins ask for it by naming a constructor parameter `db`.
 *
 * Settings: SQLite embedded by default, in the file `DB_PATH` (default `data/app.db`, relative
 * to the data folder; `:memory:` in test mode); PostgreSQL when `DB_DRIVER=postgres` or
 * `DATABASE_URL` is a `postgres://` URL, working in the schema `DB_SCHEMA` when set.
 *
 * - Placeholders are written `$1`, `$2`, … on every engine; values are always bound.
 * - Each domain's `migrations/NNN_name.sql` run once, in order, before its plugins load.
 *   `NNN_name.sqlite.sql` or `NNN_name.postgres.sql` beside it replaces it on that engine (the
 *   same migration either way). A file may say `-- depends: <domain>/<file>` to run after
 *   another domain's migration. Several instances may boot at once (a cross-instance lock);
 *   `DB_AUTO_MIGRATE=false` leaves them to `deno task migrate`.
 * - New ids come back with `INSERT … RETURNING id` (SQLite ≥ 3.35 and PostgreSQL); `execute`'s
 *   `lastInsertRowid` is SQLite's only.
 * - Failures are {@link DbError}s with an engine-neutral `kind` (`unique_violation`, …).
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import { type Db, isDbError } from "@tools/db/mod.ts";
 *
 * export default class AddTag extends BasePlugin {
 *   constructor(private db: Db) {
 *     super();
 *   }
 *   async add(name: string) {
 *     try {
 *       const row = await this.db.queryOne<{ id: number }>(
 *         "INSERT INTO tags (name) VALUES ($1) RETURNING id",
 *         [name],
 *       );
 *       return { id: row!.id };
 *     } catch (e) {
 *       if (isDbError(e, "unique_violation")) return { error: `tag ${name} exists` };
 *       throw e;
 *     }
 *   }
 * }
 * ```
 * @module
 */
import { DbTool } from "./tool.ts";

export { Database } from "./database.ts";
export { DbError, type DbErrorInit, type DbErrorKind, isDbError } from "./errors.ts";
export {
  type AppliedMigration,
  type Drift,
  MigrationError,
  type PendingMigration,
} from "./migrations.ts";
export { toSqlitePlaceholders } from "./placeholders.ts";
export { SqliteDriver, type SqliteOptions } from "./sqlite_driver.ts";
export { DbTool, type DbToolOptions } from "./tool.ts";
export type { Driver } from "./driver.ts";
export type { Db, ExecResult, Params, Row, SchemaColumn, SchemaTable, SqlValue } from "./types.ts";
export { type ColumnType, normalizeType } from "./schema_types.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default DbTool;

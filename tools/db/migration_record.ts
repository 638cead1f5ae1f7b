/**
 * The record of applied migrations: the `_microcore_migrations` table, read and written.
 * @module
 */
import type { Db } from "./types.ts";

/** The tool's own bookkeeping table. */
export const MIGRATIONS_TABLE = "_microcore_migrations";

/** One applied migration. */
export interface AppliedMigration {
  domain: string;
  /** Its identity, `NNN_name.sql`, whichever engine's variant ran. */
  name: string;
  checksum: string;
  appliedAt: string;
}

interface RecordRow {
  domain: string;
  name: string;
  checksum: string;
  applied_at: string;
}

const COLUMNS = "domain, name, checksum, applied_at";

const applied = (r: RecordRow): AppliedMigration => ({
  domain: r.domain,
  name: r.name,
  checksum: r.checksum,
  appliedAt: r.applied_at,
});

/** Create the table if it is missing (the caller holds the migration lock). */
export async function createRecordTable(db: { exec(script: string): Promise<void> }) {
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      domain TEXT NOT NULL,
      name TEXT NOT NULL,
      checksum TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      PRIMARY KEY (domain, name)
    )`,
  );
}

/** Every applied migration in the order applied; none when `missingIsEmpty` and no table. */
export async function readRecord(db: Db, missingIsEmpty: boolean): Promise<AppliedMigration[]> {
  try {
    const rows = await db.query<RecordRow>(
      `SELECT ${COLUMNS} FROM ${MIGRATIONS_TABLE} ORDER BY applied_at`,
    );
    return rows.map(applied);
  } catch (e) {
    if (!missingIsEmpty || (e as { kind?: string }).kind !== "undefined_table") throw e;
    return [];
  }
}

/** The record of one migration, if applied (read inside the transaction that would apply it). */
export async function recordOf(
  tx: Db,
  domain: string,
  name: string,
): Promise<AppliedMigration | undefined> {
  const row = await tx.queryOne<RecordRow>(
    `SELECT ${COLUMNS} FROM ${MIGRATIONS_TABLE} WHERE domain = $1 AND name = $2`,
    [domain, name],
  );
  return row ? applied(row) : undefined;
}

/** Record a migration as applied. */
export async function record(tx: Db, m: AppliedMigration): Promise<void> {
  await tx.execute(
    `INSERT INTO ${MIGRATIONS_TABLE} (${COLUMNS}) VALUES ($1, $2, $3, $4)`,
    [m.domain, m.name, m.checksum, m.appliedAt],
  );
}

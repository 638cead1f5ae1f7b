/**
 * The transactional outbox the db tool offers the event bus ({@link Outbox} in `@core`): an event
 * published inside `db.transaction` is written to `_microcore_outbox` on that transaction's
 * connection, so it commits with the data or not at all; after the COMMIT the listeners get the
 * transaction's records (the bus sends them), and {@link DbOutbox.pending} finds what a crash or a
 * broker outage left behind.
 *
 * Several instances on one PostgreSQL: `pending` may hand the same rows to two instances that
 * poll at the same moment (no row locks are taken), so an event can be sent twice. That is within
 * the at-least-once promise: consumers remove duplicates by event id.
 * @module
 */
import type { LogSink, Outbox, OutboxRecord } from "@core";
import type { Database } from "./database.ts";
import { isDbError } from "./errors.ts";

/** The outbox table (hidden from `describeSchema` like every `_microcore_` table). */
export const OUTBOX_TABLE = "_microcore_outbox";

const COLUMNS = "(id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at BIGINT NOT NULL)";
/**
 * The table per engine. SQLite: one b-tree (keyed by id, no index on `created_at`), since a
 * commit there costs about one page write per b-tree it touches; `pending` scans the table,
 * which holds only what is not yet sent. PostgreSQL, where a commit costs round trips: an index
 * on `created_at` for `pending`.
 */
const CREATE: Record<string, string> = {
  sqlite: `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} ${COLUMNS} WITHOUT ROWID`,
  postgres: `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} ${COLUMNS};
CREATE INDEX IF NOT EXISTS ${OUTBOX_TABLE}_created ON ${OUTBOX_TABLE} (created_at)`,
};
const INSERT = `INSERT INTO ${OUTBOX_TABLE} (id, body, created_at) VALUES ($1, $2, $3)`;
const PENDING = `SELECT id, body FROM ${OUTBOX_TABLE} WHERE created_at <= $1 ` +
  `ORDER BY created_at, id LIMIT $2`;
/** `remove` deletes with a few statement shapes only (padded), so few statements get prepared. */
const REMOVE_SIZES = [1, 4, 16, 64];
const REMOVE = new Map(REMOVE_SIZES.map((n) => [
  n,
  `DELETE FROM ${OUTBOX_TABLE} WHERE id IN (${
    Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ")
  })`,
]));
const MAX_REMOVE = REMOVE_SIZES[REMOVE_SIZES.length - 1];

/** Whether the outbox table is there (in the connection's schema). */
async function exists(db: Database): Promise<boolean> {
  try {
    await db.query(`SELECT id FROM ${OUTBOX_TABLE} WHERE 1 = 0`);
    return true;
  } catch (e) {
    if (isDbError(e, "undefined_table")) return false;
    throw e;
  }
}

/** What one transaction or savepoint enlisted: its records and their writes. */
export class TxOutbox {
  /** The records in the order enlisted; a released savepoint's join its parent's. */
  readonly records: OutboxRecord[] = [];
  /** Each write resolves to nothing, or to its failure: none rejects unobserved. */
  readonly #writes: Promise<{ error: unknown } | undefined>[] = [];

  /** Keep `record` and start `write` now. Returns `true`. */
  add(record: OutboxRecord, write: () => unknown): true {
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(write());
    } catch (e) {
      p = Promise.reject(e);
    }
    this.#writes.push(p.then(() => undefined, (error: unknown) => ({ error })));
    this.records.push(record);
    return true;
  }

  /** Wait for every write; throw the first failure. */
  async written(): Promise<void> {
    for (const w of await Promise.all(this.#writes)) if (w !== undefined) throw w.error;
  }

  /** Wait for every write, failed or not. */
  async settled(): Promise<void> {
    await Promise.all(this.#writes);
  }
}

/** The db tool's {@link Outbox}: usable once {@link DbOutbox.attach} ran. */
export class DbOutbox implements Outbox {
  #db: Database | undefined;
  #log: LogSink | undefined;
  readonly #listeners: ((records: readonly OutboxRecord[]) => void)[] = [];

  /**
   * Create the table (in the connection's schema) if missing and follow `db`'s commits. A table
   * that exists is left alone, so a database user without CREATE rights can use one made before
   * (PostgreSQL may refuse even `CREATE TABLE IF NOT EXISTS` to such a user).
   */
  async attach(db: Database, log: LogSink): Promise<void> {
    for (let attempt = 1; !await exists(db); attempt++) {
      try {
        await db.exec(CREATE[db.driver.kind] ?? CREATE.postgres);
        break;
      } catch (e) {
        // Two PostgreSQL clients creating the same table at once: one gets a duplicate key in
        // the catalog; by the next try the table exists.
        if (attempt >= 3 || !isDbError(e, "unique_violation")) throw e;
      }
    }
    this.#db = db;
    this.#log = log;
    db.onCommitted = (records) => this.#committed(records);
  }

  /**
   * Inside a `db.transaction` of the caller's async flow: write `record` in it and return `true`
   * (the transaction waits for the write before COMMIT and fails if it failed). Outside one, or
   * before the tool is set up: `false`, nothing written.
   */
  enlist(record: OutboxRecord): boolean {
    const db = this.#db;
    if (db === undefined) return false;
    return db.enlist(record, (s) => s.execute(INSERT, [record.id, record.body, Date.now()]));
  }

  /** Call `listener` with each transaction's records after its COMMIT (never on rollback). */
  onCommit(listener: (records: readonly OutboxRecord[]) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * At most `limit` records written at least `olderThanMs` ago (by this machine's clock) and not
   * removed, oldest first. Committed rows only; on PostgreSQL two instances may get the same.
   */
  async pending(limit: number, olderThanMs: number): Promise<OutboxRecord[]> {
    const rows = await this.#api().query<OutboxRecord>(PENDING, [
      Math.floor(Date.now() - olderThanMs),
      Math.max(0, Math.floor(limit)),
    ]);
    return rows.map(({ id, body }) => ({ id, body }));
  }

  /** Delete the records with these ids (unknown ids are ignored). */
  async remove(ids: readonly string[]): Promise<void> {
    const db = this.#api();
    for (let i = 0; i < ids.length; i += MAX_REMOVE) {
      const chunk = ids.slice(i, i + MAX_REMOVE);
      const size = REMOVE_SIZES.find((n) => n >= chunk.length)!;
      const params = Array.from({ length: size }, (_, j) => chunk[Math.min(j, chunk.length - 1)]);
      await db.execute(REMOVE.get(size)!, params);
    }
  }

  #api(): Database {
    if (this.#db === undefined) throw new Error("db tool is not set up");
    return this.#db;
  }

  #committed(records: OutboxRecord[]): void {
    Object.freeze(records);
    for (const listener of this.#listeners) {
      try {
        listener(records);
      } catch (e) {
        this.#log?.error("db: an outbox commit listener threw", {
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }
}

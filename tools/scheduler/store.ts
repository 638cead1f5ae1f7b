/**
 * The scheduler's two tables, kept in the app's database through the db tool (created at setup
 * like the db tool's outbox: `CREATE TABLE IF NOT EXISTS` in the connection's schema):
 *
 * - `_microcore_schedules`: one row per scheduled job (`<plugin id>:<name>`), the last slot
 *   claimed and until when its run holds it. An instance runs a slot only if it moved `slot`
 *   forward itself, in one conditional UPDATE, and only while no run holds the row: one run per
 *   slot across instances, and no overlap across instances. A compare-and-set rather than a
 *   lock: a lock alone would let a second instance, a moment late, run the slot again once the
 *   first let go.
 * - `_microcore_jobs`: background jobs. A claim moves due rows to `running` with a lease
 *   (`run_at` = now + lease), so a job whose instance died is due again once the lease passed
 *   (at least once through `kill -9`). PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so
 *   instances polling at once take different rows; SQLite runs the claim as one statement,
 *   which its write lock makes atomic across processes. Done jobs are deleted; failed ones wait
 *   (`queued`, backoff) or stay `dead` with their last error.
 * @module
 */

/** What the store needs of the db tool's API (the `Database` the db tool hands plugins). */
export interface SqlDb {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  execute(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  exec(script: string): Promise<void>;
  readonly driver: { readonly kind: string };
}

/** The schedules table (hidden from `describeSchema` like every `_microcore_` table). */
export const SCHEDULES_TABLE = "_microcore_schedules";
/** The background jobs table. */
export const JOBS_TABLE = "_microcore_jobs";

const S = SCHEDULES_TABLE;
const J = JOBS_TABLE;

const CREATE = (kind: string) => [
  `CREATE TABLE IF NOT EXISTS ${S} (key TEXT PRIMARY KEY, slot BIGINT NOT NULL, ` +
  `busy_until BIGINT NOT NULL, holder TEXT)`,
  `CREATE TABLE IF NOT EXISTS ${J} (id TEXT PRIMARY KEY, name TEXT NOT NULL, payload TEXT NOT NULL, ` +
  `state TEXT NOT NULL, run_at BIGINT NOT NULL, attempts INTEGER NOT NULL, ` +
  `max_attempts INTEGER NOT NULL, enqueued_at BIGINT NOT NULL, holder TEXT, last_error TEXT)` +
  (kind === "sqlite" ? " WITHOUT ROWID" : ""),
  `CREATE INDEX IF NOT EXISTS ${J}_due ON ${J} (name, run_at) WHERE state <> 'dead'`,
  `CREATE INDEX IF NOT EXISTS ${J}_dead ON ${J} (name, enqueued_at) WHERE state = 'dead'`,
];

/** One claimed job. */
export interface JobRow {
  id: string;
  name: string;
  payload: string;
  attempts: number;
  max_attempts: number;
  enqueued_at: number;
}

/** Jobs per name and state, for the status. */
export interface Depth {
  queued: number;
  running: number;
  dead: number;
}

/** The scheduler's rows in one database. */
export class JobStore {
  readonly #db: SqlDb;
  readonly #kind: string;
  readonly #known = new Set<string>();
  readonly #claim: string;

  constructor(db: SqlDb) {
    this.#db = db;
    this.#kind = db.driver.kind;
    const lock = this.#kind === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
    this.#claim = `UPDATE ${J} SET state = 'running', run_at = $1, attempts = attempts + 1, ` +
      `holder = $2 WHERE id IN (SELECT id FROM ${J} WHERE name = $3 AND state <> 'dead' ` +
      `AND run_at <= $4 ORDER BY run_at LIMIT $5${lock}) ` +
      `RETURNING id, name, payload, attempts, max_attempts, enqueued_at`;
  }

  /** The engine (`sqlite`, `postgres`). */
  get kind(): string {
    return this.#kind;
  }

  /** Create the tables if missing (two instances at once: the loser retries). */
  async attach(): Promise<void> {
    for (const sql of CREATE(this.#kind)) {
      for (let attempt = 1;; attempt++) {
        try {
          await this.#db.exec(sql);
          break;
        } catch (e) {
          // PostgreSQL: two clients creating the same table at once; one gets a duplicate key.
          if (attempt >= 3 || !/duplicate key|already exists/i.test(String(e))) throw e;
        }
      }
    }
  }

  /**
   * Take `slot` of schedule `key` for `holder` until `busyUntil`, if no one took it (or a later
   * one) and no run holds the row. Returns whether this caller got it.
   */
  async claimSlot(
    key: string,
    slot: number,
    now: number,
    busyUntil: number,
    holder: string,
  ): Promise<boolean> {
    if (!this.#known.has(key)) {
      await this.#db.execute(
        `INSERT INTO ${S} (key, slot, busy_until) VALUES ($1, 0, 0) ON CONFLICT (key) DO NOTHING`,
        [key],
      );
      this.#known.add(key);
    }
    const { changes } = await this.#db.execute(
      `UPDATE ${S} SET slot = $2, busy_until = $3, holder = $4 ` +
        `WHERE key = $1 AND slot < $2 AND busy_until <= $5`,
      [key, slot, busyUntil, holder, now],
    );
    return changes === 1;
  }

  /** Keep holding schedule `key` until `until` (a long run). */
  async renewSlot(key: string, holder: string, until: number): Promise<void> {
    await this.#db.execute(`UPDATE ${S} SET busy_until = $3 WHERE key = $1 AND holder = $2`, [
      key,
      holder,
      until,
    ]);
  }

  /** The run of schedule `key` by `holder` ended: others may take the next slot. */
  async freeSlot(key: string, holder: string): Promise<void> {
    await this.#db.execute(`UPDATE ${S} SET busy_until = 0 WHERE key = $1 AND holder = $2`, [
      key,
      holder,
    ]);
  }

  /** Add a job; an id already there is left alone. */
  async insert(
    id: string,
    name: string,
    payload: string,
    runAt: number,
    maxAttempts: number,
    now: number,
  ): Promise<void> {
    await this.#db.execute(
      `INSERT INTO ${J} (id, name, payload, state, run_at, attempts, max_attempts, enqueued_at) ` +
        `VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [id, name, payload, runAt, maxAttempts, now],
    );
  }

  /**
   * Take at most `limit` due jobs of `name` (the longest due first) for `holder` until
   * `leaseUntil`; returned oldest enqueued first (PostgreSQL's RETURNING keeps no order).
   */
  async claim(
    name: string,
    limit: number,
    now: number,
    leaseUntil: number,
    holder: string,
  ): Promise<JobRow[]> {
    const rows = await this.#db.query<JobRow>(this.#claim, [leaseUntil, holder, name, now, limit]);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      payload: r.payload,
      attempts: Number(r.attempts),
      max_attempts: Number(r.max_attempts),
      enqueued_at: Number(r.enqueued_at),
    })).sort((a, b) => a.enqueued_at - b.enqueued_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The job ran: forget it (unless another holder took it over meanwhile). */
  async done(id: string, holder: string): Promise<void> {
    await this.#db.execute(`DELETE FROM ${J} WHERE id = $1 AND holder = $2`, [id, holder]);
  }

  /** The attempt failed: due again at `retryAt`, or dead (kept) when `retryAt` is undefined. */
  async failed(id: string, holder: string, error: string, retryAt?: number): Promise<void> {
    if (retryAt === undefined) {
      await this.#db.execute(
        `UPDATE ${J} SET state = 'dead', last_error = $3, holder = NULL ` +
          `WHERE id = $1 AND holder = $2`,
        [id, holder, error],
      );
    } else {
      await this.#db.execute(
        `UPDATE ${J} SET state = 'queued', run_at = $3, last_error = $4, holder = NULL ` +
          `WHERE id = $1 AND holder = $2`,
        [id, holder, retryAt, error],
      );
    }
  }

  /** Give running job `id` back (this instance stops): due again at `now` for any instance. */
  async giveBack(id: string, holder: string, now: number): Promise<void> {
    await this.#db.execute(
      `UPDATE ${J} SET state = 'queued', run_at = $3, holder = NULL ` +
        `WHERE id = $1 AND holder = $2 AND state = 'running'`,
      [id, holder, now],
    );
  }

  /** Keep the lease of running job `id` until `until`. */
  async renew(id: string, holder: string, until: number): Promise<void> {
    await this.#db.execute(
      `UPDATE ${J} SET run_at = $3 WHERE id = $1 AND holder = $2 AND state = 'running'`,
      [id, holder, until],
    );
  }

  /** Jobs per name and state. */
  async depth(): Promise<Map<string, Depth>> {
    const rows = await this.#db.query<{ name: string; state: string; n: number }>(
      `SELECT name, state, COUNT(*) AS n FROM ${J} GROUP BY name, state`,
    );
    const out = new Map<string, Depth>();
    for (const r of rows) {
      let d = out.get(r.name);
      if (!d) out.set(r.name, d = { queued: 0, running: 0, dead: 0 });
      if (r.state === "queued" || r.state === "running" || r.state === "dead") {
        d[r.state] += Number(r.n);
      }
    }
    return out;
  }

  /** The earliest time a waiting job becomes due after `now`, if any (the test clock steps to it). */
  async nextAfter(now: number): Promise<number | undefined> {
    const [row] = await this.#db.query<{ t: number | null }>(
      `SELECT MIN(run_at) AS t FROM ${J} WHERE state <> 'dead' AND run_at > $1`,
      [now],
    );
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }

  /** Jobs of `name` not yet done nor dead, oldest first. */
  queued(
    name: string,
  ): Promise<{ id: string; payload: string; attempts: number; run_at: number }[]> {
    return this.#db.query(
      `SELECT id, payload, attempts, run_at FROM ${J} WHERE name = $1 AND state <> 'dead' ` +
        `ORDER BY run_at, id`,
      [name],
    );
  }

  /** Dead jobs of `name`, newest first. */
  dead(name: string, limit: number): Promise<
    {
      id: string;
      name: string;
      payload: string;
      attempts: number;
      last_error: string | null;
      enqueued_at: number;
    }[]
  > {
    return this.#db.query(
      `SELECT id, name, payload, attempts, last_error, enqueued_at FROM ${J} ` +
        `WHERE name = $1 AND state = 'dead' ORDER BY enqueued_at DESC, id LIMIT $2`,
      [name, limit],
    );
  }
}

/**
 * The plugin-facing database API on top of a {@link Driver}: async methods, transactions with
 * savepoints, and serialization of transactions on single-connection engines.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DbError } from "./errors.ts";
import { Gate } from "./gate.ts";
import type { Driver, ExecResult, Params, Row, SchemaTable, Session, TxSession } from "./types.ts";

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
 * import type { DbTool } from "@tools/db/mod.ts";
 *
 * export default class CreateProduct extends BasePlugin {
 *   constructor(private db: DbTool) {
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
export interface DbTool {
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
   * `lastInsertRowid` is SQLite's; prefer `INSERT … RETURNING id` with {@link DbTool.queryOne}
   * for code that must also run on PostgreSQL.
   * @example
   * ```ts
   * const { changes } = await db.execute("DELETE FROM carts WHERE updated_at < $1", [cutoff]);
   * ```
   */
  execute(sql: string, params?: Params): Promise<ExecResult>;
  /**
   * Run one statement once per parameter list, all in one transaction (all or nothing).
   * Returns the total `changes` and the last `lastInsertRowid`.
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
  transaction<T>(fn: (tx: DbTool) => T | Promise<T>): Promise<T>;
  /** The live tables and their columns (internal `_microcore_*` tables excluded). */
  describeSchema(): Promise<SchemaTable[]>;
}

const closedError = () =>
  new DbError("transaction already ended: use the tx handle only inside its callback", {
    kind: "transaction_closed",
  });

/** Promise of a value that may already be there; sync throws become rejections. */
function settle<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}

/** One open transaction or savepoint. Also the `tx` handle given to the callback. */
class Tx implements DbTool {
  open = true;
  /** Serializes nested transactions (savepoints) opened inside this one. */
  readonly gate = new Gate();
  savepoints = 0;

  constructor(
    readonly db: Database,
    readonly session: Session,
    readonly parent: Tx | undefined,
    readonly depth: number,
  ) {}

  query<T = Row>(sql: string, params?: Params): Promise<T[]> {
    if (!this.open) return Promise.reject(closedError());
    try {
      return Promise.resolve(this.session.query(sql, params) as T[] | Promise<T[]>);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  queryOne<T = Row>(sql: string, params?: Params): Promise<T | null> {
    if (!this.open) return Promise.reject(closedError());
    try {
      return Promise.resolve(this.session.queryOne(sql, params) as T | null | Promise<T | null>);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  execute(sql: string, params?: Params): Promise<ExecResult> {
    if (!this.open) return Promise.reject(closedError());
    try {
      return Promise.resolve(this.session.execute(sql, params));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  executeMany(sql: string, rows: readonly Params[]): Promise<ExecResult> {
    if (!this.open) return Promise.reject(closedError());
    return this.transaction((tx) => (tx as Tx).session.executeMany(sql, rows));
  }

  /** Run a parameterless script (migrations). */
  exec(script: string): Promise<void> {
    if (!this.open) return Promise.reject(closedError());
    return settle(() => this.session.exec(script));
  }

  transaction<T>(fn: (tx: DbTool) => T | Promise<T>): Promise<T> {
    if (!this.open) return Promise.reject(closedError());
    return this.db.nested(this, fn);
  }

  describeSchema(): Promise<SchemaTable[]> {
    return this.db.describeSchema();
  }
}

/** The nearest transaction of the current async flow that is still open. */
function liveTx(tx: Tx | undefined): Tx | undefined {
  while (tx !== undefined && !tx.open) tx = tx.parent;
  return tx;
}

/** {@link DbTool} over a driver. */
export class Database implements DbTool {
  readonly #driver: Driver;
  /** Held by a top-level transaction on a single-connection driver. */
  readonly #gate = new Gate();
  readonly #als = new AsyncLocalStorage<Tx>();
  /** Top-level transactions open now; when 0 the hot path skips the async-context lookup. */
  #openTx = 0;
  #closed = false;

  constructor(driver: Driver) {
    this.#driver = driver;
  }

  /** The engine behind this API. */
  get driver(): Driver {
    return this.#driver;
  }

  #current(): Tx | undefined {
    return this.#openTx === 0 ? undefined : liveTx(this.#als.getStore());
  }

  /** Run `f` on the driver once no transaction of another async flow holds the connection. */
  #queued<T>(f: () => T | Promise<T>): Promise<T> {
    return this.#gate.acquire().then(async () => {
      try {
        return await f();
      } finally {
        this.#gate.release();
      }
    });
  }

  query<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const tx = this.#current();
    if (tx !== undefined) return tx.query<T>(sql, params);
    if (this.#gate.locked) return this.#queued(() => this.#driver.query(sql, params) as T[]);
    try {
      return Promise.resolve(this.#driver.query(sql, params) as T[] | Promise<T[]>);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  queryOne<T = Row>(sql: string, params?: Params): Promise<T | null> {
    const tx = this.#current();
    if (tx !== undefined) return tx.queryOne<T>(sql, params);
    if (this.#gate.locked) return this.#queued(() => this.#driver.queryOne(sql, params) as T);
    try {
      return Promise.resolve(this.#driver.queryOne(sql, params) as T | null | Promise<T | null>);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  execute(sql: string, params?: Params): Promise<ExecResult> {
    const tx = this.#current();
    if (tx !== undefined) return tx.execute(sql, params);
    if (this.#gate.locked) return this.#queued(() => this.#driver.execute(sql, params));
    try {
      return Promise.resolve(this.#driver.execute(sql, params));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  executeMany(sql: string, rows: readonly Params[]): Promise<ExecResult> {
    if (rows.length === 0) return Promise.resolve({ changes: 0, lastInsertRowid: 0 });
    return this.transaction((tx) => (tx as Tx).session.executeMany(sql, rows));
  }

  describeSchema(): Promise<SchemaTable[]> {
    const tx = this.#current();
    const p = tx !== undefined || !this.#gate.locked
      ? settle(() => this.#driver.describeSchema())
      : this.#queued(() => this.#driver.describeSchema());
    return p.then((tables) => tables.filter((t) => !t.name.startsWith("_microcore_")));
  }

  /** Run a parameterless script (DDL) in its own transaction. Used by migrations. */
  exec(script: string): Promise<void> {
    return this.transaction((tx) => (tx as Tx).exec(script));
  }

  transaction<T>(fn: (tx: DbTool) => T | Promise<T>): Promise<T> {
    const tx = this.#current();
    if (tx !== undefined) return this.nested(tx, fn);
    return this.#topLevel(fn);
  }

  async #topLevel<T>(fn: (tx: DbTool) => T | Promise<T>): Promise<T> {
    if (this.#closed) throw new DbError("database is closed", { kind: "connection" });
    const driver = this.#driver;
    const exclusive = driver.exclusive;
    if (exclusive) await this.#gate.acquire();
    let session: TxSession | undefined;
    this.#openTx++;
    try {
      session = await driver.reserve();
      await session.exec(driver.beginSql);
      const tx = new Tx(this, session, undefined, 0);
      let result: T;
      try {
        result = await this.#als.run(tx, () => fn(tx));
      } catch (e) {
        tx.open = false;
        try {
          await session.exec("ROLLBACK");
        } catch { /* the original error matters */ }
        throw e;
      }
      tx.open = false;
      try {
        await session.exec("COMMIT");
      } catch (e) {
        try {
          await session.exec("ROLLBACK");
        } catch { /* already rolled back */ }
        throw e;
      }
      return result;
    } finally {
      this.#openTx--;
      try {
        await session?.release();
      } finally {
        if (exclusive) this.#gate.release();
      }
    }
  }

  /** A savepoint inside `parent` (internal; reached through `transaction`). */
  async nested<T>(parent: Tx, fn: (tx: DbTool) => T | Promise<T>): Promise<T> {
    await parent.gate.acquire();
    try {
      if (!parent.open) throw closedError();
      const session = parent.session;
      const name = `microcore_sp_${parent.depth + 1}_${++parent.savepoints}`;
      await session.exec(`SAVEPOINT ${name}`);
      const child = new Tx(this, session, parent, parent.depth + 1);
      let result: T;
      try {
        result = await this.#als.run(child, () => fn(child));
      } catch (e) {
        child.open = false;
        try {
          await session.exec(`ROLLBACK TO SAVEPOINT ${name}`);
          await session.exec(`RELEASE SAVEPOINT ${name}`);
        } catch { /* the original error matters */ }
        throw e;
      }
      child.open = false;
      await session.exec(`RELEASE SAVEPOINT ${name}`);
      return result;
    } finally {
      parent.gate.release();
    }
  }

  /**
   * Wait (at most `timeoutMs`) for the transaction holding the connection, then close the
   * driver. Later calls fail with kind `connection`. Safe to call twice.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#driver.exclusive && this.#gate.locked) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#gate.acquire().then(() => this.#gate.release()),
        new Promise<void>((r) => timer = setTimeout(r, timeoutMs)),
      ]);
      clearTimeout(timer);
    }
    await this.#driver.close();
  }
}

/**
 * The plugin-facing database API on top of a {@link Driver}: async methods, transactions with
 * savepoints, and serialization of transactions on single-connection engines.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { settleWithin } from "@core";
import { DbError } from "./errors.ts";
import { Gate } from "./gate.ts";
import type { Driver, Session, TxSession } from "./driver.ts";
import type { Db, ExecResult, Params, Row, SchemaTable } from "./types.ts";

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
class Tx implements Db {
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

  transaction<T>(fn: (tx: Db) => T | Promise<T>): Promise<T> {
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

/** {@link Db} over a driver. */
export class Database implements Db {
  readonly #driver: Driver;
  /** Held by a top-level transaction on a single-connection driver. */
  readonly #gate = new Gate();
  readonly #als = new AsyncLocalStorage<Tx>();
  /** Top-level transactions open now; when 0 the hot path skips the async-context lookup. */
  #openTx = 0;
  #closed = false;

  /** The API over `driver`, which it closes in {@link Database.close}. */
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

  transaction<T>(fn: (tx: Db) => T | Promise<T>): Promise<T> {
    const tx = this.#current();
    if (tx !== undefined) return this.nested(tx, fn);
    return this.#topLevel(fn);
  }

  async #topLevel<T>(fn: (tx: Db) => T | Promise<T>): Promise<T> {
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
  async nested<T>(parent: Tx, fn: (tx: Db) => T | Promise<T>): Promise<T> {
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
      await settleWithin(this.#gate.acquire().then(() => this.#gate.release()), timeoutMs);
    }
    await this.#driver.close();
  }
}

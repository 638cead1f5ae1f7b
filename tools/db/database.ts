/**
 * The plugin-facing database API on top of a {@link Driver}: async methods, transactions with
 * savepoints, and serialization of transactions on single-connection engines.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type OutboxRecord, settleWithin } from "@core";
import { DbError } from "./errors.ts";
import { Gate } from "./gate.ts";
import { TxOutbox } from "./outbox.ts";
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
  /** What was enlisted in it ({@link Database.enlist}), if anything. */
  outbox: TxOutbox | undefined;

  constructor(
    readonly db: Database,
    readonly session: Session,
    readonly parent: Tx | undefined,
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
  /** Savepoints opened so far: each gets a name of its own. */
  #savepoints = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Gets the records of each top-level transaction after its COMMIT (set by the outbox). */
  onCommitted: ((records: OutboxRecord[]) => void) | undefined;

  /** The API over `driver`, which it closes in {@link Database.close}. */
  constructor(driver: Driver) {
    this.#driver = driver;
  }

  /** The engine behind this API. */
  get driver(): Driver {
    return this.#driver;
  }

  #current(): Tx | undefined {
    // Stryker disable next-line ConditionalExpression: the lookup gives undefined too when no transaction is open
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
    // Stryker disable next-line ConditionalExpression: an open gate is taken at once, so queueing gives the same result
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
    // Stryker disable next-line ConditionalExpression: an open gate is taken at once, so queueing gives the same result
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
    // Stryker disable next-line ConditionalExpression: an open gate is taken at once, so queueing gives the same result
    if (this.#gate.locked) return this.#queued(() => this.#driver.execute(sql, params));
    try {
      return Promise.resolve(this.#driver.execute(sql, params));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  executeMany(sql: string, rows: readonly Params[]): Promise<ExecResult> {
    if (rows.length === 0) return Promise.resolve({ changes: 0 });
    return this.transaction((tx) => (tx as Tx).session.executeMany(sql, rows));
  }

  describeSchema(): Promise<SchemaTable[]> {
    const p = this.#current() !== undefined
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

  /**
   * In a transaction of this async flow: run `write` on its connection, which it waits for before
   * it ends (a failed write fails it), keep `record` for {@link Database.onCommitted}, and return
   * `true`. Outside one: `false`, and `write` is not called.
   */
  enlist(record: OutboxRecord, write: (session: Session) => unknown): boolean {
    const tx = this.#current();
    return tx !== undefined && (tx.outbox ??= new TxOutbox()).add(record, () => write(tx.session));
  }

  async #topLevel<T>(fn: (tx: Db) => T | Promise<T>): Promise<T> {
    if (this.#closed) throw new DbError("database is closed", { kind: "connection" });
    const driver = this.#driver;
    const gate = driver.exclusive ? this.#gate : undefined;
    await gate?.acquire();
    let session: TxSession | undefined, committed: OutboxRecord[] | undefined;
    // Stryker disable next-line UpdateOperator: any count but 0 means "look the transaction up"
    this.#openTx++;
    try {
      session = await driver.reserve();
      await session.exec(driver.beginSql);
      const tx = new Tx(this, session, undefined);
      let result: T;
      try {
        result = await this.#als.run(tx, () => fn(tx));
        tx.open = false;
        await tx.outbox?.written();
      } catch (e) {
        tx.open = false;
        await tx.outbox?.settled();
        try {
          await session.exec("ROLLBACK");
        } catch { /* the original error matters */ }
        throw e;
      }
      try {
        await session.exec("COMMIT");
      } catch (e) {
        try {
          await session.exec("ROLLBACK");
        } catch { /* already rolled back */ }
        throw e;
      }
      committed = tx.outbox?.records;
      return result;
    } finally {
      // Stryker disable next-line UpdateOperator: any count but 0 means "look the transaction up"
      this.#openTx--;
      try {
        await session?.release();
      } finally {
        gate?.release();
        if (committed !== undefined) this.onCommitted?.(committed);
      }
    }
  }

  /** A savepoint inside `parent` (internal; reached through `transaction`). */
  async nested<T>(parent: Tx, fn: (tx: Db) => T | Promise<T>): Promise<T> {
    await parent.gate.acquire();
    try {
      if (!parent.open) throw closedError();
      const session = parent.session;
      // Stryker disable next-line UpdateOperator: the names only need to differ from each other
      const name = `microcore_sp_${++this.#savepoints}`;
      await session.exec(`SAVEPOINT ${name}`);
      const child = new Tx(this, session, parent);
      let result: T;
      try {
        result = await this.#als.run(child, () => fn(child));
        child.open = false;
        await child.outbox?.written();
      } catch (e) {
        child.open = false;
        await child.outbox?.settled();
        try {
          await session.exec(`ROLLBACK TO SAVEPOINT ${name}`);
          // Stryker disable next-line StringLiteral: a savepoint left open is released with its transaction; this only frees it sooner
          await session.exec(`RELEASE SAVEPOINT ${name}`);
        } catch { /* the original error matters */ }
        throw e;
      }
      await session.exec(`RELEASE SAVEPOINT ${name}`);
      if (child.outbox) (parent.outbox ??= new TxOutbox()).records.push(...child.outbox.records);
      return result;
    } finally {
      parent.gate.release();
    }
  }

  /**
   * Wait (at most `timeoutMs`) for the transaction holding the connection, then close the
   * driver. Later calls fail with kind `connection`. Calling it again returns the same wait.
   */
  close(timeoutMs = 5000): Promise<void> {
    return this.#closing ??= this.#close(timeoutMs);
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    // The gate is held only by a transaction on a single-connection driver.
    await settleWithin(this.#gate.acquire().then(() => this.#gate.release()), timeoutMs);
    await this.#driver.close();
  }
}

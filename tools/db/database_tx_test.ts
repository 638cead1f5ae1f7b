/**
 * The plugin-facing API over SQLite: failures as rejections, waiting for another flow's
 * transaction, handles that outlive their transaction, commit failures, closing.
 * @module
 */
import assert from "node:assert/strict";
import { Database } from "./database.ts";
import { isDbError } from "./errors.ts";
import { SqliteDriver } from "./sqlite_driver.ts";
import type { Db } from "./types.ts";

async function withDb(fn: (db: Database) => Promise<void>): Promise<void> {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  try {
    await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    await fn(db);
  } finally {
    await db.close();
  }
}

/** A promise and the function that resolves it. */
function latch(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => open = r);
  return { wait, open };
}

const names = async (db: Db) =>
  (await db.query<{ name: string }>("SELECT name FROM items ORDER BY id")).map((r) => r.name);

const CLOSED = "transaction already ended: use the tx handle only inside its callback";
const isClosed = (e: unknown) => isDbError(e, "transaction_closed") && e.message === CLOSED;

/** `call()` returns a promise (it does not throw) and that promise rejects with a syntax error. */
async function rejectsWithSyntaxError(call: () => Promise<unknown>): Promise<void> {
  let p: Promise<unknown> | undefined;
  assert.doesNotThrow(() => p = call());
  assert.ok(p instanceof Promise);
  await assert.rejects(p, (e) => isDbError(e, "syntax_error"));
}

Deno.test("db: a failing statement is a rejected promise, never a synchronous throw", async () => {
  await withDb(async (db) => {
    await rejectsWithSyntaxError(() => db.query("SELEC 1"));
    await rejectsWithSyntaxError(() => db.queryOne("SELEC 1"));
    await rejectsWithSyntaxError(() => db.execute("SELEC 1"));
    await db.transaction(async (tx) => {
      await rejectsWithSyntaxError(() => tx.query("SELEC 1"));
      await rejectsWithSyntaxError(() => tx.queryOne("SELEC 1"));
      await rejectsWithSyntaxError(() => tx.execute("SELEC 1"));
      await rejectsWithSyntaxError(() => tx.executeMany("SELEC $1", [[1]]));
    });
  });
});

Deno.test("db: reads from another flow wait for a transaction and see only what it committed", async () => {
  await withDb(async (db) => {
    const hold = latch(), started = latch();
    const log: string[] = [];
    const tx = db.transaction(async (t) => {
      await t.execute("INSERT INTO items (name) VALUES ('in tx')");
      started.open();
      await hold.wait;
      log.push("commit");
    });
    await started.wait;
    const reads = [
      db.query<{ name: string }>("SELECT name FROM items").then((r) => {
        log.push("query");
        return r.map((x) => x.name);
      }),
      db.queryOne<{ n: number }>("SELECT count(*) AS n FROM items").then((r) => {
        log.push("queryOne");
        return r?.n;
      }),
      db.describeSchema().then((s) => {
        log.push("describeSchema");
        return s.map((t) => t.name);
      }),
    ];
    const failing = db.query("SELEC").catch((
      e,
    ) => (log.push("failed"), isDbError(e, "syntax_error")));
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(log, []);
    hold.open();
    await tx;
    assert.deepEqual(await Promise.all(reads), [["in tx"], 1, ["items"]]);
    assert.equal(await failing, true);
    assert.deepEqual(log, ["commit", "query", "queryOne", "describeSchema", "failed"]);
    // the failed queued statement gave the connection back
    assert.deepEqual(await names(db), ["in tx"]);
  });
});

Deno.test("db: describeSchema inside a transaction sees the transaction's tables", async () => {
  await withDb(async (db) => {
    const seen = await db.transaction(async (tx) => {
      await tx.execute("CREATE TABLE more (x)");
      return [(await tx.describeSchema()).map((t) => t.name), (await db.describeSchema()).length];
    });
    assert.deepEqual(seen, [["items", "more"], 2]);
  });
});

Deno.test("db: every method of a handle whose transaction ended is refused", async () => {
  await withDb(async (db) => {
    let committed!: Db, failed!: Db;
    await db.transaction((tx) => {
      committed = tx;
    });
    await assert.rejects(
      db.transaction((tx) => {
        failed = tx;
        throw new Error("boom");
      }),
      /boom/,
    );
    for (const tx of [committed, failed]) {
      await assert.rejects(tx.query("SELECT 1"), isClosed);
      await assert.rejects(tx.queryOne("SELECT 1"), isClosed);
      await assert.rejects(tx.execute("INSERT INTO items (name) VALUES ('x')"), isClosed);
      await assert.rejects(
        tx.executeMany("INSERT INTO items (name) VALUES ($1)", [["y"]]),
        isClosed,
      );
      await assert.rejects(tx.transaction(() => 1), isClosed);
      // the script runner migrations use
      await assert.rejects((tx as unknown as Database).exec("DROP TABLE items"), isClosed);
    }
    assert.deepEqual(await names(db), []);
  });
});

Deno.test("db: a savepoint still waiting when its transaction ends is refused", async () => {
  await withDb(async (db) => {
    let first!: Promise<unknown>, second!: Promise<unknown>;
    await db.transaction((tx) => {
      first = tx.transaction(() => new Promise((r) => setTimeout(r, 5)));
      second = tx.transaction((t) => t.execute("INSERT INTO items (name) VALUES ('late')"));
    });
    await first.catch(() => {});
    await assert.rejects(second, isClosed);
    assert.deepEqual(await names(db), []);
  });
});

Deno.test("db: executeMany inside a transaction is a savepoint of its own", async () => {
  await withDb(async (db) => {
    await db.transaction(async (tx) => {
      await tx.execute("INSERT INTO items (name) VALUES ('a')");
      await assert.rejects(
        tx.executeMany("INSERT INTO items (name) VALUES ($1)", [["b"], ["a"]]),
        (e) => isDbError(e, "unique_violation"),
      );
      assert.deepEqual(
        await tx.executeMany("INSERT INTO items (name) VALUES ($1)", [["c"], ["d"]]),
        {
          changes: 2,
          lastInsertRowid: 3,
        },
      );
    });
    assert.deepEqual(await names(db), ["a", "c", "d"]);
  });
});

Deno.test("db: work a savepoint started that outlives it joins the enclosing transaction", async () => {
  await withDb(async (db) => {
    let late!: Promise<unknown>;
    await assert.rejects(
      db.transaction(async () => {
        await db.transaction(() => {
          late = (async () => {
            await new Promise((r) => setTimeout(r, 1));
            return db.execute("INSERT INTO items (name) VALUES ('late')");
          })();
        });
        await late; // runs after the savepoint was released, inside the outer transaction
        assert.deepEqual(await names(db), ["late"]);
        throw new Error("roll back the outer one");
      }),
      /roll back the outer one/,
    );
    assert.deepEqual(await names(db), []);
  });
});

Deno.test("db: a commit that fails (deferred foreign key) rolls back and rejects", async () => {
  await withDb(async (db) => {
    await db.execute(
      "CREATE TABLE parts (id INTEGER PRIMARY KEY, " +
        "item_id INTEGER REFERENCES items(id) DEFERRABLE INITIALLY DEFERRED)",
    );
    let reached = false;
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute("INSERT INTO items (name) VALUES ('kept?')");
        await tx.execute("INSERT INTO parts (item_id) VALUES (99)");
        reached = true;
      }),
      (e) => isDbError(e, "foreign_key_violation"),
    );
    assert.equal(reached, true);
    assert.deepEqual(await names(db), []);
    // the connection is usable again: the next transaction commits
    await db.transaction((tx) => tx.execute("INSERT INTO items (name) VALUES ('next')"));
    assert.deepEqual(await names(db), ["next"]);
  });
});

Deno.test("db: executeMany of no rows does nothing and does not wait for a transaction", async () => {
  await withDb(async (db) => {
    const hold = latch();
    const tx = db.transaction(() => hold.wait);
    assert.deepEqual(await db.executeMany("INSERT INTO items (name) VALUES ($1)", []), {
      changes: 0,
    });
    hold.open();
    await tx;
  });
});

Deno.test("db: close waits for the running transaction, refusing new ones meanwhile", async () => {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  await db.execute("CREATE TABLE t (x)");
  const log: string[] = [];
  const hold = latch();
  const tx = db.transaction(async (t) => {
    await hold.wait;
    await t.execute("INSERT INTO t VALUES (1)");
    log.push("tx done");
    return "value";
  });
  const closing = db.close().then(() => log.push("closed"));
  await assert.rejects(db.transaction(() => 1), (e) => {
    assert.ok(isDbError(e, "connection"));
    assert.equal(e.message, "database is closed");
    return true;
  });
  log.push("refused");
  hold.open();
  assert.equal(await tx, "value");
  await closing;
  assert.deepEqual(log, ["refused", "tx done", "closed"]);
  await assert.rejects(db.query("SELECT 1"), (e) => isDbError(e, "connection"));
});

Deno.test("db: close gives up waiting after its timeout", async () => {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  const hold = latch();
  const tx = db.transaction(async (t) => {
    await hold.wait;
    await t.query("SELECT 1");
  });
  const t0 = performance.now();
  await db.close(30);
  assert.ok(performance.now() - t0 < 1000);
  hold.open();
  await assert.rejects(tx, (e) => isDbError(e, "connection"));
});

Deno.test("db: a second close waits, like the first, until the database is closed", async () => {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  const hold = latch();
  const tx = db.transaction(() => hold.wait);
  const log: string[] = [];
  const first = db.close().then(() => log.push("first"));
  const second = db.close().then(() => log.push("second"));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(log, []);
  hold.open();
  await tx;
  await Promise.all([first, second]);
  assert.deepEqual(log, ["first", "second"]);
  await assert.rejects(db.query("SELECT 1"), (e) => isDbError(e, "connection"));
});

Deno.test("db: every method of a closed database rejects (never throws)", async () => {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  await db.close();
  const calls: (() => Promise<unknown>)[] = [
    () => db.query("SELECT 1"),
    () => db.queryOne("SELECT 1"),
    () => db.execute("SELECT 1"),
    () => db.executeMany("SELECT $1", [[1]]),
    () => db.transaction(() => 1),
    () => db.describeSchema(),
  ];
  for (const call of calls) {
    let p: Promise<unknown> | undefined;
    assert.doesNotThrow(() => p = call());
    await assert.rejects(p!, (e) => isDbError(e, "connection"));
  }
});

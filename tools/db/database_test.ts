/**
 * The plugin-facing API over SQLite: statements, transactions and savepoints, typed errors.
 * @module
 */
import assert from "node:assert/strict";
import { Database } from "./database.ts";
import { DbError, isDbError } from "./errors.ts";
import { SqliteDriver } from "./sqlite_driver.ts";

function open(): Database {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  return db;
}

async function withDb(fn: (db: Database) => Promise<void>): Promise<void> {
  const db = open();
  try {
    await db.execute(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER CHECK (qty >= 0))",
    );
    await fn(db);
  } finally {
    await db.close();
  }
}

Deno.test("db: execute, query, queryOne with bound $N params", async () => {
  await withDb(async (db) => {
    const r = await db.execute("INSERT INTO items (name, qty) VALUES ($1, $2)", ["a", 1]);
    assert.deepEqual({ ...r }, { changes: 1, lastInsertRowid: 1 });
    await db.execute("INSERT INTO items (name, qty) VALUES ($2, $1)", [2, "b"]);
    const rows = await db.query<{ name: string; qty: number }>(
      "SELECT name, qty FROM items ORDER BY name",
    );
    assert.deepEqual(rows.map((x) => ({ ...x })), [{ name: "a", qty: 1 }, { name: "b", qty: 2 }]);
    assert.equal(
      (await db.queryOne<{ qty: number }>("SELECT qty FROM items WHERE name = $1", ["b"]))?.qty,
      2,
    );
    assert.equal(await db.queryOne("SELECT * FROM items WHERE name = $1", ["zz"]), null);
    assert.deepEqual(await db.query("SELECT * FROM items WHERE name = $1", ["zz"]), []);
  });
});

Deno.test("db: values are bound, never interpolated; $ in literals is kept", async () => {
  await withDb(async (db) => {
    const evil = "x'); DROP TABLE items; --";
    await db.execute("INSERT INTO items (name, qty) VALUES ($1, $2)", [evil, 0]);
    assert.equal((await db.queryOne<{ name: string }>("SELECT name FROM items"))?.name, evil);
    const row = await db.queryOne<{ a: string; b: string }>(
      "SELECT '$1 costs $2' AS a, $1 AS b -- $2",
      ["bound"],
    );
    assert.deepEqual({ ...row }, { a: "$1 costs $2", b: "bound" });
  });
});

Deno.test("db: booleans, undefined and dates are converted", async () => {
  await withDb(async (db) => {
    const row = await db.queryOne("SELECT $1 AS t, $2 AS f, $3 AS u, $4 AS d", [
      true,
      false,
      undefined,
      new Date("2020-01-02T03:04:05.000Z"),
    ]);
    assert.deepEqual({ ...row }, { t: 1, f: 0, u: null, d: "2020-01-02T03:04:05.000Z" });
  });
});

Deno.test("db: transaction commits on return and rolls back on throw", async () => {
  await withDb(async (db) => {
    const v = await db.transaction(async (tx) => {
      await tx.execute("INSERT INTO items (name, qty) VALUES ($1, 1)", ["kept"]);
      return 42;
    });
    assert.equal(v, 42);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute("INSERT INTO items (name, qty) VALUES ($1, 1)", ["gone"]);
        throw new Error("boom");
      }),
      /boom/,
    );
    // sync fn works too
    await db.transaction((tx) => {
      tx.execute("INSERT INTO items (name, qty) VALUES ($1, 1)", ["sync"]);
    });
    const names = (await db.query<{ name: string }>("SELECT name FROM items ORDER BY id")).map((
      r,
    ) => r.name);
    assert.deepEqual(names, ["kept", "sync"]);
  });
});

Deno.test("db: nested transaction rollback keeps outer work", async () => {
  await withDb(async (db) => {
    await db.transaction(async (tx) => {
      await tx.execute("INSERT INTO items (name, qty) VALUES ('outer', 1)");
      await assert.rejects(
        tx.transaction(async (inner) => {
          await inner.execute("INSERT INTO items (name, qty) VALUES ('inner', 1)");
          throw new Error("inner fails");
        }),
        /inner fails/,
      );
      // a nested one that succeeds, through the outer object (async context joins it)
      await db.transaction(async () => {
        await db.execute("INSERT INTO items (name, qty) VALUES ('inner2', 1)");
        await db.transaction(async (deeper) => {
          await deeper.execute("INSERT INTO items (name, qty) VALUES ('deepest', 1)");
        });
      });
      await tx.execute("INSERT INTO items (name, qty) VALUES ('after', 1)");
    });
    const names = (await db.query<{ name: string }>("SELECT name FROM items ORDER BY id")).map((
      r,
    ) => r.name);
    assert.deepEqual(names, ["outer", "inner2", "deepest", "after"]);
  });
});

Deno.test("db: a failing outer transaction rolls back committed savepoints too", async () => {
  await withDb(async (db) => {
    await assert.rejects(db.transaction(async (tx) => {
      await tx.transaction((inner) => inner.execute("INSERT INTO items (name) VALUES ('x')"));
      throw new Error("outer fails");
    }));
    assert.equal(await db.queryOne("SELECT * FROM items"), null);
  });
});

Deno.test("db: transactions from concurrent async flows do not interleave", async () => {
  await withDb(async (db) => {
    const log: string[] = [];
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const a = db.transaction(async (tx) => {
      log.push("a:begin");
      await tx.execute("INSERT INTO items (name, qty) VALUES ('a1', 1)");
      await tick();
      await tx.execute("INSERT INTO items (name, qty) VALUES ('a2', 1)");
      log.push("a:end");
      throw new Error("a rolls back");
    });
    // Outside statement started while a's transaction is open: must wait, and must not be
    // rolled back with a.
    const outside = db.execute("INSERT INTO items (name, qty) VALUES ('outside', 1)").then((r) => {
      log.push("outside");
      return r;
    });
    const b = db.transaction(async (tx) => {
      log.push("b:begin");
      const seen = await tx.query<{ name: string }>("SELECT name FROM items ORDER BY id");
      await tick();
      await tx.execute("INSERT INTO items (name, qty) VALUES ('b', 1)");
      log.push("b:end");
      return seen.map((r) => r.name);
    });
    await assert.rejects(a, /a rolls back/);
    await outside;
    assert.deepEqual(await b, ["outside"]);
    assert.deepEqual(log, ["a:begin", "a:end", "outside", "b:begin", "b:end"]);
    const names = (await db.query<{ name: string }>("SELECT name FROM items ORDER BY id")).map((
      r,
    ) => r.name);
    assert.deepEqual(names, ["outside", "b"]);
  });
});

Deno.test("db: sibling nested transactions started together are serialized", async () => {
  await withDb(async (db) => {
    await db.transaction(async (tx) => {
      await Promise.allSettled([
        tx.transaction(async (t) => {
          await t.execute("INSERT INTO items (name) VALUES ('one')");
          await new Promise((r) => setTimeout(r, 5));
          throw new Error("one fails");
        }),
        tx.transaction(async (t) => {
          await t.execute("INSERT INTO items (name) VALUES ('two')");
        }),
      ]);
    });
    const names = (await db.query<{ name: string }>("SELECT name FROM items")).map((r) => r.name);
    assert.deepEqual(names, ["two"]);
  });
});

Deno.test("db: a tx handle used after its transaction ended is refused", async () => {
  await withDb(async (db) => {
    let leaked: { execute(s: string): Promise<unknown> } | undefined;
    await db.transaction((tx) => {
      leaked = tx;
    });
    await assert.rejects(leaked!.execute("SELECT 1"), (e) => isDbError(e, "transaction_closed"));
  });
});

Deno.test("db: executeMany is all or nothing", async () => {
  await withDb(async (db) => {
    const r = await db.executeMany("INSERT INTO items (name, qty) VALUES ($1, $2)", [["a", 1], [
      "b",
      2,
    ], ["c", 3]]);
    assert.equal(r.changes, 3);
    assert.equal(r.lastInsertRowid, 3);
    await assert.rejects(
      db.executeMany("INSERT INTO items (name, qty) VALUES ($1, $2)", [["d", 1], ["a", 2]]),
      (e) => isDbError(e, "unique_violation"),
    );
    assert.equal((await db.query("SELECT * FROM items")).length, 3);
    assert.deepEqual(await db.executeMany("INSERT INTO items (name) VALUES ($1)", []), {
      changes: 0,
    });
  });
});

Deno.test("db: typed errors carry kind, table and column", async () => {
  await withDb(async (db) => {
    await db.execute(
      "CREATE TABLE parts (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id))",
    );
    await db.execute("INSERT INTO items (name, qty) VALUES ('a', 1)");
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        assert.ok(e instanceof DbError);
        assert.ok(e.cause !== undefined);
        return e;
      }
      assert.fail("expected a DbError");
    };
    const u = await err(db.execute("INSERT INTO items (name, qty) VALUES ('a', 1)"));
    assert.equal(u.kind, "unique_violation");
    assert.equal(u.table, "items");
    assert.equal(u.column, "name");
    const pk = await err(db.execute("INSERT INTO items (id, name) VALUES (1, 'zz')"));
    assert.equal(pk.kind, "unique_violation");
    const nn = await err(db.execute("INSERT INTO items (name) VALUES (NULL)"));
    assert.deepEqual([nn.kind, nn.table, nn.column], ["not_null_violation", "items", "name"]);
    const ck = await err(db.execute("INSERT INTO items (name, qty) VALUES ('q', -1)"));
    assert.deepEqual([ck.kind, ck.table, ck.constraint], ["check_violation", "items", "qty >= 0"]);
    const fk = await err(db.execute("INSERT INTO parts (item_id) VALUES ($1)", [999]));
    assert.deepEqual([fk.kind, fk.table], ["foreign_key_violation", "parts"]);
    const sy = await err(db.query("SELEC nope"));
    assert.equal(sy.kind, "syntax_error");
    const nt = await err(db.query("SELECT * FROM nope"));
    assert.deepEqual([nt.kind, nt.table], ["undefined_table", "nope"]);
    const nc = await err(db.query("SELECT nope FROM items"));
    assert.deepEqual([nc.kind, nc.column], ["undefined_column", "nope"]);
    // errors inside a transaction are typed too, and roll it back
    const inTx = await err(
      db.transaction((tx) => tx.execute("INSERT INTO items (name) VALUES ('a')")),
    );
    assert.equal(inTx.kind, "unique_violation");
  });
});

Deno.test("db: describeSchema lists tables, columns and references", async () => {
  await withDb(async (db) => {
    await db.execute(
      "CREATE TABLE parts (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), label TEXT DEFAULT 'x')",
    );
    const schema = await db.describeSchema();
    assert.deepEqual(schema.map((t) => t.name), ["items", "parts"]);
    const parts = schema[1].columns;
    assert.deepEqual(parts.map((c) => c.name), ["id", "item_id", "label"]);
    assert.equal(parts[0].primaryKey, 1);
    assert.equal(parts[1].notNull, true);
    assert.equal(parts[1].references, "items.id");
    assert.equal(parts[2].default, "'x'");
  });
});

Deno.test("db: closed database refuses work", async () => {
  const db = open();
  await db.close();
  await db.close();
  await assert.rejects(db.query("SELECT 1"), (e) => isDbError(e, "connection"));
});

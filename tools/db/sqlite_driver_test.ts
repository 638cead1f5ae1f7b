/**
 * The SQLite driver on its own: settings, the statement cache, binding, closing, schema.
 * @module
 */
import assert from "node:assert/strict";
import { DbError, isDbError } from "./errors.ts";
import { SqliteDriver } from "./sqlite_driver.ts";

async function withFile(fn: (path: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "microcore_sqlite_" });
  try {
    await fn(`${dir}/app.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const pragma = (d: SqliteDriver, name: string) => Object.values(d.queryOne(`PRAGMA ${name}`)!)[0];

Deno.test("sqlite: a file database runs in WAL, synchronous NORMAL, foreign keys on", async () => {
  await withFile((path) => {
    const d = new SqliteDriver({ path });
    try {
      assert.deepEqual(
        [d.kind, d.location, d.exclusive, d.beginSql],
        ["sqlite", path, true, "BEGIN IMMEDIATE"],
      );
      assert.deepEqual(
        [pragma(d, "journal_mode"), pragma(d, "synchronous"), pragma(d, "foreign_keys")],
        ["wal", 1, 1],
      );
    } finally {
      d.close();
    }
  });
});

Deno.test("sqlite: busy timeout is 5000 ms by default, whole milliseconds, never negative", () => {
  for (const [busyTimeoutMs, want] of [[undefined, 5000], [250.9, 250], [-5, 0]]) {
    const d = new SqliteDriver({ path: ":memory:", busyTimeoutMs });
    assert.equal(pragma(d, "busy_timeout"), want, `busyTimeoutMs ${busyTimeoutMs}`);
    d.close();
  }
});

Deno.test("sqlite: a file that cannot be opened is a DbError", () => {
  assert.throws(() => new SqliteDriver({ path: "/nonexistent/microcore/app.db" }), (e) => {
    assert.ok(e instanceof DbError);
    assert.equal(e.kind, "unknown");
    assert.match(e.message, /^unable to open database file/);
    assert.ok(e.cause instanceof Error);
    return true;
  });
});

Deno.test("sqlite: the statement cache keeps at most cacheSize statements (default 500)", () => {
  const small = new SqliteDriver({ path: ":memory:", cacheSize: 2 });
  small.query("SELECT 1");
  small.query("SELECT 1");
  assert.deepEqual(small.stats(), { cachedStatements: 1 });
  small.query("SELECT 2");
  small.query("SELECT 3");
  assert.deepEqual(small.stats(), { cachedStatements: 2 });
  small.close();
  assert.deepEqual(small.stats(), { cachedStatements: 0 });
  const d = new SqliteDriver({ path: ":memory:" });
  for (let i = 0; i < 501; i++) d.queryOne(`SELECT ${i}`);
  assert.deepEqual(d.stats(), { cachedStatements: 500 });
  d.close();
});

Deno.test("sqlite: any number of parameters is bound in order, converted where needed", () => {
  const d = new SqliteDriver({ path: ":memory:" });
  try {
    assert.deepEqual({ ...d.queryOne("SELECT 7 AS n") }, { n: 7 });
    assert.deepEqual({ ...d.queryOne("SELECT 7 AS n", []) }, { n: 7 });
    assert.deepEqual({ ...d.queryOne("SELECT $1 AS a", ["x"]) }, { a: "x" });
    assert.deepEqual({ ...d.queryOne("SELECT $1 AS a, $2 AS b", ["x", 2]) }, { a: "x", b: 2 });
    assert.deepEqual({ ...d.queryOne("SELECT $1 AS a, $2 AS b, $3 AS c", ["x", 2, null]) }, {
      a: "x",
      b: 2,
      c: null,
    });
    const five = d.query("SELECT $1 AS a, $2 AS b, $3 AS c, $4 AS d, $5 AS e", [1, 2, 3, 4, 5]);
    assert.deepEqual(five.map((r) => ({ ...r })), [{ a: 1, b: 2, c: 3, d: 4, e: 5 }]);
    // a value needing conversion after one that does not
    const conv = d.queryOne("SELECT $1 AS a, $2 AS b, $3 AS c, $4 AS d", [
      "plain",
      false,
      true,
      new Date(Date.UTC(2021, 0, 2)),
    ]);
    assert.deepEqual({ ...conv }, { a: "plain", b: 0, c: 1, d: "2021-01-02T00:00:00.000Z" });
    const bytes = new Uint8Array([1, 2, 255]);
    const row = d.queryOne("SELECT $1 AS b, $2 AS n", [bytes, 2n])!;
    assert.deepEqual([[...row.b as Uint8Array], row.n], [[1, 2, 255], 2]);
    d.execute("CREATE TABLE t (a, b)");
    assert.deepEqual(d.execute("INSERT INTO t VALUES ($1, $2)", [undefined, true]), {
      changes: 1,
      lastInsertRowid: 1,
    });
    assert.deepEqual({ ...d.queryOne("SELECT a, b FROM t") }, { a: null, b: 1 });
    assert.deepEqual(d.executeMany("INSERT INTO t VALUES ($1, $2)", [[1, 1], [2, 2]]), {
      changes: 2,
      lastInsertRowid: 3,
    });
  } finally {
    d.close();
  }
});

Deno.test("sqlite: a closed driver refuses every statement with 'database is closed'", () => {
  const d = new SqliteDriver({ path: ":memory:" });
  d.query("SELECT 1"); // cached before closing
  d.close();
  d.close();
  for (
    const run of [() => d.query("SELECT 1"), () => d.execute("SELECT 2"), () => d.exec("SELECT 3")]
  ) {
    assert.throws(run, (e) => {
      assert.ok(isDbError(e, "connection"));
      assert.equal(e.message, "database is closed");
      return true;
    });
  }
  assert.equal(d.inTransaction, false);
});

Deno.test("sqlite: closing rolls back an open transaction and checkpoints the WAL", async () => {
  await withFile(async (path) => {
    const d = new SqliteDriver({ path });
    d.exec("CREATE TABLE t (x)");
    assert.equal(d.inTransaction, false);
    d.exec("BEGIN");
    assert.equal(d.inTransaction, true);
    d.execute("INSERT INTO t VALUES (1)");
    assert.equal(d.reserve(), d);
    d.release();
    d.close();
    assert.equal((await Deno.stat(`${path}-wal`).catch(() => ({ size: 0 }))).size, 0);
    const again = new SqliteDriver({ path });
    assert.deepEqual(again.query("SELECT * FROM t"), []);
    again.close();
  });
});

Deno.test("sqlite: describeSchema lists every column exactly, hiding SQLite's own tables", () => {
  const d = new SqliteDriver({ path: ":memory:" });
  try {
    d.exec(
      "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);" +
        'CREATE TABLE "we""ird" (a, b INT DEFAULT 3, item INTEGER REFERENCES items, ' +
        "PRIMARY KEY (b, a));" +
        "INSERT INTO items (name) VALUES ('x');", // fills sqlite_sequence
    );
    assert.deepEqual(d.describeSchema(), [
      {
        name: "items",
        columns: [
          {
            name: "id",
            type: "int",
            sqlType: "INTEGER",
            notNull: true,
            primaryKey: 1,
            default: null,
          },
          {
            name: "name",
            type: "text",
            sqlType: "TEXT",
            notNull: true,
            primaryKey: 0,
            default: null,
          },
        ],
        unique: [],
      },
      {
        name: 'we"ird',
        columns: [
          { name: "a", type: "blob", sqlType: "", notNull: true, primaryKey: 2, default: null },
          { name: "b", type: "int", sqlType: "INT", notNull: true, primaryKey: 1, default: "3" },
          {
            name: "item",
            type: "int",
            sqlType: "INTEGER",
            notNull: false,
            primaryKey: 0,
            default: null,
            references: "items.rowid",
          },
        ],
        unique: [],
      },
    ]);
  } finally {
    d.close();
  }
});

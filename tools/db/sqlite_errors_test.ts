/**
 * SQLite failures as typed DbErrors: kind, code, table, column(s), constraint.
 * @module
 */
import assert from "node:assert/strict";
import { DbError, type DbErrorInit } from "./errors.ts";
import { SqliteDriver, toDbError } from "./sqlite_driver.ts";

function caught(f: () => unknown): DbError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DbError, `not a DbError: ${e}`);
    return e;
  }
  assert.fail("expected a DbError");
}

/** The error's details, without message and cause. */
function details(e: DbError): Omit<DbErrorInit, "cause"> {
  return {
    kind: e.kind,
    table: e.table,
    column: e.column,
    columns: e.columns,
    constraint: e.constraint,
    code: e.code,
    sql: e.sql,
  };
}

const none = {
  table: undefined,
  column: undefined,
  columns: undefined,
  constraint: undefined,
  code: undefined,
};

function withDriver(fn: (d: SqliteDriver) => void): void {
  const d = new SqliteDriver({ path: ":memory:" });
  try {
    d.exec(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, " +
        "qty INTEGER CONSTRAINT qty_positive CHECK (qty > 0), a INT, b INT, UNIQUE (a, b));" +
        "CREATE UNIQUE INDEX items_neg ON items (-qty);" +
        "CREATE TABLE parts (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items(id));" +
        "INSERT INTO items (id, name, qty, a, b) VALUES (1, 'a', 1, 1, 1);",
    );
    fn(d);
  } finally {
    d.close();
  }
}

Deno.test("sqlite errors: constraint failures of a statement (extended result codes)", () => {
  withDriver((d) => {
    const sql = {
      unique: "INSERT INTO items (name) VALUES ('a')",
      pk: "INSERT INTO items (id, name) VALUES (1, 'b')",
      multi: "INSERT INTO items (name, a, b) VALUES ('c', 1, 1)",
      expr: "INSERT INTO items (name, qty) VALUES ('z', 1)",
      nn: "INSERT INTO items (name) VALUES (NULL)",
      check: "INSERT INTO items (name, qty) VALUES ('q', 0)",
      fk: "INSERT INTO parts (item_id) VALUES (9)",
    };
    assert.deepEqual(details(caught(() => d.execute(sql.unique))), {
      ...none,
      kind: "unique_violation",
      table: "items",
      column: "name",
      columns: ["name"],
      code: 2067,
      sql: sql.unique,
    });
    assert.deepEqual(details(caught(() => d.execute(sql.pk))), {
      ...none,
      kind: "unique_violation",
      table: "items",
      column: "id",
      columns: ["id"],
      code: 1555,
      sql: sql.pk,
    });
    assert.deepEqual(details(caught(() => d.execute(sql.multi))), {
      ...none,
      kind: "unique_violation",
      table: "items",
      column: "a",
      columns: ["a", "b"],
      code: 2067,
      sql: sql.multi,
    });
    // a unique index on an expression names the index, not a column
    const expr = caught(() => d.execute(sql.expr));
    assert.equal(expr.message, "UNIQUE constraint failed: index 'items_neg'");
    assert.deepEqual(details(expr), {
      ...none,
      kind: "unique_violation",
      code: 2067,
      sql: sql.expr,
    });
    assert.deepEqual(details(caught(() => d.execute(sql.nn))), {
      ...none,
      kind: "not_null_violation",
      table: "items",
      column: "name",
      columns: ["name"],
      code: 1299,
      sql: sql.nn,
    });
    assert.deepEqual(details(caught(() => d.execute(sql.check))), {
      ...none,
      kind: "check_violation",
      table: "items",
      constraint: "qty_positive",
      code: 275,
      sql: sql.check,
    });
    assert.deepEqual(details(caught(() => d.execute(sql.fk))), {
      ...none,
      kind: "foreign_key_violation",
      table: "parts",
      code: 787,
      sql: sql.fk,
    });
  });
});

Deno.test("sqlite errors: from a script (no result code), read from the message", () => {
  withDriver((d) => {
    const cases: [string, Partial<DbErrorInit>][] = [
      ["INSERT INTO items (name) VALUES ('a')", {
        kind: "unique_violation",
        table: "items",
        column: "name",
        columns: ["name"],
      }],
      ["INSERT INTO items (name) VALUES (NULL)", {
        kind: "not_null_violation",
        table: "items",
        column: "name",
        columns: ["name"],
      }],
      ["INSERT INTO items (name, qty) VALUES ('q', 0)", {
        kind: "check_violation",
        table: "items",
        constraint: "qty_positive",
      }],
      ["INSERT INTO parts (item_id) VALUES (9)", { kind: "foreign_key_violation", table: "parts" }],
      ["SELEC 1", { kind: "syntax_error" }],
      ["SELECT 'abc", { kind: "syntax_error" }],
      ["SELECT (1", { kind: "syntax_error" }],
      ["SELECT * FROM main.nope", { kind: "undefined_table", table: "nope" }],
      ["SELECT * FROM nope_2", { kind: "undefined_table", table: "nope_2" }],
      ["SELECT items.zz FROM items", { kind: "undefined_column", table: "items", column: "zz" }],
      ["SELECT zz FROM items", { kind: "undefined_column", column: "zz" }],
      ["INSERT INTO items (zz) VALUES (1)", {
        kind: "undefined_column",
        table: "items",
        column: "zz",
      }],
    ];
    for (const [script, want] of cases) {
      assert.deepEqual(
        details(caught(() => d.exec(script))),
        { ...none, ...want, sql: script },
        script,
      );
    }
  });
});

Deno.test("sqlite errors: a trigger's message is not taken for an engine message", () => {
  withDriver((d) => {
    for (
      const msg of [
        "stock: UNIQUE constraint failed",
        "stock: FOREIGN KEY constraint failed",
        "stock: NOT NULL constraint failed",
        "stock: CHECK constraint failed",
        "stock: no such table",
        "stock: no such column",
        "stock: table x has no column named y",
      ]
    ) {
      d.exec(
        `CREATE TRIGGER guard BEFORE INSERT ON parts BEGIN SELECT RAISE(ABORT, '${msg}'); END`,
      );
      const e = caught(() => d.execute("INSERT INTO parts (item_id) VALUES (1)"));
      assert.deepEqual([e.message, e.kind, e.table, e.column], [
        msg,
        "unknown",
        undefined,
        undefined,
      ]);
      d.exec("DROP TRIGGER guard");
    }
  });
});

Deno.test("sqlite errors: a lock held by another connection is busy", async () => {
  const dir = await Deno.makeTempDir({ prefix: "microcore_busy_" });
  const a = new SqliteDriver({ path: `${dir}/app.db` });
  const b = new SqliteDriver({ path: `${dir}/app.db`, busyTimeoutMs: 0 });
  try {
    a.exec("CREATE TABLE t (x)");
    // b reads a snapshot, a writes after it: b cannot upgrade to a writer (SQLITE_BUSY_SNAPSHOT)
    b.exec("BEGIN");
    b.query("SELECT * FROM t");
    a.execute("INSERT INTO t VALUES (1)");
    const snap = caught(() => b.execute("INSERT INTO t VALUES (2)"));
    assert.deepEqual([snap.kind, snap.code], ["busy", 517]);
    b.exec("ROLLBACK");
    // a holds the write lock: b's write is SQLITE_BUSY
    a.exec("BEGIN IMMEDIATE");
    const busy = caught(() => b.execute("INSERT INTO t VALUES (3)"));
    assert.deepEqual([busy.kind, busy.code, busy.message], ["busy", 5, "database is locked"]);
    const script = caught(() => b.exec("INSERT INTO t VALUES (4)"));
    assert.deepEqual([script.kind, script.code], ["busy", undefined]);
    a.exec("ROLLBACK");
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sqlite errors: result codes and messages that tests cannot provoke", () => {
  const err = (message: string, errcode?: number) => Object.assign(new Error(message), { errcode });
  assert.deepEqual(details(toDbError(err("database table is locked", 6))), {
    ...none,
    kind: "busy",
    code: 6,
    sql: undefined,
  });
  assert.equal(toDbError(err("recovery", 261)).kind, "busy");
  assert.equal(toDbError(err("database is busy")).kind, "busy");
  assert.equal(toDbError(err("database is not open")).kind, "connection");
  assert.equal(
    toDbError(err("statement has been finalized; connection closed")).kind,
    "connection",
  );
  assert.equal(toDbError(err("disk I/O error", 10)).kind, "unknown");
  // not an Error at all
  const odd = toDbError(null, "SELECT 1");
  assert.deepEqual([odd.message, odd.kind, odd.sql, odd.cause], [
    "null",
    "unknown",
    "SELECT 1",
    null,
  ]);
  // already typed: kept as it is
  const typed = new DbError("database is closed", { kind: "connection" });
  assert.equal(toDbError(typed, "SELECT 1"), typed);
});

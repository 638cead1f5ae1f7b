/**
 * The PostgreSQL driver against the real server: typed errors, binding, results, closing.
 * Each test works in a schema of its own, dropped at the end. Skipped when no server answers.
 * @module
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { Database } from "./database.ts";
import { DbError, type DbErrorInit } from "./errors.ts";
import { pgError, PostgresDriver } from "./postgres_driver.ts";
import { PG_TEST_URL, pgReachable } from "./test_helpers.ts";

const URL_ = PG_TEST_URL;

const ignore = !(await pgReachable());

async function withPg(
  fn: (db: Database, driver: PostgresDriver, schema: string) => Promise<void>,
): Promise<void> {
  const schema = `microcore_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(URL_, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  const driver = await PostgresDriver.connect({ url: URL_, schema, max: 4 });
  const db = new Database(driver);
  try {
    await db.execute(
      "CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, " +
        'qty INTEGER CHECK (qty >= 0), "Code" TEXT, b INT, UNIQUE ("Code", b))',
    );
    await fn(db, driver, schema);
  } finally {
    await db.close();
    await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end({ timeout: 1 });
  }
}

async function caught(p: Promise<unknown>): Promise<DbError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DbError, `not a DbError: ${e}`);
    return e;
  }
  assert.fail("expected a DbError");
}

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
};

Deno.test({
  name: "postgres errors: constraints name their table, column(s) and constraint",
  ignore,
  fn: () =>
    withPg(async (db) => {
      await db.execute(
        "CREATE DOMAIN positive AS INTEGER CHECK (VALUE > 0);" +
          "CREATE TABLE parts (id SERIAL PRIMARY KEY, item_id INTEGER REFERENCES items(id), " +
          "n positive)",
      );
      await db.execute(`INSERT INTO items (name, "Code", b) VALUES ('a', 'x', 1)`);
      const sql = {
        unique: "INSERT INTO items (name) VALUES ('a')",
        multi: `INSERT INTO items (name, "Code", b) VALUES ('b', 'x', 1)`,
        nn: "INSERT INTO items (name) VALUES (NULL)",
        check: "INSERT INTO items (name, qty) VALUES ('q', -1)",
        domain: "INSERT INTO parts (n) VALUES (0)",
        fk: "INSERT INTO parts (item_id) VALUES (999)",
      };
      assert.deepEqual(details(await caught(db.execute(sql.unique))), {
        kind: "unique_violation",
        table: "items",
        column: "name",
        columns: ["name"],
        constraint: "items_name_key",
        code: "23505",
        sql: sql.unique,
      });
      assert.deepEqual(details(await caught(db.execute(sql.multi))), {
        kind: "unique_violation",
        table: "items",
        column: "Code",
        columns: ["Code", "b"],
        constraint: "items_Code_b_key",
        code: "23505",
        sql: sql.multi,
      });
      assert.deepEqual(details(await caught(db.execute(sql.nn))), {
        ...none,
        kind: "not_null_violation",
        table: "items",
        column: "name",
        code: "23502",
        sql: sql.nn,
      });
      assert.deepEqual(details(await caught(db.execute(sql.check))), {
        ...none,
        kind: "check_violation",
        table: "items",
        constraint: "items_qty_check",
        code: "23514",
        sql: sql.check,
      });
      // a domain's check names no table: it is read from the statement
      assert.deepEqual(details(await caught(db.execute(sql.domain))), {
        ...none,
        kind: "check_violation",
        table: "parts",
        constraint: "positive_check",
        code: "23514",
        sql: sql.domain,
      });
      assert.deepEqual(details(await caught(db.execute(sql.fk))), {
        kind: "foreign_key_violation",
        table: "parts",
        column: "item_id",
        columns: ["item_id"],
        constraint: "parts_item_id_fkey",
        code: "23503",
        sql: sql.fk,
      });
    }),
});

Deno.test({
  name: "postgres errors: wrong SQL names the missing table or column",
  ignore,
  fn: () =>
    withPg(async (db) => {
      assert.deepEqual(details(await caught(db.query("SELEC 1"))), {
        ...none,
        kind: "syntax_error",
        code: "42601",
        sql: "SELEC 1",
      });
      assert.deepEqual(details(await caught(db.query("SELECT * FROM nope"))), {
        ...none,
        kind: "undefined_table",
        table: "nope",
        code: "42P01",
        sql: "SELECT * FROM nope",
      });
      // a syntax error in a write names no table (the statement is not read for one)
      const broken = "INSERT INTO items (name) VALUES (";
      assert.deepEqual(details(await caught(db.execute(broken))), {
        ...none,
        kind: "syntax_error",
        code: "42601",
        sql: broken,
      });
      assert.deepEqual(details(await caught(db.queryOne("SELECT nope FROM items"))), {
        ...none,
        kind: "undefined_column",
        column: "nope",
        code: "42703",
        sql: "SELECT nope FROM items",
      });
      // a script's failure carries the script
      const script = "CREATE TABLE ok (x INT); SELECT * FROM nope";
      const e = await caught(db.transaction((tx) => (tx as unknown as Database).exec(script)));
      assert.deepEqual([e.kind, e.sql], ["undefined_table", script]);
    }),
});

Deno.test({
  name: "postgres errors: serialization, deadlock, lock, connection and other SQLSTATEs",
  ignore,
  fn: () =>
    withPg(async (db) => {
      const cases: [string, string][] = [
        ["40001", "serialization_failure"],
        ["40P01", "serialization_failure"],
        ["55P03", "busy"],
        ["08000", "connection"],
        ["08003", "connection"],
        ["08006", "connection"],
        ["57P01", "connection"],
        ["25P02", "unknown"],
        ["P0001", "unknown"],
      ];
      for (const [code, kind] of cases) {
        const sql =
          `DO $$ BEGIN RAISE EXCEPTION 'raised %', '${code}' USING ERRCODE = '${code}'; END $$`;
        const e = await caught(db.execute(sql));
        assert.deepEqual([e.kind, e.code, e.message], [kind, code, `raised ${code}`], code);
      }
    }),
});

Deno.test({
  name: "postgres errors: a message the application raised is not read for a table or column",
  ignore,
  fn: () =>
    withPg(async (db) => {
      const sql = `DO $$ BEGIN RAISE EXCEPTION 'column "qty" of relation "items" is odd'; END $$`;
      assert.deepEqual(details(await caught(db.execute(sql))), {
        ...none,
        kind: "unknown",
        code: "P0001",
        sql,
      });
    }),
});

Deno.test({
  name: "postgres errors: an unreachable server and a closed pool are connection errors",
  ignore,
  fn: async () => {
    await assert.rejects(
      PostgresDriver.connect({ url: "postgres://127.0.0.1:1/none" }),
      (e) => e instanceof DbError && e.kind === "connection" && e.code === "ECONNREFUSED",
    );
    const driver = await PostgresDriver.connect({ url: URL_ });
    await driver.close();
    await driver.close();
    const ended = await caught(Promise.resolve().then(() => driver.query("SELECT 1")));
    assert.deepEqual([ended.kind, ended.code], ["connection", "CONNECTION_ENDED"]);
    const reserve = await caught(driver.reserve());
    assert.deepEqual([reserve.kind, reserve.message], ["connection", "database is closed"]);
  },
});

Deno.test("postgres errors: odd values and typed errors are mapped as they are", () => {
  const odd = pgError(null, "SELECT 1");
  assert.deepEqual([odd.message, odd.kind, odd.sql, odd.cause], [
    "null",
    "unknown",
    "SELECT 1",
    null,
  ]);
  const typed = new DbError("database is closed", { kind: "connection" });
  assert.equal(pgError(typed), typed);
  assert.equal(pgError({ message: "gone", code: "CONNECTION_DESTROYED" }).kind, "connection");
  assert.equal(pgError({ message: "gone", code: "CONNECTION_CLOSED" }).kind, "connection");
  // A connection reset by the network (a proxy, a load balancer) is a lost connection too: a 503.
  for (const code of ["ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "CONNECT_TIMEOUT"]) {
    assert.equal(pgError({ message: `read ${code}`, code }).kind, "connection", code);
  }
  assert.equal(pgError({ message: "x", code: "EWHATEVER" }).kind, "unknown");
});

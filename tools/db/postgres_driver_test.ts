/**
 * The same API against a real PostgreSQL (PG_TEST_URL, default postgres://127.0.0.1:5432/test).
 * Each run works in a schema of its own, dropped at the end. Skipped when no server answers.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { Database } from "./database.ts";
import { DbError, isDbError } from "./errors.ts";
import { PostgresDriver } from "./postgres_driver.ts";
import { PG_TEST_URL, pgReachable, writeFiles } from "./test_helpers.ts";
import { DbTool } from "./tool.ts";

const URL_ = PG_TEST_URL;

const ignore = !(await pgReachable());
if (ignore) console.warn(`postgres_driver_test: no server at ${URL_}, skipped`);

/** A fresh schema, a Database on it, and cleanup. */
async function withPg(fn: (db: Database, schema: string) => Promise<void>): Promise<void> {
  const schema = `microcore_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(URL_, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  const db = new Database(await PostgresDriver.connect({ url: URL_, schema, max: 4 }));
  try {
    await db.execute(
      "CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER CHECK (qty >= 0))",
    );
    await fn(db, schema);
  } finally {
    await db.close();
    await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end({ timeout: 1 });
  }
}

const names = async (db: Database) =>
  (await db.query<{ name: string }>("SELECT name FROM items ORDER BY id")).map((r) => r.name);

Deno.test({
  name: "postgres: query, queryOne, execute with $N params",
  ignore,
  fn: () =>
    withPg(async (db) => {
      const row = await db.queryOne<{ id: number }>(
        "INSERT INTO items (name, qty) VALUES ($1, $2) RETURNING id",
        ["a", 1],
      );
      assert.equal(row?.id, 1);
      const r = await db.execute("UPDATE items SET qty = qty + $1", [2]);
      assert.equal(r.changes, 1);
      assert.deepEqual(
        (await db.query("SELECT name, qty, '$1' AS lit FROM items WHERE name = $1", ["a"])).map((
          x,
        ) => ({ ...x })),
        [{ name: "a", qty: 3, lit: "$1" }],
      );
      assert.equal(await db.queryOne("SELECT * FROM items WHERE name = $1", ["zz"]), null);
      assert.equal((await db.queryOne<{ n: number }>("SELECT count(*) AS n FROM items"))?.n, 1);
      const many = await db.executeMany("INSERT INTO items (name) VALUES ($1)", [["b"], ["c"]]);
      assert.equal(many.changes, 2);
    }),
});

Deno.test({
  name: "postgres: transactions commit, roll back, and nest with savepoints",
  ignore,
  fn: () =>
    withPg(async (db) => {
      await db.transaction(async (tx) => {
        await tx.execute("INSERT INTO items (name) VALUES ('outer')");
        await assert.rejects(
          tx.transaction(async (inner) => {
            await inner.execute("INSERT INTO items (name) VALUES ('inner')");
            throw new Error("inner fails");
          }),
        );
        // joined through the outer object within the async flow
        await db.execute("INSERT INTO items (name) VALUES ('after')");
      });
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.execute("INSERT INTO items (name) VALUES ('gone')");
          throw new Error("boom");
        }),
        /boom/,
      );
      assert.deepEqual(await names(db), ["outer", "after"]);
      // a failed statement inside a savepoint does not poison the outer transaction
      await db.transaction(async (tx) => {
        await assert.rejects(
          tx.transaction((t) => t.execute("INSERT INTO items (name) VALUES ('outer')")),
          (e) => isDbError(e, "unique_violation"),
        );
        await tx.execute("INSERT INTO items (name) VALUES ('still fine')");
      });
      assert.deepEqual(await names(db), ["outer", "after", "still fine"]);
    }),
});

Deno.test({
  name: "postgres: work outside a transaction is not part of it",
  ignore,
  fn: () =>
    withPg(async (db) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => release = r);
      const tx = db.transaction(async (t) => {
        await t.execute("INSERT INTO items (name) VALUES ('in tx')");
        await gate;
        throw new Error("roll back");
      });
      await new Promise((r) => setTimeout(r, 20));
      await db.execute("INSERT INTO items (name) VALUES ('outside')");
      release();
      await assert.rejects(tx, /roll back/);
      assert.deepEqual(await names(db), ["outside"]);
    }),
});

Deno.test({
  name: "postgres: typed errors",
  ignore,
  fn: () =>
    withPg(async (db) => {
      await db.execute(
        "CREATE TABLE parts (id SERIAL PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id))",
      );
      await db.execute("INSERT INTO items (name, qty) VALUES ('a', 1)");
      const err = async (p: Promise<unknown>) => {
        try {
          await p;
        } catch (e) {
          assert.ok(e instanceof DbError);
          return e;
        }
        assert.fail("expected a DbError");
      };
      const u = await err(db.execute("INSERT INTO items (name) VALUES ('a')"));
      assert.deepEqual([u.kind, u.table, u.column], ["unique_violation", "items", "name"]);
      const nn = await err(db.execute("INSERT INTO items (name) VALUES (NULL)"));
      assert.deepEqual([nn.kind, nn.table, nn.column], ["not_null_violation", "items", "name"]);
      const ck = await err(db.execute("INSERT INTO items (name, qty) VALUES ('q', -1)"));
      assert.deepEqual([ck.kind, ck.table], ["check_violation", "items"]);
      const fk = await err(db.execute("INSERT INTO parts (item_id) VALUES ($1)", [999]));
      assert.deepEqual([fk.kind, fk.table, fk.column], [
        "foreign_key_violation",
        "parts",
        "item_id",
      ]);
      assert.equal((await err(db.query("SELEC 1"))).kind, "syntax_error");
      assert.equal((await err(db.query("SELECT * FROM nope"))).kind, "undefined_table");
    }),
});

Deno.test({
  name: "postgres: migrations and describeSchema through the tool",
  ignore,
  fn: () =>
    withPg(async (_db, schema) => {
      const root = await Deno.makeTempDir({ prefix: "microcore_pg_" });
      try {
        await writeFiles(root, {
          "domains/shop/migrations/001_products.sql":
            "CREATE TABLE products (id SERIAL PRIMARY KEY, name TEXT NOT NULL);\n" +
            "CREATE TABLE reviews (id SERIAL PRIMARY KEY, product_id INTEGER REFERENCES products(id));",
          "domains/shop/migrations/002_bad.sql": "CREATE TABLE x (id INT);\nCREATE TABEL y;",
        });
        const tool = new DbTool({
          driver: () => PostgresDriver.connect({ url: URL_, schema, max: 2 }),
        });
        const shop = { name: "shop", dir: `${root}/domains/shop` };
        await tool.setup(standaloneContext({ root, domains: [shop] }));
        await assert.rejects(tool.prepareDomain(shop), /002_bad\.sql failed/);
        const d = tool.describe() as { driver: string; migrations: { name: string }[] };
        assert.equal(d.driver, "postgres");
        assert.deepEqual(d.migrations.map((m) => m.name), ["001_products.sql"]);
        const tables = await tool.api.describeSchema();
        assert.deepEqual(tables.map((t) => t.name), ["items", "products", "reviews"]);
        const reviews = tables.find((t) => t.name === "reviews")!;
        assert.equal(reviews.columns[0].primaryKey, 1);
        assert.equal(reviews.columns[1].references, "products.id");
        await tool.shutdown();
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    }),
});

Deno.test({
  name: "postgres: chosen by a postgres DATABASE_URL setting, in the DB_SCHEMA schema",
  ignore,
  fn: () =>
    withPg(async (_db, schema) => {
      const tool = new DbTool();
      const read: string[] = [];
      const ctx = standaloneContext({ env: { DATABASE_URL: URL_, DB_SCHEMA: schema } });
      await tool.setup({ ...ctx, env: (k) => (read.push(k), ctx.env(k)) });
      try {
        assert.equal(tool.describe().driver, "postgres");
        assert.deepEqual((await tool.api.describeSchema()).map((t) => t.name), ["items"]);
        assert.deepEqual(read.sort(), [
          "DATABASE_URL",
          "DB_AUTO_MIGRATE",
          "DB_DRIVER",
          "DB_SCHEMA",
        ]);
        for (const key of read) assert.ok(Object.hasOwn(tool.env, key), `${key} is not declared`);
      } finally {
        await tool.shutdown();
      }
    }),
});

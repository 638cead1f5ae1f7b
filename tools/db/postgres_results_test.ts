/**
 * The PostgreSQL driver against the real server: binding, results, schema, pool, settings.
 * Each test works in a schema of its own, dropped at the end. Skipped when no server answers.
 * @module
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { Database } from "./database.ts";
import { PostgresDriver } from "./postgres_driver.ts";
import { DbTool } from "./tool.ts";
import { PG_TEST_URL, pgReachable } from "./test_helpers.ts";

const URL_ = PG_TEST_URL;

const ignore = !(await pgReachable());

/** A fresh schema in the database at `url`, dropped after `fn`. */
async function withSchema(url: string, fn: (schema: string) => Promise<void>): Promise<void> {
  const schema = `microcore_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  try {
    await fn(schema);
  } finally {
    await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end({ timeout: 1 });
  }
}

async function withPg(fn: (db: Database, schema: string) => Promise<void>, max = 4) {
  await withSchema(URL_, async (schema) => {
    const db = new Database(await PostgresDriver.connect({ url: URL_, schema, max }));
    try {
      await db.execute("CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT, n INT8)");
      await fn(db, schema);
    } finally {
      await db.close();
    }
  });
}

Deno.test({
  name: "postgres: undefined binds NULL, big integers bind and read back exactly",
  ignore,
  fn: () =>
    withPg(async (db) => {
      const big = 9007199254740993n;
      const row = await db.queryOne("SELECT $1::text AS u, $2::int8 AS big, $3::int8 + 1 AS n", [
        undefined,
        big,
        41,
      ]);
      assert.deepEqual({ ...row }, { u: null, big, n: 42 });
      assert.deepEqual(
        { ...await db.queryOne("SELECT count(*) AS c, 5::int8 AS small") },
        { c: 1, small: 5 },
      );
      await db.execute("INSERT INTO items (name, n) VALUES ($1, $2)", ["big", big]);
      assert.equal((await db.queryOne<{ n: bigint }>("SELECT n FROM items"))?.n, big);
    }),
});

Deno.test({
  name: "postgres: results are plain arrays; changes counted, no made-up lastInsertRowid",
  ignore,
  fn: () =>
    withPg(async (db) => {
      assert.deepEqual(await db.execute("CREATE TABLE other (x INT)"), { changes: 0 });
      assert.deepEqual(
        await db.execute("INSERT INTO items (name) VALUES ('a'), ('b'), ('c')"),
        { changes: 3 },
      );
      const rows = await db.query("SELECT name FROM items ORDER BY id");
      assert.equal(Object.getPrototypeOf(rows), Array.prototype);
      assert.deepEqual(rows.map((r) => ({ ...r })), [{ name: "a" }, { name: "b" }, { name: "c" }]);
      assert.deepEqual(
        await db.executeMany("UPDATE items SET n = $1 WHERE name <> $2", [[1, "a"], [2, "c"]]),
        { changes: 4 },
      );
      assert.deepEqual(await db.executeMany("UPDATE items SET n = $1", []), { changes: 0 });
    }),
});

Deno.test({
  name: "postgres: describeSchema lists base tables of the schema with every column",
  ignore,
  fn: () =>
    withPg(async (db) => {
      await db.execute(
        "CREATE TABLE tags (item_id INT NOT NULL REFERENCES items(id), tag TEXT NOT NULL, " +
          "weight REAL DEFAULT 1, PRIMARY KEY (tag, item_id));" +
          "CREATE VIEW named AS SELECT name FROM items",
      );
      // Engine-neutral types (the engine's own name in sqlType), as on SQLite (schema_types_test).
      assert.deepEqual(await db.describeSchema(), [
        {
          name: "items",
          columns: [
            {
              name: "id",
              type: "int",
              sqlType: "integer",
              notNull: true,
              primaryKey: 1,
              default: "nextval('items_id_seq'::regclass)",
            },
            {
              name: "name",
              type: "text",
              sqlType: "text",
              notNull: false,
              primaryKey: 0,
              default: null,
            },
            {
              name: "n",
              type: "int",
              sqlType: "bigint",
              notNull: false,
              primaryKey: 0,
              default: null,
            },
          ],
          unique: [],
        },
        {
          name: "tags",
          columns: [
            {
              name: "item_id",
              type: "int",
              sqlType: "integer",
              notNull: true,
              primaryKey: 2,
              default: null,
              references: "items.id",
            },
            {
              name: "tag",
              type: "text",
              sqlType: "text",
              notNull: true,
              primaryKey: 1,
              default: null,
            },
            {
              name: "weight",
              type: "float",
              sqlType: "real",
              notNull: false,
              primaryKey: 0,
              default: "1",
            },
          ],
          unique: [],
        },
      ]);
    }),
});

Deno.test({
  name: "postgres: transactions run side by side, up to the pool size",
  ignore,
  fn: async () => {
    // each transaction waits until the other one has started: they must overlap
    await withPg(async (db) => {
      let started = 0;
      const both = () =>
        new Promise<void>((resolve) => {
          const check = () => started === 2 ? resolve() : setTimeout(check, 2);
          check();
        });
      const run = () =>
        db.transaction(async (tx) => {
          await tx.query("SELECT 1");
          started++;
          await both();
        });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("transactions waited for each other")), 2000);
      });
      try {
        await Promise.race([Promise.all([run(), run()]), timeout]);
      } finally {
        clearTimeout(timer);
      }
    });
    // a pool of one: the second waits for the first
    await withPg(async (db) => {
      const log: string[] = [];
      const run = (name: string) =>
        db.transaction(async (tx) => {
          log.push(`${name} begin`);
          await new Promise((r) => setTimeout(r, 20));
          await tx.query("SELECT 1");
          log.push(`${name} end`);
        });
      await Promise.all([run("a"), run("b")]);
      assert.deepEqual(log, ["a begin", "a end", "b begin", "b end"]);
    }, 1);
  },
});

Deno.test({
  name: "postgres: notices are not printed; the location has no password",
  ignore,
  fn: () =>
    withSchema(URL_, async (schema) => {
      const url = new URL(URL_);
      url.password = "secret";
      const driver = await PostgresDriver.connect({ url: url.toString(), schema });
      const printed: unknown[] = [];
      const original = console.log;
      console.log = (...a: unknown[]) => printed.push(a);
      try {
        await driver.exec("CREATE TABLE t (x INT); CREATE TABLE IF NOT EXISTS t (x INT)");
      } finally {
        console.log = original;
        await driver.close();
      }
      assert.deepEqual(printed, []);
      url.password = "";
      assert.equal(driver.location, `${url}#${schema}`);
      assert.deepEqual([driver.kind, driver.exclusive, driver.beginSql], [
        "postgres",
        false,
        "BEGIN",
      ]);
    }),
});

Deno.test({
  name: "postgres: without a schema the server's search_path is used",
  ignore,
  fn: async () => {
    const driver = await PostgresDriver.connect({ url: URL_ });
    try {
      assert.equal(driver.location, new URL(URL_).toString());
      assert.deepEqual({ ...await driver.queryOne("SELECT current_schema() AS s") }, {
        s: "public",
      });
    } finally {
      await driver.close();
    }
  },
});

Deno.test({
  name: "postgres: DB_DRIVER=postgres without DATABASE_URL uses 127.0.0.1:5432/postgres",
  ignore,
  fn: () =>
    withSchema("postgres://127.0.0.1:5432/postgres", async (schema) => {
      const log = recordingLog();
      const tool = new DbTool();
      await tool.setup(
        standaloneContext({ log, env: { DB_DRIVER: "postgres", DB_SCHEMA: schema } }),
      );
      try {
        const where = `postgres://127.0.0.1:5432/postgres#${schema}`;
        assert.deepEqual([tool.describe().driver, tool.describe().path], ["postgres", where]);
        assert.deepEqual(log.lines.map((l) => l.message), [`db: postgres at ${where}`]);
      } finally {
        await tool.shutdown();
      }
    }),
});

Deno.test({
  name: "postgres: a postgresql:// DATABASE_URL selects PostgreSQL",
  ignore,
  fn: () =>
    withSchema(URL_, async (schema) => {
      const tool = new DbTool();
      const url = URL_.replace(/^postgres:/, "postgresql:");
      await tool.setup(standaloneContext({ env: { DATABASE_URL: url, DB_SCHEMA: schema } }));
      try {
        assert.deepEqual([tool.describe().driver, tool.describe().path], [
          "postgres",
          `${url}#${schema}`,
        ]);
      } finally {
        await tool.shutdown();
      }
    }),
});

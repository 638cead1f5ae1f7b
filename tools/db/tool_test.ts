/**
 * The db tool: settings, the SQLite file, migrations per domain.
 * @module
 */
import assert from "node:assert/strict";
import type { DomainInfo } from "@core";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { isDbError } from "./errors.ts";
import { MigrationError } from "./migrations.ts";
import { writeFiles } from "./test_helpers.ts";
import { DbTool } from "./tool.ts";
import defaultTool from "./mod.ts";

async function tempRoot(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "microcore_db_" });
}

function domain(root: string, name: string): DomainInfo {
  return { name, dir: `${root}/domains/${name}` };
}

Deno.test("tool: default export is the db tool", () => {
  assert.equal(new defaultTool().name, "db");
  assert.equal(defaultTool, DbTool);
});

Deno.test("tool: file database under the root, WAL, foreign keys, closes cleanly", async () => {
  const root = await tempRoot();
  try {
    const tool = new DbTool({ path: "data/sub/app.db" });
    await tool.setup(standaloneContext({ root, mode: "dev" }));
    const db = tool.forOwner({ id: "x/y", generation: 1 });
    assert.equal(
      (await db.queryOne<{ journal_mode: string }>("PRAGMA journal_mode"))?.journal_mode,
      "wal",
    );
    assert.equal(
      (await db.queryOne<{ foreign_keys: number }>("PRAGMA foreign_keys"))?.foreign_keys,
      1,
    );
    assert.equal(
      (await db.queryOne<{ synchronous: number }>("PRAGMA synchronous"))?.synchronous,
      1,
    );
    assert.ok(Number((await db.queryOne<{ timeout: number }>("PRAGMA busy_timeout"))?.timeout) > 0);
    await db.execute("CREATE TABLE t (x)");
    await db.execute("INSERT INTO t VALUES ($1)", [1]);
    const d = tool.describe();
    assert.equal(d.driver, "sqlite");
    assert.equal(d.path, `${root}/data/sub/app.db`);
    await tool.shutdown();
    await tool.shutdown();
    // WAL checkpointed into the main file: the -wal file is empty or gone
    const wal = await Deno.stat(`${root}/data/sub/app.db-wal`).catch(() => undefined);
    assert.ok(!wal || wal.size === 0);
    await assert.rejects(db.query("SELECT 1"), (e) => isDbError(e, "connection"));
    // reopen: data survived
    const again = new DbTool({ path: "data/sub/app.db" });
    await again.setup(standaloneContext({ root, mode: "dev" }));
    assert.equal((await again.api.query("SELECT * FROM t")).length, 1);
    await again.shutdown();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("tool: test mode defaults to :memory:", async () => {
  const tool = new DbTool();
  await tool.setup(standaloneContext({ root: "/nonexistent", mode: "test" }));
  assert.equal(tool.describe().path, ":memory:");
  await tool.shutdown();
});

Deno.test("tool: settings come through ctx.env; a relative DB_PATH resolves against dataDir", async () => {
  const dataDir = await tempRoot();
  try {
    const tool = new DbTool();
    const read: string[] = [];
    const ctx = standaloneContext({
      root: "/nonexistent",
      dataDir,
      mode: "start",
      env: { DB_DRIVER: "sqlite", DB_PATH: "sub/app.db" },
    });
    await tool.setup({ ...ctx, env: (k) => (read.push(k), ctx.env(k)) });
    assert.equal(tool.describe().path, `${dataDir}/sub/app.db`);
    await tool.shutdown();
    assert.deepEqual(read.sort(), ["DATABASE_URL", "DB_AUTO_MIGRATE", "DB_DRIVER", "DB_PATH"]);
    for (const key of read) assert.ok(Object.hasOwn(tool.env, key), `${key} is not declared`);
    assert.deepEqual(tool.files, ["domains/*/migrations/*.sql"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("tool: an unknown DB_DRIVER is refused", async () => {
  const tool = new DbTool();
  await assert.rejects(
    tool.setup(standaloneContext({ env: { DB_DRIVER: "oracle" } })),
    /unknown DB_DRIVER "oracle"/,
  );
});

Deno.test("migrations: applied once, in numeric order, recorded; drift reported not re-run", async () => {
  const root = await tempRoot();
  try {
    await writeFiles(root, {
      "domains/shop/migrations/002_add_price.sql": "ALTER TABLE products ADD COLUMN price REAL;",
      "domains/shop/migrations/001_products.sql":
        "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n" +
        "INSERT INTO products (name) VALUES ('seed $1');",
      "domains/shop/migrations/010_index.sql": "CREATE INDEX products_price ON products (price);",
      "domains/shop/migrations/README.md": "not a migration",
    });
    const path = `${root}/app.db`;
    const shop = domain(root, "shop");
    const tool = new DbTool({ path });
    await tool.setup(standaloneContext({ root, domains: [shop] }));
    await tool.prepareDomain(shop);
    await tool.prepareDomain(shop); // second call: nothing to do
    const db = tool.api;
    assert.equal((await db.query("SELECT * FROM products")).length, 1);
    const d = tool.describe() as {
      migrations: { domain: string; name: string }[];
      drift: unknown[];
    };
    assert.deepEqual(d.migrations.map((m) => m.name), [
      "001_products.sql",
      "002_add_price.sql",
      "010_index.sql",
    ]);
    assert.deepEqual(d.drift, []);
    const rec = await db.query<{ checksum: string }>("SELECT checksum FROM _microcore_migrations");
    assert.equal(rec.length, 3);
    assert.match(rec[0].checksum, /^[0-9a-f]{64}$/);
    // internal table hidden from the schema
    assert.deepEqual((await db.describeSchema()).map((t) => t.name), ["products"]);
    await tool.shutdown();

    // change an applied file, add a new one; restart
    await writeFiles(root, {
      "domains/shop/migrations/001_products.sql": "CREATE TABLE products (id INTEGER PRIMARY KEY);",
      "domains/shop/migrations/011_more.sql": "INSERT INTO products (name) VALUES ('second');",
    });
    const log = recordingLog();
    const tool2 = new DbTool({ path });
    await tool2.setup(standaloneContext({ root, domains: [shop], log }));
    await tool2.prepareDomain(shop);
    assert.equal((await tool2.api.query("SELECT * FROM products")).length, 2);
    const d2 = tool2.describe() as {
      migrations: unknown[];
      drift: { name: string; file: string }[];
    };
    assert.equal(d2.migrations.length, 4);
    assert.deepEqual(d2.drift.map((x) => [x.name, x.file]), [[
      "001_products.sql",
      "domains/shop/migrations/001_products.sql",
    ]]);
    assert.ok(log.lines.some((l) => l.level === "warn" && l.message.includes("001_products.sql")));
    await tool2.shutdown();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("migrations: a failing file names itself, rolls back, and leaves other domains alone", async () => {
  const root = await tempRoot();
  try {
    await writeFiles(root, {
      "domains/good/migrations/001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);",
      "domains/bad/migrations/001_ok.sql": "CREATE TABLE b (id INTEGER PRIMARY KEY);",
      "domains/bad/migrations/002_broken.sql": "CREATE TABLE c (id INTEGER);\nCREATE TABEL oops;",
      "domains/bad/migrations/003_never.sql": "CREATE TABLE d (id INTEGER);",
    });
    const good = domain(root, "good"), bad = domain(root, "bad");
    const tool = new DbTool({ path: ":memory:" });
    await tool.setup(standaloneContext({ root, domains: [good, bad] }));
    await assert.rejects(tool.prepareDomain(bad), (e) => {
      assert.ok(e instanceof MigrationError);
      assert.equal(e.file, "domains/bad/migrations/002_broken.sql");
      assert.match(e.message, /domains\/bad\/migrations\/002_broken\.sql failed: .*syntax error/);
      assert.ok(isDbError(e.cause, "syntax_error"));
      return true;
    });
    await tool.prepareDomain(good);
    const tables = (await tool.api.describeSchema()).map((t) => t.name);
    assert.deepEqual(tables, ["a", "b"]); // c rolled back, d never ran
    const names = (tool.describe().migrations as { name: string }[]).map((m) => m.name);
    assert.deepEqual(names.sort(), ["001_a.sql", "001_ok.sql"]);
    await tool.shutdown();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("migrations: depends applies the other domain's file (and those before it) first", async () => {
  const root = await tempRoot();
  try {
    await writeFiles(root, {
      "domains/orders/migrations/001_orders.sql": "-- depends: users/002_users_email\n" +
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));",
      "domains/users/migrations/001_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);",
      "domains/users/migrations/002_users_email.sql": "ALTER TABLE users ADD COLUMN email TEXT;",
      "domains/users/migrations/003_later.sql": "CREATE TABLE later (x);",
    });
    const orders = domain(root, "orders"), users = domain(root, "users");
    const tool = new DbTool({ path: ":memory:" });
    await tool.setup(standaloneContext({ root, domains: [orders, users] }));
    await tool.prepareDomain(orders);
    let names = (tool.describe().migrations as { domain: string; name: string }[]).map((m) =>
      `${m.domain}/${m.name}`
    );
    assert.deepEqual(names, [
      "users/001_users.sql",
      "users/002_users_email.sql",
      "orders/001_orders.sql",
    ]);
    await tool.prepareDomain(users);
    names = (tool.describe().migrations as { domain: string; name: string }[]).map((m) =>
      `${m.domain}/${m.name}`
    );
    assert.deepEqual(names.slice(3), ["users/003_later.sql"]);
    await tool.shutdown();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("migrations: a missing dependency is a clear error naming both", async () => {
  const root = await tempRoot();
  try {
    await writeFiles(root, {
      "domains/orders/migrations/001_orders.sql":
        "-- depends: users/001_users.sql\nCREATE TABLE o (x);",
    });
    const tool = new DbTool({ path: ":memory:" });
    await tool.setup(standaloneContext({ root }));
    await assert.rejects(
      tool.prepareDomain(domain(root, "orders")),
      /domains\/orders\/migrations\/001_orders\.sql depends on users\/001_users\.sql, which does not exist/,
    );
    await tool.shutdown();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("migrations: a domain without a migrations folder is fine", async () => {
  const root = await tempRoot();
  try {
    const tool = new DbTool({ path: ":memory:" });
    await tool.setup(standaloneContext({ root }));
    await tool.prepareDomain(domain(root, "empty"));
    assert.deepEqual(tool.describe().migrations, []);
    await tool.shutdown();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("migrations: an empty file (being written) waits, with those after it, until it has SQL", async () => {
  const root = await tempRoot();
  try {
    await writeFiles(root, {
      "domains/shop/migrations/001_products.sql": "CREATE TABLE products (id INTEGER PRIMARY KEY);",
      "domains/shop/migrations/002_add_total.sql": "",
      "domains/shop/migrations/003_index.sql": "CREATE INDEX products_total ON products (total);",
    });
    const shop = domain(root, "shop");
    const tool = new DbTool({ path: ":memory:" });
    await tool.setup(standaloneContext({ root, domains: [shop] }));
    await tool.prepareDomain(shop);
    const names = () =>
      (tool.describe() as { migrations: { name: string }[] }).migrations.map((m) => m.name);
    assert.deepEqual(names(), ["001_products.sql"]);
    await writeFiles(root, {
      "domains/shop/migrations/002_add_total.sql": "ALTER TABLE products ADD COLUMN total REAL;",
    });
    await tool.prepareDomain(shop);
    assert.deepEqual(names(), ["001_products.sql", "002_add_total.sql", "003_index.sql"]);
    await tool.api.execute("INSERT INTO products (total) VALUES ($1)", [2.5]);
    await tool.shutdown();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

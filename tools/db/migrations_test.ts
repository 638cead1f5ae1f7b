/**
 * The migrator on its own: which files, in what order, recorded how, drift, `-- depends:`.
 * @module
 */
import assert from "node:assert/strict";
import type { DomainInfo } from "@core";
import { recordingLog } from "@microcore/testing/standalone.ts";
import { Database } from "./database.ts";
import { MigrationError, Migrator } from "./migrations.ts";
import { migrationIdentity } from "./migration_files.ts";
import { SqliteDriver } from "./sqlite_driver.ts";
import type { Params } from "./types.ts";
import { writeFiles } from "./test_helpers.ts";

interface Env {
  root: string;
  db: Database;
  log: ReturnType<typeof recordingLog>;
  /** A migrator over the same database (a restart), knowing `domains`. */
  migrator(domains?: DomainInfo[]): Promise<Migrator>;
  domain(name: string): DomainInfo;
}

async function withMigrations(
  files: Record<string, string>,
  fn: (env: Env) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "microcore_mig_" });
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  const log = recordingLog();
  try {
    await writeFiles(root, files);
    await fn({
      root,
      db,
      log,
      migrator: async (domains) => {
        // trailing slashes on the root change nothing (log lines stay relative)
        const m = new Migrator(db, log, `${root}//`, domains);
        await m.init();
        return m;
      },
      domain: (name) => ({ name, dir: `${root}/domains/${name}` }),
    });
  } finally {
    await db.close();
    await Deno.remove(root, { recursive: true });
  }
}

const seen = (name: string) =>
  `CREATE TABLE IF NOT EXISTS seen (n); INSERT INTO seen VALUES ('${name}');`;
const seenNames = async (db: Database) =>
  (await db.query<{ n: string }>("SELECT n FROM seen ORDER BY rowid")).map((r) => r.n);
const keys = (m: Migrator) => m.applied().map((a) => `${a.domain}/${a.name}`);

Deno.test("migrations: NNN_name.sql files only, by number then name", async () => {
  await withMigrations({
    "domains/shop/migrations/10_x.sql": seen("10_x"),
    "domains/shop/migrations/9_y.sql": seen("9_y"),
    "domains/shop/migrations/2_a.sql": seen("2_a"),
    "domains/shop/migrations/002_b.sql": seen("002_b"),
    "domains/shop/migrations/002_c.sql": seen("002_c"),
    "domains/shop/migrations/02_d.sql": seen("02_d"),
    "domains/shop/migrations/001_a.sql.bak": seen("bak"),
    "domains/shop/migrations/notes_001.sql": seen("notes"),
    "domains/shop/migrations/x001_a.sql": seen("x001"),
    "domains/shop/migrations/README.md": "not sql",
    "domains/shop/migrations/004_folder.sql/inner.sql": seen("folder"),
  }, async ({ db, migrator, domain }) => {
    const m = await migrator();
    await m.prepareDomain(domain("shop"));
    const order = ["002_b", "002_c", "02_d", "2_a", "9_y", "10_x"];
    assert.deepEqual(await seenNames(db), order);
    assert.deepEqual(keys(m), order.map((n) => `shop/${n}.sql`));
  });
});

Deno.test("migrations: recorded with their checksum and time, logged, reloaded in order", async () => {
  await withMigrations({
    "domains/b/migrations/001_b.sql": "CREATE TABLE a (x);\n",
    "domains/a/migrations/001_a.sql": "CREATE TABLE a2 (x);",
  }, async ({ db, log, migrator, domain }) => {
    const m = await migrator();
    const before = new Date().toISOString();
    await m.prepareDomain(domain("b"));
    await new Promise((r) => setTimeout(r, 3));
    await m.prepareDomain(domain("a"));
    const [b, a] = m.applied();
    assert.deepEqual({ ...b, appliedAt: "" }, {
      domain: "b",
      name: "001_b.sql",
      checksum: "7d862b9d7b6880c11d236645cb0091f2fa70c6157b8e83a2a9af420a96135098",
      appliedAt: "",
    });
    assert.match(a.checksum, /^[0-9a-f]{64}$/);
    assert.match(b.appliedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(b.appliedAt >= before && a.appliedAt > b.appliedAt);
    const rows = await db.query(
      "SELECT domain, name, checksum, applied_at FROM _microcore_migrations",
    );
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { domain: "b", name: "001_b.sql", checksum: b.checksum, applied_at: b.appliedAt },
      { domain: "a", name: "001_a.sql", checksum: a.checksum, applied_at: a.appliedAt },
    ]);
    assert.deepEqual(log.lines, [
      {
        level: "info",
        message: "applied migration domains/b/migrations/001_b.sql",
        props: { domain: "b", name: "001_b.sql" },
      },
      {
        level: "info",
        message: "applied migration domains/a/migrations/001_a.sql",
        props: { domain: "a", name: "001_a.sql" },
      },
    ]);
    // a restart reads the same record back, in the order applied, and applies nothing again
    const again = await migrator();
    assert.deepEqual(again.applied(), [b, a]);
    await again.prepareDomain(domain("a"));
    await again.prepareDomain(domain("b"));
    assert.equal(log.lines.length, 2);
    assert.deepEqual(again.drift(), []);
  });
});

Deno.test("migrations: a changed file is reported once as drift, never re-run", async () => {
  const file = "domains/shop/migrations/001_products.sql";
  await withMigrations(
    { [file]: "CREATE TABLE products (id INTEGER PRIMARY KEY);\n" },
    async (env) => {
      const first = await env.migrator();
      await first.prepareDomain(env.domain("shop"));
      const applied = first.applied()[0].checksum;
      // the same text with Windows line endings is the same migration
      await writeFiles(env.root, { [file]: "CREATE TABLE products (id INTEGER PRIMARY KEY);\r\n" });
      const second = await env.migrator();
      await second.prepareDomain(env.domain("shop"));
      assert.deepEqual(second.drift(), []);
      await writeFiles(env.root, { [file]: "CREATE TABLE products (id INTEGER PRIMARY KEY, x);" });
      const third = await env.migrator();
      await third.prepareDomain(env.domain("shop"));
      await third.prepareDomain(env.domain("shop"));
      const drift = {
        domain: "shop",
        name: "001_products.sql",
        file,
        appliedChecksum: applied,
        currentChecksum: "5a55191fdb078c9cd8643b2045badca4fcf23507f9b75fb06fbc592d917e6193",
      };
      assert.deepEqual(third.drift(), [drift]);
      const warns = env.log.lines.filter((l) => l.level === "warn");
      assert.deepEqual(warns, [{
        level: "warn",
        message: `migration ${file} changed after it was applied; it is not re-run`,
        props: drift,
      }]);
      assert.deepEqual((await env.db.describeSchema())[0].columns.map((c) => c.name), ["id"]);
    },
  );
});

Deno.test("migrations: -- depends: lines, any spacing and case, several names per line", async () => {
  await withMigrations({
    "domains/orders/migrations/001_orders.sql":
      "--DEPENDS :  users/001_users.sql,catalog/001_items , \n" +
      "  -- depends: tags/001_tags\n" +
      "SELECT 1; -- depends: ghost/001_not_a_dependency (not at the start of a line)\n" +
      seen("orders"),
    "domains/users/migrations/001_users.sql": seen("users"),
    "domains/catalog/migrations/001_items.sql": seen("catalog"),
    "domains/tags/migrations/001_tags.sql": seen("tags"),
  }, async ({ db, migrator, domain }) => {
    const m = await migrator();
    await m.prepareDomain(domain("orders"));
    assert.deepEqual(await seenNames(db), ["users", "catalog", "tags", "orders"]);
  });
});

Deno.test("migrations: a dependency in a domain folder named at setup or by prepareDomain", async () => {
  await withMigrations({
    "elsewhere/users/migrations/001_users.sql": seen("users"),
    "elsewhere/orders/migrations/001_orders.sql": "-- depends: users/001_users\n" + seen("orders"),
    "elsewhere/billing/migrations/001_billing.sql": "-- depends: orders/001_orders\n" +
      seen("billing"),
  }, async ({ root, db, migrator }) => {
    const users = { name: "users", dir: `${root}/elsewhere/users` };
    const m = await migrator([users]);
    await m.prepareDomain({ name: "orders", dir: `${root}/elsewhere/orders` });
    await m.prepareDomain({ name: "billing", dir: `${root}/elsewhere/billing` });
    assert.deepEqual(await seenNames(db), ["users", "orders", "billing"]);
    assert.deepEqual(m.applied().map((a) => a.name), [
      "001_users.sql",
      "001_orders.sql",
      "001_billing.sql",
    ]);
  });
});

Deno.test("migrations: files outside the root are named by their full path", async () => {
  const outside = await Deno.makeTempDir({ prefix: "microcore_mig_out_" });
  try {
    await writeFiles(outside, { "migrations/001_bad.sql": "CREATE TABEL x;" });
    await withMigrations({}, async ({ migrator }) => {
      const m = await migrator();
      await assert.rejects(m.prepareDomain({ name: "ext", dir: outside }), (e) => {
        assert.ok(e instanceof MigrationError);
        assert.equal(e.file, `${outside}/migrations/001_bad.sql`);
        return true;
      });
    });
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("migrations: a failure is a MigrationError naming the file, with the cause", async () => {
  const file = "domains/bad/migrations/001_bad.sql";
  await withMigrations({ [file]: "CREATE TABLE t (x);\nCREATE TABEL oops;" }, async (env) => {
    const m = await env.migrator();
    const e = await m.prepareDomain(env.domain("bad")).then(() => undefined, (e) => e);
    assert.ok(e instanceof MigrationError);
    assert.equal(e.name, "MigrationError");
    assert.equal(e.file, file);
    assert.equal(e.message, `migration ${file} failed: ${(e.cause as Error).message}`);
    assert.match((e.cause as Error).message, /syntax error/);
    assert.deepEqual([m.applied(), await env.db.describeSchema()], [[], []]);
    assert.deepEqual(env.log.lines, []);
  });
});

Deno.test("migrations: a depends line must name <domain>/<file>", async () => {
  const file = "domains/orders/migrations/001_orders.sql";
  for (const dep of ["users", "/001_users.sql"]) {
    await withMigrations({
      [file]: `-- depends: ${dep}\nCREATE TABLE o (x);`,
      "domains/users/migrations/001_users.sql": "CREATE TABLE u (x);",
    }, async ({ migrator, domain }) => {
      const m = await migrator();
      await assert.rejects(m.prepareDomain(domain("orders")), (e) => {
        assert.ok(e instanceof MigrationError);
        assert.equal(
          e.message,
          `migration ${file}: "-- depends: ${dep}" must name <domain>/<file>`,
        );
        assert.equal(e.file, file);
        return true;
      });
      assert.deepEqual(m.applied(), []);
    });
  }
});

Deno.test("migrations: a missing dependency says where it was looked for", async () => {
  const file = "domains/orders/migrations/001_orders.sql";
  await withMigrations({
    [file]: "-- depends: users/002_email\nCREATE TABLE o (x);",
    "domains/users/migrations/001_users.sql": "CREATE TABLE u (x);",
  }, async ({ migrator, domain }) => {
    const m = await migrator();
    await assert.rejects(m.prepareDomain(domain("orders")), (e) => {
      assert.ok(e instanceof MigrationError);
      assert.equal(
        e.message,
        `migration ${file} depends on users/002_email, which does not exist ` +
          "(looked in domains/users/migrations)",
      );
      assert.equal(e.file, file);
      return true;
    });
  });
});

Deno.test("migrations: a circular dependency is refused, naming the cycle", async () => {
  await withMigrations({
    "domains/a/migrations/001_a.sql": "-- depends: b/001_b\nCREATE TABLE a (x);",
    "domains/b/migrations/001_b.sql": "-- depends: a/001_a.sql\nCREATE TABLE b (x);",
  }, async ({ migrator, domain }) => {
    const m = await migrator();
    await assert.rejects(m.prepareDomain(domain("a")), (e) => {
      assert.ok(e instanceof MigrationError);
      assert.equal(
        e.message,
        "migration domains/a/migrations/001_a.sql: circular dependency " +
          "a/001_a.sql → b/001_b.sql → a/001_a.sql",
      );
      assert.equal(e.file, "domains/a/migrations/001_a.sql");
      return true;
    });
    assert.deepEqual(m.applied(), []);
  });
});

Deno.test("migrations: domains prepared at the same time apply a shared dependency once", async () => {
  await withMigrations({
    "domains/users/migrations/001_users.sql": seen("users"),
    "domains/orders/migrations/001_orders.sql": "-- depends: users/001_users\n" + seen("orders"),
    "domains/carts/migrations/001_carts.sql": "-- depends: users/001_users\n" + seen("carts"),
  }, async ({ db, migrator, domain }) => {
    const m = await migrator();
    await Promise.all(["orders", "carts", "users"].map((d) => m.prepareDomain(domain(d))));
    assert.deepEqual(await seenNames(db), ["users", "orders", "carts"]);
  });
});

Deno.test("migrations: a migrations path that is not a folder is an error", async () => {
  await withMigrations({ "domains/odd/migrations": "a file" }, async ({ migrator, domain }) => {
    const m = await migrator();
    await assert.rejects(m.prepareDomain(domain("odd")), Deno.errors.NotADirectory);
  });
});

Deno.test("migrations: a driver failing with a non-Error is still reported with the file", async () => {
  const file = "domains/odd/migrations/001_a.sql";
  await withMigrations({ [file]: "CREATE TABLE a (x);" }, async ({ root, log, domain }) => {
    class OddDriver extends SqliteDriver {
      override exec(script: string): void {
        if (script.startsWith("CREATE TABLE a")) throw "disk on fire";
        super.exec(script);
      }
    }
    const db = new Database(new OddDriver({ path: ":memory:" }));
    try {
      const m = new Migrator(db, log, root);
      await m.init();
      await assert.rejects(m.prepareDomain(domain("odd")), (e) => {
        assert.ok(e instanceof MigrationError);
        assert.equal(e.message, `migration ${file} failed: disk on fire`);
        assert.equal(e.cause, "disk on fire");
        return true;
      });
    } finally {
      await db.close();
    }
  });
});

Deno.test("migrations: a per-engine file replaces the default on its engine; one identity", async () => {
  await withMigrations({
    "domains/shop/migrations/001_a.sql": seen("001 every engine"),
    "domains/shop/migrations/001_a.postgres.sql": "CREATE TABLE a (id SERIAL);",
    "domains/shop/migrations/002_b.sql": "this is not SQLite SQL",
    "domains/shop/migrations/002_b.sqlite.sql": seen("002 sqlite"),
    "domains/shop/migrations/003_c.sqlite.sql": seen("003 sqlite"),
    "domains/shop/migrations/003_c.postgres.sql": "CREATE TABLE c (id SERIAL);",
    "domains/orders/migrations/001_o.sql": "-- depends: shop/003_c.postgres.sql\n" + seen("o"),
  }, async ({ db, log, migrator, domain }) => {
    const m = await migrator();
    await m.prepareDomain(domain("orders"));
    assert.deepEqual(await seenNames(db), ["001 every engine", "002 sqlite", "003 sqlite", "o"]);
    assert.deepEqual(keys(m), [
      "shop/001_a.sql",
      "shop/002_b.sql",
      "shop/003_c.sql",
      "orders/001_o.sql",
    ]);
    assert.deepEqual(log.lines.map((l) => l.message), [
      "applied migration domains/shop/migrations/001_a.sql",
      "applied migration domains/shop/migrations/002_b.sqlite.sql",
      "applied migration domains/shop/migrations/003_c.sqlite.sql",
      "applied migration domains/orders/migrations/001_o.sql",
    ]);
    await m.prepareDomain(domain("shop"));
    assert.equal(log.lines.length, 4, "each applied once");
    assert.deepEqual(m.pending(), []);
  });
});

Deno.test("migrations: one with only another engine's file fails, naming the file to add", async () => {
  const file = "domains/shop/migrations/002_b.postgres.sql";
  await withMigrations({
    "domains/shop/migrations/001_a.sql": seen("a"),
    [file]: "CREATE TABLE b (id SERIAL);",
    "domains/shop/migrations/003_c.sql": seen("c"),
  }, async ({ db, migrator, domain }) => {
    const m = await migrator();
    const e = await m.prepareDomain(domain("shop")).then(() => undefined, (e) => e);
    assert.ok(e instanceof MigrationError);
    assert.equal(
      e.message,
      `migration ${file} has no variant for sqlite: add domains/shop/migrations/002_b.sql ` +
        "(every engine) or 002_b.sqlite.sql",
    );
    assert.equal(e.file, file);
    assert.deepEqual(await seenNames(db), ["a"]);
    assert.deepEqual(m.pending(), [
      { domain: "shop", name: "002_b.sql", file },
      { domain: "shop", name: "003_c.sql", file: "domains/shop/migrations/003_c.sql" },
    ]);
  });
});

Deno.test("migrations: a file for an engine that does not exist is refused by name", async () => {
  await withMigrations({
    "domains/shop/migrations/001_a.sql": seen("a"),
    "domains/shop/migrations/001_a.postgresql.sql": seen("typo"),
  }, async ({ db, migrator, domain }) => {
    const m = await migrator();
    await assert.rejects(m.prepareDomain(domain("shop")), {
      name: "MigrationError",
      message: "migration domains/shop/migrations/001_a.postgresql.sql: unknown engine " +
        '"postgresql"; name the file 001_a.sql (every engine) or 001_a.<engine>.sql with ' +
        "<engine> one of sqlite, postgres",
    });
    assert.deepEqual(await seenNames(db).catch(() => []), []);
  });
});

Deno.test("migrations: one another process applied after this one read the record is not re-run", async () => {
  const root = await Deno.makeTempDir({ prefix: "microcore_mig_two_" });
  const path = `${root}/app.db`;
  await writeFiles(root, { "domains/shop/migrations/001_a.sql": "CREATE TABLE a (x);" });
  const shop = { name: "shop", dir: `${root}/domains/shop` };
  const db1 = new Database(new SqliteDriver({ path }));
  const log = recordingLog();
  let other: Migrator | undefined;
  /** The second process: between reading the record and applying, the first one migrates. */
  class Racing extends Database {
    override async query<T>(sql: string, params?: Params): Promise<T[]> {
      const rows = await super.query<T>(sql, params);
      if (other && sql.includes("ORDER BY applied_at")) {
        const first = other;
        other = undefined;
        await first.prepareDomain(shop);
      }
      return rows;
    }
  }
  const db2 = new Racing(new SqliteDriver({ path }));
  try {
    const first = new Migrator(db1, log, root);
    const second = new Migrator(db2, log, root);
    await first.init();
    await second.init();
    other = first;
    await second.prepareDomain(shop);
    assert.equal(other, undefined, "the first process ran in between");
    assert.deepEqual(log.lines.map((l) => l.message), [
      "applied migration domains/shop/migrations/001_a.sql",
    ]);
    assert.deepEqual(second.applied(), first.applied());
    assert.deepEqual(second.pending(), []);
  } finally {
    await db1.close();
    await db2.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("migrations: when not applying, pending ones are listed and logged, nothing written", async () => {
  await withMigrations({
    "domains/shop/migrations/001_a.sql": seen("a"),
    "domains/shop/migrations/002_b.sql": seen("b"),
  }, async ({ root, db, log, domain }) => {
    const off = new Migrator(db, log, root, [], { apply: false });
    await off.init();
    await off.prepareDomain(domain("shop"));
    const tables = await db.query("SELECT name FROM sqlite_schema WHERE type = 'table'");
    assert.deepEqual(tables, [], "no table, not even the record's");
    const pending = [
      { domain: "shop", name: "001_a.sql", file: "domains/shop/migrations/001_a.sql" },
      { domain: "shop", name: "002_b.sql", file: "domains/shop/migrations/002_b.sql" },
    ];
    assert.deepEqual(off.pending(), pending);
    assert.deepEqual(log.lines, [{
      level: "warn",
      message: "db: 2 migration(s) pending in shop: 001_a.sql, 002_b.sql " +
        "(DB_AUTO_MIGRATE=false); apply them with `deno task migrate`",
      props: { domain: "shop", pending: ["001_a.sql", "002_b.sql"] },
    }]);
    const on = new Migrator(db, log, root);
    await on.init();
    await on.prepareDomain(domain("shop"));
    assert.deepEqual(await seenNames(db), ["a", "b"]);
    assert.deepEqual(on.pending(), []);
    // A later look without applying finds nothing pending and logs nothing more.
    await off.prepareDomain(domain("shop"));
    assert.deepEqual(off.pending(), []);
    assert.equal(log.lines.filter((l) => l.level === "warn").length, 1);
  });
});

Deno.test("migrations: when not applying, each domain's warning lists only its own files", async () => {
  await withMigrations({
    "domains/shop/migrations/001_a.sql": seen("a"),
    "domains/mail/migrations/001_m.sql": seen("m"),
  }, async ({ root, db, log, domain }) => {
    const off = new Migrator(db, log, root, [], { apply: false });
    await off.init();
    await off.prepareDomain(domain("shop"));
    await off.prepareDomain(domain("mail"));
    assert.deepEqual(log.lines.map((l) => l.props?.pending), [["001_a.sql"], ["001_m.sql"]]);
    assert.deepEqual(off.pending().map((p) => `${p.domain}/${p.name}`), [
      "shop/001_a.sql",
      "mail/001_m.sql",
    ]);
  });
});

Deno.test("migrations: an applied migration is not re-checked: a variant added later for an unknown engine does not fail", async () => {
  await withMigrations({
    "domains/shop/migrations/001_a.sql": seen("a"),
  }, async ({ root, log, migrator, domain }) => {
    await (await migrator()).prepareDomain(domain("shop"));
    await Deno.writeTextFile(`${root}/domains/shop/migrations/001_a.mysql.sql`, "SELECT 1;");
    const m = await migrator();
    await m.prepareDomain(domain("shop"));
    assert.deepEqual(keys(m), ["shop/001_a.sql"]);
    assert.deepEqual(log.lines.map((l) => l.message), [
      "applied migration domains/shop/migrations/001_a.sql",
    ]);
  });
});

Deno.test("migrations: a depends reference names a migration with or without .sql and engine", () => {
  for (
    const ref of ["001_x", "001_x.sql", "001_x.postgres", "001_x.postgres.sql", "001_x.sqlite"]
  ) {
    assert.equal(migrationIdentity(ref), "001_x.sql", ref);
  }
  assert.equal(migrationIdentity("notes"), "notes.sql");
  assert.equal(migrationIdentity("notes.sql"), "notes.sql");
});

/**
 * The db tool's settings, options, log lines and describe(), on SQLite.
 * @module
 */
import assert from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { isDbError } from "./errors.ts";
import { SqliteDriver } from "./sqlite_driver.ts";
import { writeFiles } from "./test_helpers.ts";
import { DbTool } from "./tool.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "microcore_dbtool_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The SQLite file the tool opens for `env` (and `options`) in `mode`, relative to `dir`. */
async function pathFor(
  dir: string,
  env: Record<string, string>,
  mode: "dev" | "test" = "dev",
): Promise<string> {
  const tool = new DbTool();
  await tool.setup(standaloneContext({ root: dir, dataDir: `${dir}//`, mode, env }));
  const d = tool.describe();
  await tool.shutdown();
  assert.equal(d.driver, "sqlite");
  return String(d.path).replace(dir, "<dir>");
}

Deno.test("tool: before setup, the API and migrations are refused and describe() is empty", async () => {
  const tool = new DbTool();
  assert.throws(() => tool.api, { message: "db tool is not set up" });
  assert.throws(() => tool.forOwner({ id: "x/y", generation: 1 }), {
    message: "db tool is not set up",
  });
  await assert.rejects(tool.prepareDomain({ name: "d", dir: "/nowhere" }), {
    message: "db tool is not set up",
  });
  assert.deepEqual(tool.describe(), {
    driver: undefined,
    path: undefined,
    pending: [],
    migrations: [],
    drift: [],
  });
  await tool.shutdown();
});

Deno.test("tool: the SQLite file: default data/app.db under dataDir, DB_PATH, absolute, file: URI", async () => {
  await withDir(async (dir) => {
    assert.equal(await pathFor(dir, {}), "<dir>/data/app.db");
    assert.equal(await pathFor(dir, {}, "test"), ":memory:");
    assert.equal(await pathFor(dir, { DB_PATH: "x/y.db" }, "test"), "<dir>/x/y.db");
    // only a drive letter at the start makes a path absolute
    assert.equal(await pathFor(dir, { DB_PATH: "x/c:/y.db" }, "test"), "<dir>/x/c:/y.db");
    assert.equal(await pathFor(dir, { DB_PATH: `${dir}/abs/z.db` }), "<dir>/abs/z.db");
    assert.equal(await pathFor(dir, { DB_PATH: "file:mem1?mode=memory" }), "file:mem1?mode=memory");
    // Under a permission set (not -A) Deno's node:sqlite opens a `file:` URI as a file of that
    // literal name in the working directory: remove it, so tests leave nothing in the project.
    await Deno.remove("file:mem1?mode=memory").catch(() => {});
    // A Windows drive path is absolute too (opened as given: here, a file of that name in the
    // working directory, removed at once).
    const drive = `C:\\microcore_${crypto.randomUUID().slice(0, 8)}.db`;
    try {
      assert.equal(await pathFor(dir, { DB_PATH: drive }), drive);
      // …and no folder is made from a path without a "/" (it made `C:\\microcore_….d`)
      await assert.rejects(Deno.stat(drive.slice(0, -1)), Deno.errors.NotFound);
      // …nor, off Windows where "\\" is a letter like another, a folder `C:`
      await assert.rejects(Deno.stat("C:"), Deno.errors.NotFound);
    } finally {
      await Deno.remove(drive.slice(0, -1)).catch(() => {});
      await Deno.remove("C:").catch(() => {});
      for (const f of [drive, `${drive}-wal`, `${drive}-shm`]) await Deno.remove(f).catch(() => {});
    }
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      "abs",
      "data",
      "x",
    ]);
    // a postgres URL is not used when DB_DRIVER says sqlite, nor a URL of another engine
    const pg = "postgres://127.0.0.1:1/none";
    assert.equal(await pathFor(dir, { DB_DRIVER: "sqlite", DATABASE_URL: pg }, "test"), ":memory:");
    const mysql = "mysql://postgres:secret@127.0.0.1:1/db";
    assert.equal(await pathFor(dir, { DATABASE_URL: mysql }, "test"), ":memory:");
  });
});

Deno.test("tool: options override the settings", async () => {
  await withDir(async (dir) => {
    const tool = new DbTool({ path: ":memory:", busyTimeoutMs: 1234, cacheSize: 1 });
    await tool.setup(standaloneContext({ root: dir, mode: "dev", env: { DB_PATH: "no.db" } }));
    const db = tool.api;
    const timeout = await db.queryOne<{ timeout: number }>("PRAGMA busy_timeout");
    assert.equal(timeout?.timeout, 1234);
    await db.query("SELECT 1");
    await db.query("SELECT 2");
    assert.equal(tool.describe().cachedStatements, 1);
    assert.equal(tool.describe().path, ":memory:");
    await tool.shutdown();
    // a driver of one's own wins over everything, even an unknown DB_DRIVER
    const own = new DbTool({ driver: () => new SqliteDriver({ path: ":memory:" }) });
    await own.setup(standaloneContext({ env: { DB_DRIVER: "oracle" } }));
    assert.equal(own.describe().driver, "sqlite");
    await own.shutdown();
  });
});

Deno.test("tool: an unknown DB_DRIVER is refused by name", async () => {
  await assert.rejects(
    new DbTool().setup(standaloneContext({ env: { DB_DRIVER: "oracle" } })),
    { message: 'db: unknown DB_DRIVER "oracle"' },
  );
});

Deno.test("tool: logs where the database is, and closing once", async () => {
  const log = recordingLog();
  const tool = new DbTool({ path: ":memory:" });
  await tool.setup(standaloneContext({ log }));
  await tool.shutdown();
  await tool.shutdown();
  assert.deepEqual(log.lines, [
    { level: "info", message: "db: sqlite at :memory:", props: undefined },
    { level: "debug", message: "db: closed", props: undefined },
  ]);
});

Deno.test("tool: describe() lists applied migrations without checksums, and drift", async () => {
  await withDir(async (root) => {
    await writeFiles(root, { "domains/shop/migrations/001_a.sql": "CREATE TABLE a (x);" });
    const tool = new DbTool({ path: ":memory:" });
    await tool.setup(standaloneContext({ root }));
    await tool.prepareDomain({ name: "shop", dir: `${root}/domains/shop` });
    const d = tool.describe() as { migrations: { appliedAt: string }[] };
    assert.deepEqual(d, {
      driver: "sqlite",
      path: ":memory:",
      pending: [],
      migrations: [{ domain: "shop", name: "001_a.sql", appliedAt: d.migrations[0].appliedAt }],
      drift: [],
      cachedStatements: tool.describe().cachedStatements,
    });
    assert.equal(typeof d.migrations[0].appliedAt, "string");
    await tool.shutdown();
  });
});

Deno.test("tool: a setup that fails reading the migration record closes the database", async () => {
  const driver = new SqliteDriver({ path: ":memory:" });
  driver.exec("CREATE TABLE _microcore_migrations (something_else TEXT)");
  const tool = new DbTool({ driver: () => driver });
  await assert.rejects(tool.setup(standaloneContext({})), (e) => isDbError(e, "undefined_column"));
  assert.throws(() => driver.query("SELECT 1"), { message: "database is closed" });
});

Deno.test("tool: every setting it reads is documented, with its default", () => {
  const tool = new DbTool();
  assert.deepEqual(Object.keys(tool.env).sort(), [
    "DATABASE_URL",
    "DB_AUTO_MIGRATE",
    "DB_DRIVER",
    "DB_PATH",
    "DB_SCHEMA",
  ]);
  assert.match(tool.env.DB_DRIVER, /^sqlite or postgres \(default sqlite/);
  assert.match(tool.env.DATABASE_URL, /\(default postgres:\/\/127\.0\.0\.1:5432\/postgres\)$/);
  assert.match(tool.env.DB_SCHEMA, /^PostgreSQL schema/);
  assert.match(tool.env.DB_PATH, /default data\/app\.db; :memory: in tests/);
  assert.match(
    tool.env.DB_AUTO_MIGRATE,
    /^false to leave pending migrations to `deno task migrate`/,
  );
  assert.match(tool.env.DB_AUTO_MIGRATE, /\(default true\)$/);
  assert.match(tool.description, /^SQL database/);
});

Deno.test("tool: DB_AUTO_MIGRATE=false (or 0, no, off) lists pending migrations instead", async () => {
  await withDir(async (root) => {
    await writeFiles(root, { "domains/shop/migrations/001_a.sql": "CREATE TABLE a (x);" });
    const shop = { name: "shop", dir: `${root}/domains/shop` };
    const pendingWith = async (value: string | undefined, options = {}) => {
      const log = recordingLog();
      const tool = new DbTool({ path: ":memory:", ...options });
      await tool.setup(standaloneContext({ root, log, env: { DB_AUTO_MIGRATE: value } }));
      await tool.prepareDomain(shop);
      const pending = (tool.describe().pending as { name: string }[]).map((p) => p.name);
      await tool.shutdown();
      const warned = log.lines.some((l) =>
        l.level === "warn" && /deno task migrate/.test(l.message)
      );
      assert.equal(warned, pending.length > 0, String(value));
      return pending;
    };
    for (const off of ["false", "FALSE", "0", "no", " off "]) {
      assert.deepEqual(await pendingWith(off), ["001_a.sql"], off);
    }
    for (const on of [undefined, "", "true", "1", "yes", "On"]) {
      assert.deepEqual(await pendingWith(on), [], String(on));
    }
    assert.deepEqual(await pendingWith("false", { autoMigrate: true }), [], "the option wins");
    assert.deepEqual(await pendingWith("true", { autoMigrate: false }), ["001_a.sql"]);
    await assert.rejects(
      new DbTool().setup(standaloneContext({ env: { DB_AUTO_MIGRATE: "maybe" } })),
      { message: 'db: DB_AUTO_MIGRATE must be true or false, not "maybe"' },
    );
  });
});

/**
 * The outbox as the db tool offers it: the table made at setup (in `DB_SCHEMA` on PostgreSQL,
 * hidden from `describeSchema`), the tool's `outbox` before and after setup, listeners that throw,
 * instances creating the table at once.
 * @module
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { OutboxRecord } from "@core";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { Database } from "./database.ts";
import { DbOutbox, OUTBOX_TABLE } from "./outbox.ts";
import { PostgresDriver } from "./postgres_driver.ts";
import { SqliteDriver } from "./sqlite_driver.ts";
import { DbTool } from "./tool.ts";

const PG_URL = Deno.env.get("PG_TEST_URL") ?? "postgres://127.0.0.1:5432/test";
const admin = () => postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
const probe = admin();
const noPg = await probe`SELECT 1`.then(() => false, () => true);
await probe.end({ timeout: 1 });

/** A fresh PostgreSQL schema for `fn`, dropped after. */
async function withSchema(fn: (schema: string) => Promise<void>): Promise<void> {
  const schema = `microcore_outbox_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const sql = admin();
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  try {
    await fn(schema);
  } finally {
    await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
    await sql.end({ timeout: 1 });
  }
}

const rec = (id: string): OutboxRecord => ({ id, body: `{"id":"${id}"}` });

Deno.test("db tool: its outbox is inert before setup, then commits records with the data", async () => {
  const tool = new DbTool();
  assert.equal(tool.outbox.enlist(rec("early")), false);
  await assert.rejects(tool.outbox.pending(10, 0), /not set up/);
  await tool.setup(standaloneContext());
  try {
    const db = tool.api;
    await db.execute("CREATE TABLE items (name TEXT PRIMARY KEY)");
    assert.deepEqual((await db.describeSchema()).map((t) => t.name), ["items"]);
    const heard: string[][] = [];
    tool.outbox.onCommit((records) => heard.push(records.map((r) => r.id)));
    await db.transaction(async (tx) => {
      await tx.execute("INSERT INTO items (name) VALUES ('a')");
      assert.equal(tool.outbox.enlist(rec("e1")), true);
    });
    assert.deepEqual(heard, [["e1"]]);
    assert.deepEqual(await tool.outbox.pending(10, 0), [rec("e1")]);
    await tool.outbox.remove(["e1"]);
    assert.deepEqual(await tool.outbox.pending(10, 0), []);
  } finally {
    await tool.shutdown();
  }
});

Deno.test("db tool: a listener that throws is logged; the commit and other listeners go on", async () => {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  try {
    const log = recordingLog();
    const outbox = new DbOutbox();
    await outbox.attach(db, log);
    outbox.onCommit(() => {
      throw new Error("listener broke");
    });
    const seen: string[][] = [];
    outbox.onCommit((r) => seen.push(r.map((x) => x.id)));
    assert.equal(await db.transaction(() => (outbox.enlist(rec("x")), "done")), "done");
    assert.deepEqual(seen, [["x"]]);
    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0].level, "error");
    assert.match(JSON.stringify(log.lines[0]), /listener broke/);
    assert.deepEqual(await outbox.pending(10, 0), [rec("x")]);
  } finally {
    await db.close();
  }
});

Deno.test("outbox: a table already there is used as it is, without DDL", async () => {
  const scripts: string[] = [];
  const driver = new SqliteDriver({ path: ":memory:" });
  const spied: SqliteDriver = new Proxy(driver, {
    get(t, k) {
      const v = Reflect.get(t, k, t);
      if (k === "exec") return (script: string) => (scripts.push(script), v.call(t, script));
      if (k === "reserve") return () => spied;
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  const db = new Database(spied);
  try {
    const creates = () => scripts.filter((s) => /\bCREATE\b/.test(s)).length;
    await new DbOutbox().attach(db, recordingLog());
    assert.equal(creates(), 1);
    const again = new DbOutbox();
    await again.attach(db, recordingLog());
    assert.equal(creates(), 1);
    await db.transaction(() => void again.enlist(rec("e")));
    assert.deepEqual(await again.pending(1, 0), [rec("e")]);
  } finally {
    await db.close();
  }
});

Deno.test({
  name: "db tool on PostgreSQL: the outbox table is made in DB_SCHEMA, hidden from describeSchema",
  ignore: noPg,
  fn: () =>
    withSchema(async (schema) => {
      const tool = new DbTool();
      await tool.setup(standaloneContext({ env: { DATABASE_URL: PG_URL, DB_SCHEMA: schema } }));
      try {
        const sql = admin();
        const where = await sql`SELECT table_schema FROM information_schema.tables
                                 WHERE table_name = ${OUTBOX_TABLE} AND table_schema = ${schema}`;
        await sql.end({ timeout: 1 });
        assert.equal(where.length, 1);
        assert.deepEqual(await tool.api.describeSchema(), []);
        await tool.api.transaction(() => void tool.outbox.enlist(rec("pg")));
        assert.deepEqual(await tool.outbox.pending(10, 0), [rec("pg")]);
      } finally {
        await tool.shutdown();
      }
    }),
});

Deno.test({
  name: "db tool on PostgreSQL: instances creating the outbox table at once all succeed",
  ignore: noPg,
  fn: () =>
    withSchema(async (schema) => {
      const dbs = await Promise.all(
        Array.from({ length: 4 }, async () =>
          new Database(await PostgresDriver.connect({ url: PG_URL, schema, max: 2 }))),
      );
      try {
        const log = recordingLog();
        await Promise.all(dbs.map((db) =>
          new DbOutbox().attach(db, log)
        ));
        assert.deepEqual(await dbs[0].query(`SELECT id FROM ${OUTBOX_TABLE}`), []);
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    }),
});

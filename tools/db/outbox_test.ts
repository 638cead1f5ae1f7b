/**
 * The outbox on SQLite and on PostgreSQL (PG_TEST_URL, a schema per test): records commit with the
 * data or not at all, listeners hear of them after COMMIT, savepoints keep or drop theirs, pending.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { OutboxRecord } from "@core";
import { recordingLog } from "@microcore/testing/standalone.ts";
import { Database } from "./database.ts";
import type { Driver } from "./driver.ts";
import { isDbError } from "./errors.ts";
import { DbOutbox, OUTBOX_TABLE } from "./outbox.ts";
import { PostgresDriver } from "./postgres_driver.ts";
import { SqliteDriver } from "./sqlite_driver.ts";

const PG_URL = Deno.env.get("PG_TEST_URL") ?? "postgres://127.0.0.1:5432/test";
const admin = () => postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });

const probe = admin();
const noPg = await probe`SELECT 1`.then(() => false, () => true);
await probe.end({ timeout: 1 });
if (noPg) console.warn(`outbox_test: no PostgreSQL at ${PG_URL}, its cases skipped`);

/** The driver, logging the transaction statements it runs into `steps`. */
function spy<T extends object>(target: T, steps: string[]): T {
  return new Proxy(target, {
    get(t, k) {
      const v = Reflect.get(t, k, t);
      if (typeof v !== "function") return v;
      if (k === "exec") {
        return (script: string) => {
          if (/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/.test(script)) steps.push(script);
          return v.call(t, script);
        };
      }
      if (k === "reserve") return async () => spy(await v.call(t), steps);
      return v.bind(t);
    },
  });
}

interface Env {
  db: Database;
  outbox: DbOutbox;
  /** Transaction statements run, and `listener` when the first listener was called. */
  steps: string[];
  /** Every listener call. */
  calls: (readonly OutboxRecord[])[];
}

async function setUp(driver: Driver): Promise<Env> {
  const steps: string[] = [], calls: (readonly OutboxRecord[])[] = [];
  const db = new Database(spy(driver, steps));
  await db.execute("CREATE TABLE items (name TEXT PRIMARY KEY)");
  const outbox = new DbOutbox();
  await outbox.attach(db, recordingLog());
  outbox.onCommit((records) => {
    steps.push("listener");
    calls.push(records);
  });
  return { db, outbox, steps, calls };
}

const ENGINES = [
  {
    name: "sqlite",
    ignore: false,
    async with(fn: (env: Env) => Promise<void>) {
      const dir = await Deno.makeTempDir({ prefix: "microcore-outbox-" });
      const env = await setUp(new SqliteDriver({ path: `${dir}/app.db` }));
      try {
        await fn(env);
      } finally {
        await env.db.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  },
  {
    name: "postgres",
    ignore: noPg,
    async with(fn: (env: Env) => Promise<void>) {
      const schema = `microcore_outbox_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      const sql = admin();
      await sql.unsafe(`CREATE SCHEMA ${schema}`);
      try {
        const env = await setUp(await PostgresDriver.connect({ url: PG_URL, schema, max: 8 }));
        try {
          await fn(env);
        } finally {
          await env.db.close();
        }
      } finally {
        await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
        await sql.end({ timeout: 1 });
      }
    },
  },
];

/** One test per engine. */
function both(name: string, fn: (env: Env) => Promise<void>): void {
  for (const e of ENGINES) {
    Deno.test({ name: `outbox (${e.name}): ${name}`, ignore: e.ignore, fn: () => e.with(fn) });
  }
}

const rec = (id: string): OutboxRecord => ({ id, body: JSON.stringify({ id, n: 1 }) });
const ids = (records: readonly OutboxRecord[]) => records.map((r) => r.id);
const items = async (db: Database) =>
  (await db.query<{ name: string }>("SELECT name FROM items ORDER BY name")).map((r) => r.name);
const stored = async (db: Database) =>
  (await db.query<OutboxRecord>(`SELECT id, body FROM ${OUTBOX_TABLE} ORDER BY id`))
    .map(({ id, body }) => ({ id, body }));
const insert = (db: Database, name: string) =>
  db.execute("INSERT INTO items (name) VALUES ($1)", [name]);

both("a commit writes its records with the data, then every listener gets them", async (env) => {
  const { db, outbox, steps, calls } = env;
  const second: unknown[] = [];
  outbox.onCommit((r) => second.push(r));
  const result = await db.transaction(async (tx) => {
    await tx.execute("INSERT INTO items (name) VALUES ($1)", ["a"]);
    assert.equal(outbox.enlist(rec("e1")), true);
    await tx.execute("INSERT INTO items (name) VALUES ($1)", ["b"]);
    assert.equal(outbox.enlist(rec("e2")), true);
    return 7;
  });
  assert.equal(result, 7);
  assert.deepEqual(calls, [[rec("e1"), rec("e2")]]);
  assert.deepEqual(second, calls);
  assert.ok(Object.isFrozen(calls[0]));
  assert.deepEqual(steps.slice(-2), ["COMMIT", "listener"]);
  assert.deepEqual(await items(db), ["a", "b"]);
  assert.deepEqual(await stored(db), [rec("e1"), rec("e2")]);
  assert.deepEqual(await outbox.pending(10, 0), [rec("e1"), rec("e2")]);
  // A transaction that enlisted nothing calls no listener.
  await db.transaction((tx) => tx.execute("INSERT INTO items (name) VALUES ('c')"));
  assert.equal(calls.length, 1);
});

both("a rollback keeps no record and calls no listener", async ({ db, outbox, steps, calls }) => {
  const boom = new Error("boom");
  await assert.rejects(
    db.transaction(async (tx) => {
      await insert(db, "a");
      outbox.enlist(rec("e1"));
      await tx.transaction(() => void outbox.enlist(rec("e2"))); // released, then rolled back
      throw boom;
    }),
    (e) => e === boom,
  );
  assert.equal(steps.at(-1), "ROLLBACK");
  assert.deepEqual(calls, []);
  assert.deepEqual(await items(db), []);
  assert.deepEqual(await stored(db), []);
  await db.transaction(() => void outbox.enlist(rec("e3")));
  assert.deepEqual(calls.map(ids), [["e3"]]); // nothing of the rolled-back one carried over
});

both("a failed outbox write fails the commit: the data is not committed", async (env) => {
  const { db, outbox, calls } = env;
  await db.transaction(() => void outbox.enlist(rec("dup")));
  await assert.rejects(
    db.transaction(async () => {
      await insert(db, "lost");
      assert.equal(outbox.enlist(rec("dup")), true); // fails later, at the commit
    }),
    (e) => isDbError(e, "unique_violation"),
  );
  assert.deepEqual(env.steps.slice(-1), ["ROLLBACK"]);
  assert.deepEqual(await items(db), []);
  assert.deepEqual(calls.map(ids), [["dup"]]);
  // In a savepoint, the failed write fails that savepoint only.
  await db.transaction(async (tx) => {
    await insert(db, "kept");
    await assert.rejects(
      tx.transaction(() => void outbox.enlist(rec("dup"))),
      (e) => isDbError(e, "unique_violation"),
    );
    outbox.enlist(rec("after"));
  });
  assert.deepEqual(await items(db), ["kept"]);
  assert.deepEqual(calls.map(ids), [["dup"], ["after"]]);
  assert.deepEqual(ids(await stored(db)), ["after", "dup"]);
});

both("a record whose body throws fails the transaction with that error", async (env) => {
  const bad = {
    id: "bad",
    get body(): string {
      throw new TypeError("not JSON data");
    },
  };
  await assert.rejects(
    env.db.transaction(async () => {
      await insert(env.db, "lost");
      assert.equal(env.outbox.enlist(bad), true); // no synchronous throw
    }),
    (e) => e instanceof TypeError && e.message === "not JSON data",
  );
  assert.deepEqual([await items(env.db), await stored(env.db), env.calls], [[], [], []]);
});

both("a savepoint rolled back drops its own records only", async ({ db, outbox, calls }) => {
  await db.transaction(async (tx) => {
    outbox.enlist(rec("a"));
    await assert.rejects(
      tx.transaction(async () => {
        outbox.enlist(rec("b"));
        await insert(db, "b");
        throw new Error("undo b");
      }),
      /undo b/,
    );
    await tx.transaction(async (inner) => {
      outbox.enlist(rec("c"));
      await inner.transaction(() => void outbox.enlist(rec("d")));
      await inner.transaction(() => {
        outbox.enlist(rec("e"));
        throw new Error("undo e");
      }).catch(() => {});
    });
    outbox.enlist(rec("f"));
  });
  assert.deepEqual(calls.map(ids), [["a", "c", "d", "f"]]);
  assert.deepEqual(ids(await stored(db)), ["a", "c", "d", "f"]);
  assert.deepEqual(await items(db), []);
});

both("outside a transaction enlist is false and writes nothing", async (env) => {
  const { db, outbox, calls } = env;
  assert.equal(outbox.enlist(rec("loose")), false);
  let late: Promise<boolean> | undefined;
  await db.transaction(() => {
    late = new Promise((r) => setTimeout(() => r(outbox.enlist(rec("late"))), 10));
  });
  assert.equal(await late, false); // in the transaction's flow, after it ended
  assert.deepEqual(await stored(db), []);
  assert.deepEqual(calls, []);
  const detached = new DbOutbox();
  await db.transaction(() => assert.equal(detached.enlist(rec("x")), false));
  await assert.rejects(detached.pending(1, 0), /not set up/);
  await assert.rejects(detached.remove(["x"]), /not set up/);
});

both("pending: committed records at least olderThanMs old, oldest first; remove", async (env) => {
  const { db, outbox } = env;
  const now = Date.now();
  const put = (id: string, at: number) =>
    db.execute(`INSERT INTO ${OUTBOX_TABLE} (id, body, created_at) VALUES ($1, $2, $3)`, [
      id,
      `{"id":"${id}"}`,
      at,
    ]);
  await put("b-old", now - 4000);
  await put("new", now + 60_000);
  await put("a-older", now - 5000);
  await put("c-old", now - 4000);
  const pend = async (limit: number, olderThanMs: number) =>
    ids(await outbox.pending(limit, olderThanMs));
  assert.deepEqual(await pend(10, 1000), ["a-older", "b-old", "c-old"]);
  assert.deepEqual(await pend(2, 1000), ["a-older", "b-old"]);
  assert.deepEqual(await pend(10, 4500), ["a-older"]);
  assert.deepEqual(await pend(10, -120_000), ["a-older", "b-old", "c-old", "new"]);
  assert.deepEqual((await outbox.pending(1, 0))[0], { id: "a-older", body: '{"id":"a-older"}' });
  await db.transaction(() => void outbox.enlist(rec("enlisted")));
  assert.deepEqual(await pend(10, 3000), ["a-older", "b-old", "c-old"]); // written just now
  assert.ok((await pend(10, 0)).includes("enlisted"));
  await outbox.remove(["b-old", "unknown", "enlisted"]).then(() => outbox.remove([]));
  assert.deepEqual(await pend(10, 1000), ["a-older", "c-old"]);
  const many = Array.from({ length: 90 }, (_, i) => `m${String(i).padStart(2, "0")}`);
  for (const id of many) await put(id, now - 10_000);
  await outbox.remove([...many.slice(0, 85), "a-older"]); // 64 + 22 → padded to 64 + 64
  assert.deepEqual(await pend(100, 0), [...many.slice(85), "c-old"]);
});

both("concurrent transactions each commit and hear of their own records", async (env) => {
  const { db, outbox, calls } = env;
  const n = 24;
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      db.transaction(async (tx) => {
        await tx.execute("INSERT INTO items (name) VALUES ($1)", [`t${i}`]);
        outbox.enlist(rec(`t${i}-a`));
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        await tx.queryOne("SELECT count(*) AS n FROM items");
        outbox.enlist(rec(`t${i}-b`));
        if (i % 6 === 5) throw new Error(`rollback ${i}`);
      })),
  );
  const committed = [...results.keys()].filter((i) => results[i].status === "fulfilled");
  assert.deepEqual(committed, [...Array(n).keys()].filter((i) => i % 6 !== 5));
  const byFirst = (x: string[], y: string[]) => x[0].localeCompare(y[0]);
  const expected = committed.map((i) => [`t${i}-a`, `t${i}-b`]);
  assert.deepEqual(calls.map(ids).sort(byFirst), expected.sort(byFirst));
  assert.equal((await stored(db)).length, committed.length * 2);
  assert.equal((await items(db)).length, committed.length);
});

Deno.test("outbox on SQLite: its own table, keyed by id (WITHOUT ROWID), no extra index", async () => {
  const db = new Database(new SqliteDriver({ path: ":memory:" }));
  try {
    await new DbOutbox().attach(db, recordingLog());
    const rows = await db.query<{ type: string; sql: string }>(
      "SELECT type, sql FROM sqlite_schema WHERE tbl_name = $1 AND sql IS NOT NULL",
      [OUTBOX_TABLE],
    );
    assert.deepEqual(rows.map((r) => r.type), ["table"]);
    assert.match(rows[0].sql, /WITHOUT ROWID$/);
  } finally {
    await db.close();
  }
});

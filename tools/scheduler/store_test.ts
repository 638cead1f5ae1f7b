/**
 * The scheduler's tables on both engines: a slot is claimed once and not while a run holds it;
 * jobs are claimed by one claimer each (PostgreSQL: two at once get disjoint rows), come back
 * when their lease passes, and end done, retried or dead — and a holder whose lease was taken
 * over changes nothing. SQLite through `node:sqlite`, PostgreSQL (when one answers) through
 * `postgres` in a schema of the test's own.
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { JobStore, type SqlDb } from "./store.ts";

const PG_URL = Deno.env.get("PG_TEST_URL") ?? "postgres://127.0.0.1:5432/test";

/** A `SqlDb` over `node:sqlite` ($1 → ?1). */
function sqliteDb(): SqlDb & { close(): void } {
  const db = new DatabaseSync(":memory:");
  const q = (sql: string) => db.prepare(sql.replace(/\$(\d+)/g, "?$1"));
  return {
    driver: { kind: "sqlite" },
    query: <T>(sql: string, params: readonly unknown[] = []) =>
      Promise.resolve(q(sql).all(...params as never[]).map((r) => ({ ...r })) as T[]),
    execute: (sql, params = []) =>
      Promise.resolve({ changes: Number(q(sql).run(...params as never[]).changes) }),
    exec: (script) => Promise.resolve(db.exec(script)),
    close: () => db.close(),
  };
}

/** A `SqlDb` over `postgres` in a fresh schema, or undefined when no server answers. */
async function pgDb(): Promise<(SqlDb & { close(): Promise<void> }) | undefined> {
  const schema = `sched_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const sql = postgres(PG_URL, {
    max: 4,
    connect_timeout: 2,
    onnotice: () => {},
    connection: { search_path: schema },
    types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } },
  } as never);
  try {
    await sql.unsafe(`CREATE SCHEMA ${schema}`);
  } catch {
    await sql.end({ timeout: 1 });
    return undefined;
  }
  return {
    driver: { kind: "postgres" },
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      [...await sql.unsafe(text, params as never[])] as T[],
    execute: async (text, params = []) => ({
      changes: (await sql.unsafe(text, params as never[])).count,
    }),
    exec: async (script) => void await sql.unsafe(script),
    close: async () => {
      await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await sql.end({ timeout: 1 });
    },
  };
}

const noPg = await pgDb().then(async (db) => {
  await db?.close();
  return db === undefined;
});

for (const engine of ["sqlite", "postgres"] as const) {
  const open = async () => {
    const db = engine === "sqlite" ? sqliteDb() : (await pgDb())!;
    const store = new JobStore(db);
    await store.attach();
    await store.attach(); // twice: the tables are there, nothing fails
    return { db, store };
  };

  Deno.test({
    name: `store (${engine}): a slot is claimed once, and not while a run holds the row`,
    ignore: engine === "postgres" && noPg,
    async fn() {
      const { db, store } = await open();
      try {
        assert.equal(await store.claimSlot("p:a", 1000, 1000, 5000, "x"), true);
        assert.equal(await store.claimSlot("p:a", 1000, 1000, 5000, "y"), false); // same slot
        assert.equal(await store.claimSlot("p:a", 2000, 2000, 6000, "y"), false); // held by x
        assert.equal(await store.claimSlot("p:b", 2000, 2000, 6000, "y"), true); // another key
        await store.freeSlot("p:a", "y"); // not the holder: nothing
        assert.equal(await store.claimSlot("p:a", 2000, 2000, 6000, "y"), false);
        await store.freeSlot("p:a", "x");
        assert.equal(await store.claimSlot("p:a", 2000, 2000, 6000, "y"), true);
        assert.equal(await store.claimSlot("p:a", 1000, 9000, 9000, "z"), false); // an older slot
        // A holder that died: the row is free again once busy_until passed.
        assert.equal(await store.claimSlot("p:a", 3000, 5999, 9000, "z"), false);
        assert.equal(await store.claimSlot("p:a", 3000, 6000, 9000, "z"), true);
      } finally {
        await db.close();
      }
    },
  });

  Deno.test({
    name:
      `store (${engine}): jobs are claimed once, come back after their lease, end done/retried/dead`,
    ignore: engine === "postgres" && noPg,
    async fn() {
      const { db, store } = await open();
      try {
        for (let i = 1; i <= 3; i++) await store.insert(`j${i}`, "n", `{"i":${i}}`, i, 2, 0);
        await store.insert("j1", "n", `{"i":99}`, 0, 2, 0); // same id: left alone
        await store.insert("later", "n", "{}", 100, 2, 0);
        await store.insert("other", "m", "{}", 0, 2, 0);
        const a = await store.claim("n", 2, 10, 50, "A");
        assert.deepEqual(a.map((r) => [r.id, r.payload, r.attempts]), [
          ["j1", `{"i":1}`, 1],
          ["j2", `{"i":2}`, 1],
        ]);
        const b = await store.claim("n", 5, 10, 50, "B");
        assert.deepEqual(b.map((r) => r.id), ["j3"]); // not A's, not the later one, not m's
        await store.done("j1", "A");
        await store.failed("j2", "A", "boom (x.ts:1)", 20); // retry at 20
        await store.failed("j3", "B", "gone (x.ts:2)"); // dead
        assert.deepEqual((await store.claim("n", 5, 19, 70, "C")).map((r) => r.id), []);
        const c = await store.claim("n", 5, 20, 70, "C");
        assert.deepEqual(c.map((r) => [r.id, r.attempts]), [["j2", 2]]);
        // C dies; its lease passes at 70; D takes the job over; C's late end changes nothing.
        assert.deepEqual((await store.claim("n", 5, 69, 90, "D")).map((r) => r.id), []);
        assert.deepEqual((await store.claim("n", 5, 70, 90, "D")).map((r) => r.id), ["j2"]);
        await store.done("j2", "C");
        assert.deepEqual((await store.queued("n")).map((r) => r.id), ["j2", "later"]);
        await store.renew("j2", "D", 500);
        assert.equal(await store.nextAfter(90), 100);
        await store.done("j2", "D");
        assert.deepEqual(Object.fromEntries(await store.depth()), {
          n: { queued: 1, running: 0, dead: 1 },
          m: { queued: 1, running: 0, dead: 0 },
        });
        assert.deepEqual(
          (await store.dead("n", 10)).map((r) => [r.id, r.last_error, Number(r.attempts)]),
          [["j3", "gone (x.ts:2)", 1]],
        );
      } finally {
        await db.close();
      }
    },
  });
}

Deno.test({
  name: "store (postgres): two claimers at once take different rows (FOR UPDATE SKIP LOCKED)",
  ignore: noPg,
  async fn() {
    const db = (await pgDb())!;
    try {
      const store = new JobStore(db);
      await store.attach();
      for (let i = 0; i < 40; i++) await store.insert(`j${i}`, "n", "{}", 0, 1, 0);
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, k) => store.claim("n", 5, 10, 1000, `h${k}`)),
      );
      const ids = claims.flat().map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, "a row was claimed twice");
      const left = await store.claim("n", 100, 10, 1000, "last");
      assert.equal(ids.length + left.length, 40);
    } finally {
      await db.close();
    }
  },
});

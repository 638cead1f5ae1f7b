/**
 * The schema and lock helpers against a scripted connection (the real server's side is in
 * migrations_pg_test.ts): the races a test cannot time on a real server.
 * @module
 */
import assert from "node:assert/strict";
import { isDbError } from "./errors.ts";
import { advisoryLock, ensureSchema, lockKeys, quoteIdent } from "./postgres_schema.ts";

/** A connection answering each statement with the next scripted result (or throwing it). */
function scripted(...answers: unknown[]) {
  const seen: string[] = [];
  return {
    seen,
    unsafe(q: string, params?: unknown[]) {
      seen.push(params?.length ? `${q} ${JSON.stringify(params)}` : q);
      const a = answers.shift();
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
}

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

Deno.test("postgres schema: an existing schema is left alone; a missing one is created", async () => {
  const there = scripted([{ x: 1 }]);
  await ensureSchema(there, "shop");
  assert.equal(there.seen.length, 1);
  const missing = scripted([], []);
  await ensureSchema(missing, 'we"ird');
  assert.equal(missing.seen[1], `CREATE SCHEMA IF NOT EXISTS "we""ird"`);
});

Deno.test("postgres schema: created by another instance meanwhile is fine", async () => {
  for (const code of ["23505", "42P06"]) {
    await ensureSchema(scripted([], pgError(code, "duplicate")), "shop");
  }
});

Deno.test("postgres schema: a refusal names the schema and what to do", async () => {
  const e = await ensureSchema(
    scripted([], pgError("42501", "permission denied for database test")),
    "shop",
  ).then(() => undefined, (e) => e);
  assert.ok(isDbError(e));
  assert.equal(
    e.message,
    'DB_SCHEMA "shop" does not exist and could not be created: permission denied for database ' +
      'test. Create it (CREATE SCHEMA "shop") as a user allowed to, or give this user the CREATE ' +
      "right on the database, or set DB_SCHEMA to an existing schema",
  );
  assert.equal(e.code, "42501");
});

Deno.test("postgres schema: lock keys are two int4 per name, stable and distinct", () => {
  const [a, b] = lockKeys("microcore_migrations:shop");
  assert.deepEqual(lockKeys("microcore_migrations:shop"), [a, b]);
  assert.notDeepEqual(lockKeys("microcore_migrations:shop2"), [a, b]);
  for (const k of [a, b]) assert.ok(Number.isInteger(k) && k >= -(2 ** 31) && k < 2 ** 31);
  assert.notEqual(a, b);
  assert.equal(quoteIdent("a"), '"a"');
});

Deno.test("postgres schema: the lock polls until free, says once that it waits, unlocks", async () => {
  const conn = scripted([{ ok: false }], [{ ok: false }], [{ ok: true }], []);
  let waits = 0;
  const unlock = await advisoryLock(conn, "m", 5000, () => waits++);
  assert.equal(waits, 1);
  const [k1, k2] = lockKeys("m");
  assert.equal(conn.seen.length, 3);
  assert.equal(conn.seen[2], `SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok [${k1},${k2}]`);
  await unlock();
  assert.equal(conn.seen[3], `SELECT pg_advisory_unlock($1::int4, $2::int4) [${k1},${k2}]`);
});

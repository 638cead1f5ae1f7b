import { deepEqual, equal, rejects } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { queryReadOnly } from "./readonly_db.ts";

const PG_URL = "postgres://127.0.0.1:5432/test";

Deno.test("queryReadOnly (SQLite): reads with $n, refuses writes, the file is unchanged", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.db`;
  const w = new DatabaseSync(path);
  w.exec(
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t (name) VALUES ('a'), ('b')",
  );
  w.close();
  try {
    const t = { kind: "sqlite", path };
    const r = await queryReadOnly(t, "SELECT name FROM t WHERE id = $1", [2], 10);
    deepEqual(r, { columns: ["name"], rows: [{ name: "b" }], rowCount: 1, truncated: false });
    for (const sql of ["DELETE FROM t", "UPDATE t SET name = 'x'", "CREATE TABLE u (x)"]) {
      await rejects(queryReadOnly(t, sql, [], 10), /readonly/, sql);
    }
    const n = await queryReadOnly(
      t,
      "SELECT count(*) AS n FROM t WHERE name IN ('a', 'b')",
      [],
      10,
    );
    deepEqual(n.rows, [{ n: 2 }]);
    await rejects(
      queryReadOnly({ kind: "sqlite", path: ":memory:" }, "SELECT 1", [], 10),
      /needs a database file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("queryReadOnly (PostgreSQL): a read-only transaction, one statement, nothing written", async () => {
  const schema = `mcp_ro_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  await admin.unsafe(`CREATE TABLE ${schema}.t (id serial PRIMARY KEY, name text)`);
  await admin.unsafe(`INSERT INTO ${schema}.t (name) VALUES ('a'), ('b'), ('c')`);
  try {
    const t = { kind: "postgres", url: PG_URL, schema };
    const r = await queryReadOnly(t, "SELECT name FROM t WHERE id > $1 ORDER BY id", [1], 1);
    deepEqual(r, { columns: ["name"], rows: [{ name: "b" }], rowCount: 1, truncated: true });
    await rejects(queryReadOnly(t, "DELETE FROM t", [], 10), /read-only transaction/);
    await rejects(queryReadOnly(t, "SELECT nextval('t_id_seq')", [], 10), /read-only/);
    // A second statement cannot end the read-only transaction and write.
    await rejects(
      queryReadOnly(t, "COMMIT; DELETE FROM t", [], 10),
      /multiple commands|cannot insert multiple/,
    );
    await rejects(
      queryReadOnly(t, "SET default_transaction_read_only = off; DELETE FROM t", [], 10),
      /multiple commands|cannot insert multiple/,
    );
    const [{ n }] = await admin.unsafe(`SELECT count(*)::int AS n FROM ${schema}.t`);
    equal(n, 3);
    await rejects(queryReadOnly(t, "SELEC 1", [], 10), /syntax error/);
  } finally {
    await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
});

import { deepEqual, equal, rejects } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { queryReadOnly } from "./readonly_db.ts";
import { dbTarget } from "./tools_db.ts";
import type { Kernel } from "@core";
import { match, ok } from "node:assert/strict";

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
    // Rows past limit + 1 are never fetched: 30M rows would take seconds and gigabytes.
    const cte = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3e7)";
    let t0 = performance.now();
    deepEqual(await queryReadOnly(t, `${cte} SELECT x FROM c -- all of them\n;`, [], 2), {
      columns: ["x"],
      rows: [{ x: 1 }, { x: 2 }],
      rowCount: 2,
      truncated: true,
    });
    ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
    // What cannot be wrapped in a SELECT still runs (PRAGMA), and errors after a row still fail.
    deepEqual((await queryReadOnly(t, "PRAGMA user_version", [], 10)).rows, [{ user_version: 0 }]);
    await rejects(
      queryReadOnly(t, `${cte} SELECT abs(-9223372036854775807 - 1 + (x > 1)) FROM c`, [], 5),
      /integer overflow/,
    );
    t0 = performance.now();
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
    const t = { kind: "postgres", url: PG_URL, schema, reader: `${schema}_reader` };
    const r = await queryReadOnly(t, "SELECT name FROM t WHERE id > $1 ORDER BY id", [1], 1);
    deepEqual(r, { columns: ["name"], rows: [{ name: "b" }], rowCount: 1, truncated: true });
    await rejects(queryReadOnly(t, "DELETE FROM t", [], 10), /read-only transaction/);
    await rejects(
      queryReadOnly(t, "SELECT nextval('t_id_seq')", [], 10),
      /permission denied for sequence/,
    );
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
    // Rows past limit + 1 are never fetched (a cursor): 50M rows would take seconds.
    const t0 = performance.now();
    const many = await queryReadOnly(t, "SELECT generate_series(1, 50000000) AS g", [], 2);
    deepEqual(many, { columns: ["g"], rows: [{ g: 1 }, { g: 2 }], rowCount: 2, truncated: true });
    ok(performance.now() - t0 < 2000, `${performance.now() - t0} ms`);
  } finally {
    await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${schema}_reader`);
    await admin.end();
  }
});

Deno.test("queryReadOnly (PostgreSQL): runs as a reader role, so a superuser URL gains nothing", async () => {
  const schema = `mcp_ro_${crypto.randomUUID().slice(0, 8)}`;
  const reader = `${schema}_reader`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  const other = postgres(PG_URL, { max: 1, onnotice: () => {} });
  const file = `/tmp/${schema}.out`;
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  await admin.unsafe(`CREATE TABLE ${schema}.t (id int)`);
  await admin.unsafe(`INSERT INTO ${schema}.t VALUES (1)`);
  const heard: string[] = [];
  const listening = await other.listen(schema, (x) => void heard.push(x));
  const [{ pid }] = await other`SELECT pg_backend_pid() AS pid`;
  const los = async () =>
    (await admin`SELECT count(*)::int AS n FROM pg_largeobject_metadata`)[0].n;
  const before = await los();
  try {
    const t = { kind: "postgres", url: PG_URL, schema, reader };
    deepEqual((await queryReadOnly(t, "SELECT id, current_user AS u FROM t", [], 10)).rows, [
      { id: 1, u: reader },
    ]);
    // Refused: writing a server file, signalling another session, switching back to the login
    // role inside the statement (set_config('role') checks the session user, the reader).
    await rejects(
      queryReadOnly(t, `COPY (SELECT 1) TO '${file}'`, [], 10),
      /pg_write_server_files/,
    );
    await rejects(Deno.stat(file), Deno.errors.NotFound);
    await rejects(queryReadOnly(t, `SELECT pg_terminate_backend(${pid})`, [], 10), /superuser/);
    await rejects(
      queryReadOnly(
        t,
        `SELECT set_config('role', 'none', true), pg_cancel_backend(${pid})`,
        [],
        10,
      ),
      /superuser/,
    );
    await rejects(
      queryReadOnly(t, "SELECT set_config('role', current_setting('is_superuser'), true)", [], 10),
      /permission denied to set role|does not exist/,
    );
    // Rolled back, never committed: a large object, a notification, an advisory lock.
    await queryReadOnly(t, "SELECT lo_from_bytea(0, 'abc')", [], 10);
    await queryReadOnly(t, `SELECT pg_notify('${schema}', 'x')`, [], 10);
    await queryReadOnly(t, "SELECT pg_advisory_lock(424242)", [], 10);
    await new Promise((r) => setTimeout(r, 200));
    deepEqual(heard, []);
    equal(await los(), before);
    equal((await admin`SELECT pg_try_advisory_lock(424242) AS ok`)[0].ok, true);
    await admin`SELECT pg_advisory_unlock(424242)`;
    equal((await other`SELECT 1 AS one`)[0].one, 1);
    // MCP_DATABASE_URL with a superuser is refused, with what to do.
    const err = await queryReadOnly({ ...t, readUrl: PG_URL }, "SELECT 1", [], 10).catch((e) => e);
    match(String(err), /MCP_DATABASE_URL connects as .* superuser.*read-only role/);
  } finally {
    await listening.unlisten();
    await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${reader}`);
    await admin.end();
    await other.end();
    await Deno.remove(file).catch(() => {});
  }
});

Deno.test("dbTarget: MCP_DATABASE_URL becomes the PostgreSQL read URL; unset or empty, none", () => {
  const kernel = {
    tools: { get: () => ({ describe: () => ({ driver: "postgres" }) }) },
  } as unknown as Kernel;
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  deepEqual(
    dbTarget(kernel, env({ DATABASE_URL: "postgres://a/x", MCP_DATABASE_URL: "postgres://r/x" })),
    {
      kind: "postgres",
      url: "postgres://a/x",
      schema: undefined,
      readUrl: "postgres://r/x",
    },
  );
  for (const vars of [{}, { MCP_DATABASE_URL: "" }] as Record<string, string>[]) {
    equal(dbTarget(kernel, env(vars)).readUrl, undefined);
  }
});

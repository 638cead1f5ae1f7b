import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { copyProject, type ProjectCopy } from "../dev/testdata/project_copy.ts";

import { withUser } from "../e2e/engine.ts";
import { generatePermissions } from "../e2e/harness.ts";

/** With a user name: `deno task migrate` may not read the OS user name (as `start`). */
const PG_URL = withUser(Deno.env.get("PG_TEST_URL") ?? "postgres://127.0.0.1:5432/test");

/**
 * `deno task migrate` in the copy with `env`, after `deno task permissions` with the same `env`
 * (as a deployment does): exit code and output.
 */
async function migrate(p: ProjectCopy, env: Record<string, string>) {
  await generatePermissions(p.root, env);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "migrate"],
    cwd: p.root,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

const applied = (out: string) => out.split("\n").filter((l) => /applied migration /.test(l));

/** The migrations of the example app, as recorded (`<domain>/<name>`). */
const EXAMPLE = [
  "inventory/001_create_stock.sql",
  "products/001_create_products.sql",
  "users/001_create_users.sql",
];

Deno.test("migrate: 4 runs at once on one SQLite file apply each migration once", async () => {
  await using p = await copyProject();
  const runs = await Promise.all(
    Array.from({ length: 4 }, () => migrate(p, { DB_PATH: "data/app.db" })),
  );
  for (const r of runs) {
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /migrate: done, nothing pending \(sqlite at .*data\/app\.db\)/);
  }
  const db = new DatabaseSync(`${p.root}/data/app.db`);
  try {
    const rows = db.prepare("SELECT domain, name FROM _microcore_migrations").all();
    const names = rows.map((r) => `${r.domain}/${r.name}`).sort();
    assert.deepEqual(new Set(names).size, names.length, "each recorded once");
    for (const m of EXAMPLE) assert.ok(names.includes(m), m);
    const lines = runs.flatMap((r) => applied(r.out));
    assert.equal(lines.length, names.length, `each applied once:\n${lines.join("\n")}`);
    assert.ok(db.prepare("SELECT 1 FROM products").all());
  } finally {
    db.close();
  }
  const again = await migrate(p, { DB_PATH: "data/app.db" });
  assert.equal(again.code, 0, again.out);
  assert.deepEqual(applied(again.out), []);
});

Deno.test("migrate: a failing migration exits 1, naming the file and what is pending", async () => {
  await using p = await copyProject();
  await p.write("domains/zz_bad/migrations/001_bad.sql", "CREATE TABEL oops (x);");
  await p.write("domains/zz_bad/migrations/002_next.sql", "CREATE TABLE fine (x);");
  const r = await migrate(p, { DB_PATH: "data/app.db" });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /migration domains\/zz_bad\/migrations\/001_bad\.sql failed: .*syntax error/);
  assert.match(
    r.out,
    /migrate: 1 domain\(s\) failed; 2 migration\(s\) pending: domains\/zz_bad\/migrations\/001_bad\.sql, domains\/zz_bad\/migrations\/002_next\.sql/,
  );
});

Deno.test("migrate: an unreachable database exits 1 and says so", async () => {
  await using p = await copyProject();
  const r = await migrate(p, { DB_DRIVER: "postgres", DATABASE_URL: "postgres://127.0.0.1:1/x" });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /migrate: the database is not usable: .*ECONNREFUSED/);
});

const pgUp = await (async () => {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
})();

Deno.test({
  name: "migrate: on PostgreSQL, 4 runs at once create the missing schema and migrate it once",
  ignore: !pgUp,
  async fn() {
    await using p = await copyProject();
    const schema = `microcore_cli_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const env = { DB_DRIVER: "postgres", DATABASE_URL: PG_URL, DB_SCHEMA: schema };
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
    try {
      const runs = await Promise.all(Array.from({ length: 4 }, () => migrate(p, env)));
      for (const r of runs) assert.equal(r.code, 0, r.out);
      const lines = runs.flatMap((r) => applied(r.out));
      assert.ok(
        lines.some((l) =>
          l.includes("domains/products/migrations/001_create_products.postgres.sql")
        ),
        lines.join("\n"),
      );
      const rows = await sql.unsafe(`SELECT domain, name FROM "${schema}"._microcore_migrations`);
      const names = rows.map((r) => `${r.domain}/${r.name}`).sort();
      for (const m of EXAMPLE) assert.ok(names.includes(m), m);
      assert.equal(lines.length, names.length, `each applied once:\n${lines.join("\n")}`);
    } finally {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.end({ timeout: 1 });
    }
  },
});

/**
 * The migration `deno task new domain` writes runs on SQLite and PostgreSQL (the server at
 * PG_TEST_URL; that half is skipped when none answers), and a new row's id comes back with
 * `INSERT … RETURNING id` on both.
 * @module
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { DbTool } from "@tools/db/mod.ts";
import { withUser } from "../e2e/engine.ts";
import { plan } from "./new.ts";

const PG_URL = withUser(Deno.env.get("PG_TEST_URL") ?? "postgres://127.0.0.1:5432/test");

async function pgUp(): Promise<boolean> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A temp project holding only the scaffolded domain `zz_blog`. */
async function scaffolded(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "microcore-newmig-" });
  for (const f of plan(["domain", "zz_blog"])) {
    const path = `${root}/${f.path}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, f.text);
  }
  return root;
}

/** Sets the tool up with `env`, migrates the domain, inserts two rows; returns their ids. */
async function idsOn(root: string, env: Record<string, string>): Promise<unknown[]> {
  const tool = new DbTool();
  await tool.setup(standaloneContext({ root, mode: "start", env }));
  try {
    await tool.prepareDomain({ name: "zz_blog", dir: `${root}/domains/zz_blog` });
    const ids = [];
    for (const name of ["first", "second"]) {
      const row = await tool.api.queryOne<{ id: number }>(
        "INSERT INTO zz_blog (name) VALUES ($1) RETURNING id",
        [name],
      );
      ids.push(row?.id);
    }
    const stamp = await tool.api.queryOne<{ created_at: unknown }>(
      "SELECT created_at FROM zz_blog WHERE id = $1",
      [ids[0] as number],
    );
    assert.equal(typeof stamp?.created_at, "string");
    return ids;
  } finally {
    await tool.shutdown();
  }
}

Deno.test("new domain: its first migration runs on SQLite; ids come back with RETURNING", async () => {
  const root = await scaffolded();
  try {
    assert.deepEqual(await idsOn(root, { DB_PATH: ":memory:" }), [1, 2]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "new domain: its first migration runs on PostgreSQL; ids come back with RETURNING",
  ignore: !(await pgUp()),
  async fn() {
    const root = await scaffolded();
    const schema = `microcore_new_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
    try {
      const env = { DB_DRIVER: "postgres", DATABASE_URL: PG_URL, DB_SCHEMA: schema };
      assert.deepEqual(await idsOn(root, env), [1, 2]);
    } finally {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.end({ timeout: 1 });
      await Deno.remove(root, { recursive: true });
    }
  },
});

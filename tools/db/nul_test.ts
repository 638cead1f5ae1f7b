import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { DbTool, isDbError } from "./mod.ts";
import { PG_TEST_URL as PG_URL, pgReachable } from "./test_helpers.ts";

/** A string with a NUL either round-trips exactly or is refused (kind invalid_value): never cut. */
async function refusesNul(env: Record<string, string>) {
  const tool = new DbTool();
  await tool.setup(standaloneContext({ env }));
  const db = tool.api;
  try {
    await db.execute("DROP TABLE IF EXISTS nul_probe");
    await db.execute("CREATE TABLE nul_probe (name TEXT UNIQUE)");
    for (const name of ["dupe\u0000A", "dupe\u0000B"]) {
      await assert.rejects(
        () => db.execute("INSERT INTO nul_probe (name) VALUES ($1)", [name]),
        (e) => isDbError(e, "invalid_value"),
      );
    }
    await db.execute("INSERT INTO nul_probe (name) VALUES ($1)", ["dupe"]);
    assert.deepEqual(
      (await db.query<{ name: string }>("SELECT name FROM nul_probe")).map((r) => r.name),
      ["dupe"],
    );
    await db.execute("DROP TABLE nul_probe");
  } finally {
    await tool.shutdown();
  }
}

Deno.test("SQLite: a string with a NUL is refused (invalid_value), the table unchanged", async () => {
  await refusesNul({ DB_PATH: ":memory:" });
});

Deno.test({
  name: "PostgreSQL: a string with a NUL is refused as invalid_value too (SQLSTATE 22021)",
  ignore: !(await pgReachable()),
  async fn() {
    const schema = `nul_probe_${crypto.randomUUID().slice(0, 8)}`;
    try {
      await refusesNul({ DB_DRIVER: "postgres", DATABASE_URL: PG_URL, DB_SCHEMA: schema });
    } finally {
      const tool = new DbTool();
      await tool.setup(standaloneContext({ env: { DB_DRIVER: "postgres", DATABASE_URL: PG_URL } }));
      await tool.api.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await tool.shutdown();
    }
  },
});

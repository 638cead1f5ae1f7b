/**
 * MCP tools over the app's database: `query_db` (read-only, see readonly_db.ts) and
 * `describe_schema`.
 * @module
 */
import { z } from "zod";
import type { Kernel } from "@core";
import { type DbTarget, queryReadOnly } from "./readonly_db.ts";
import { defineTool, type McpDeps, type ToolDef } from "./server.ts";

/** The default and the largest row limit of `query_db`. */
export const ROW_LIMIT = { default: 100, max: 1000 };

/** Where the app's database is: the db tool's engine and path, the URL from the settings. */
export function dbTarget(kernel: Kernel, env: (k: string) => string | undefined): DbTarget {
  const db = kernel.tools.get("db");
  if (!db) throw new Error("no db tool is loaded");
  const d = (db.describe?.() ?? {}) as { driver?: string; path?: string };
  if (!d.driver) throw new Error("the db tool is not set up (see list_plugins include_tools)");
  if (d.driver === "postgres") {
    return {
      kind: "postgres",
      url: env("DATABASE_URL") ?? "postgres://127.0.0.1:5432/postgres",
      schema: env("DB_SCHEMA"),
      readUrl: env("MCP_DATABASE_URL") || undefined,
    };
  }
  return { kind: d.driver, path: d.path };
}

/** The tools of this file. */
export function dbTools({ kernel, env = (k) => Deno.env.get(k) }: McpDeps): ToolDef[] {
  return [
    defineTool({
      name: "query_db",
      description:
        "Run one read-only SQL statement on the app's database and get the rows. Write " +
        "parameters as $1, $2 and pass their values in `params`. Writes fail: the query runs " +
        "on a read-only connection (PostgreSQL: as a role that may only read, in a read-only " +
        "transaction that is rolled back). At most `limit` rows (default 100, max 1000).",
      input: {
        sql: z.string().describe("one statement, e.g. SELECT * FROM users WHERE id = $1"),
        params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
        limit: z.number().int().positive().max(ROW_LIMIT.max).optional(),
      },
      readOnly: true,
      run: (a) =>
        queryReadOnly(dbTarget(kernel, env), a.sql, a.params ?? [], a.limit ?? ROW_LIMIT.default),
    }),
    defineTool({
      name: "describe_schema",
      description:
        "The database's tables with their columns (name, type, not null, primary key, default, " +
        "foreign key), and the migrations applied and pending per domain.",
      input: { table: z.string().optional().describe("only this table") },
      readOnly: true,
      run: async (a) => {
        const db = kernel.tools.get("db") as
          | { api?: { describeSchema(): Promise<{ name: string }[]> } } & {
            describe?: () => Record<string, unknown>;
          }
          | undefined;
        if (!db?.api) throw new Error("no db tool is loaded");
        const tables = (await db.api.describeSchema()).filter((t) =>
          !a.table || t.name === a.table
        );
        const d = db.describe?.() ?? {};
        return { engine: d.driver, tables, migrations: d.migrations, pending: d.pending };
      },
    }),
  ];
}

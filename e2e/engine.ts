/**
 * The database engine the end-to-end apps run on. SQLite by default (a file in the app's copy);
 * with `E2E_DB_DRIVER=postgres` (what `e2e/postgres_test.ts` sets), PostgreSQL at `PG_TEST_URL`
 * (default `postgres://127.0.0.1:5432/test`), each app in a schema of its own
 * (`<E2E_PG_SCHEMA_PREFIX, default e2e_><random>`, created by the db tool as `DB_SCHEMA`),
 * dropped when the app stops.
 * @module
 */
import { userInfo } from "node:os";
import postgres from "postgres";

/**
 * The server the PostgreSQL run uses, with a user name: the app's `start` permissions do not
 * let the driver read the OS user name, as a test may (a deployment's URL names its user).
 */
export const PG_URL = withUser(Deno.env.get("PG_TEST_URL") ?? "postgres://127.0.0.1:5432/test");

/** `url` with the current OS user as its user name when it names none. */
export function withUser(url: string): string {
  const u = new URL(url);
  if (!u.username) {
    u.username = Deno.env.get("PGUSER") || Deno.env.get("USER") || userInfo().username;
  }
  return u.toString();
}

/** Where one app keeps its data: the settings to start it with, and the cleanup after it. */
export interface AppDatabase {
  /** `DB_*` settings for the app's environment. */
  env: Record<string, string>;
  /** Remove what the app stored (PostgreSQL: drop its schema, after checking it was used). */
  drop(): Promise<void>;
}

/** Whether this run's apps use PostgreSQL. */
export function onPostgres(): boolean {
  return Deno.env.get("E2E_DB_DRIVER") === "postgres";
}

/** The database for one app started in `dir`. */
export function appDatabase(dir: string): AppDatabase {
  if (!onPostgres()) return { env: { DB_PATH: `${dir}/data/app.db` }, drop: async () => {} };
  const prefix = Deno.env.get("E2E_PG_SCHEMA_PREFIX") ?? "e2e_";
  const schema = `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  let dropped = false;
  return {
    env: { DB_DRIVER: "postgres", DATABASE_URL: PG_URL, DB_SCHEMA: schema },
    async drop() {
      if (dropped) return;
      dropped = true;
      const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
      try {
        // Proof that the app ran on PostgreSQL: its migrations created tables in its schema.
        const [{ n }] = await sql`SELECT count(*)::int AS n FROM information_schema.tables
          WHERE table_schema = ${schema} AND table_name = '_microcore_migrations'`;
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        if (n !== 1) throw new Error(`the app did not migrate PostgreSQL schema ${schema}`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}

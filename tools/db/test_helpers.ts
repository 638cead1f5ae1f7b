/**
 * Writing a project's files for the db tool's tests, and the PostgreSQL they run against.
 * @module
 */
import postgres from "postgres";

/** The PostgreSQL of the db tests: `PG_TEST_URL`, default `postgres://127.0.0.1:5432/test`. */
export const PG_TEST_URL = Deno.env.get("PG_TEST_URL") ?? "postgres://127.0.0.1:5432/test";

/** Whether a PostgreSQL answers at `url` (its tests are skipped otherwise). */
export async function pgReachable(url = PG_TEST_URL): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Write `files` (path relative to `root` → content). */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
}

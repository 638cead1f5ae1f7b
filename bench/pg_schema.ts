/**
 * A throwaway PostgreSQL schema for a scenario's figures on that engine (`PG_BENCH_URL`, default
 * the local server), or `undefined` (logged) when no server answers.
 * @module
 */
import postgres from "postgres";

/** `PG_BENCH_URL` when it may be read (postgres.js also reads PGUSER…: `env` in the set). */
export const PG_URL = (() => {
  try {
    return Deno.env.get("PG_BENCH_URL");
  } catch {
    return undefined;
  }
})() ?? "postgres://127.0.0.1:5432/test";

/** A new schema named `<prefix>_<random>`; `drop()` removes it and closes the connection. */
export async function benchSchema(
  prefix: string,
  log: (message: string) => void,
): Promise<{ schema: string; drop(): Promise<void> } | undefined> {
  const admin = postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  const schema = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  try {
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
  } catch (e) {
    await admin.end({ timeout: 1 });
    log(`no PostgreSQL at ${PG_URL} (${(e as Error).message}): its figures are skipped`);
    return undefined;
  }
  return {
    schema,
    async drop() {
      await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end({ timeout: 1 });
    },
  };
}

/**
 * PostgreSQL per-schema facilities: creating the `DB_SCHEMA` an app works in, and the advisory
 * lock that lets one instance at a time run migrations in it.
 * @module
 */
import { DbError } from "./errors.ts";

// deno-lint-ignore no-explicit-any
type Conn = { unsafe(q: string, params?: any[]): Promise<any> };

/** `"name"`, with inner quotes doubled: an identifier as SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Make sure `schema` exists, creating it if not. Another instance creating it at the same time
 * is fine; a refusal (no CREATE right, a read-only server) is a {@link DbError} naming the schema
 * and saying what to do.
 */
export async function ensureSchema(conn: Conn, schema: string): Promise<void> {
  const [row] = await conn.unsafe("SELECT 1 AS x FROM pg_namespace WHERE nspname = $1", [schema]);
  if (row) return;
  try {
    await conn.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (e) {
    const x = e as { code?: string; message?: string };
    // Created by another instance between the check and the create.
    if (x?.code === "23505" || x?.code === "42P06") return;
    throw new DbError(
      `DB_SCHEMA "${schema}" does not exist and could not be created: ${x?.message ?? e}. ` +
        `Create it (CREATE SCHEMA ${quoteIdent(schema)}) as a user allowed to, or give this user ` +
        "the CREATE right on the database, or set DB_SCHEMA to an existing schema",
      { kind: "unknown", code: x?.code, cause: e },
    );
  }
}

/** Two 32-bit keys for `pg_advisory_lock(int, int)` from a name (FNV-1a, two seeds). */
export function lockKeys(name: string): [number, number] {
  const hash = (seed: number) => {
    let h = seed;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
    return h | 0;
  };
  return [hash(0x811c9dc5), hash(0x01000193)];
}

/**
 * Take the session-level advisory lock `name` on `conn` (a connection reserved for it),
 * polling every 50 ms for at most `timeoutMs`, calling `onWait` once if it has to wait.
 * Resolves with the function that unlocks. PostgreSQL frees the lock by itself if the
 * connection is lost, so a crashed holder never blocks the others.
 */
export async function advisoryLock(
  conn: Conn,
  name: string,
  timeoutMs: number,
  onWait?: () => void,
): Promise<() => Promise<void>> {
  const [k1, k2] = lockKeys(name);
  const deadline = Date.now() + timeoutMs;
  for (let waiting = false;;) {
    const [{ ok }] = await conn.unsafe("SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok", [
      k1,
      k2,
    ]);
    if (ok) break;
    if (!waiting) onWait?.();
    waiting = true;
    // Stryker disable next-line EqualityOperator: at the very millisecond of the deadline, > waits 50 ms more and fails the same way
    if (Date.now() >= deadline) {
      throw new DbError(
        `timed out after ${timeoutMs} ms waiting for the lock "${name}", held by another ` +
          "connection (another instance migrating?); try again once it is done",
        { kind: "busy" },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return async () => {
    await conn.unsafe("SELECT pg_advisory_unlock($1::int4, $2::int4)", [k1, k2]);
  };
}

/**
 * The example app's end-to-end tests again, on PostgreSQL: the same test files run in a child
 * `deno test` with `E2E_DB_DRIVER=postgres`, so every app they start works in a schema of its own
 * on the server at `PG_TEST_URL` (default `postgres://127.0.0.1:5432/test`), dropped when it
 * stops (see engine.ts). Skipped when no server answers.
 * @module
 */
import { equal, match } from "node:assert/strict";
import postgres from "postgres";
import { projectRoot } from "@core";
import { PG_URL } from "./engine.ts";

/** The example app's e2e files (this one excluded: it runs them). */
const FILES = ["e2e/start_test.ts", "e2e/dev_reload_test.ts", "e2e/bad_input_test.ts"];

/** This run's schemas start with this (a run beside it has its own). */
const PREFIX = `e2e_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}_`;

/** This run's schemas on the server, or undefined when no server answers. */
async function schemas(): Promise<string[] | undefined> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    const rows = await sql`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${PREFIX})`;
    return rows.map((r) => String(r.nspname));
  } catch {
    return undefined;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const reachable = await schemas() !== undefined;
if (!reachable) console.warn(`e2e/postgres_test: no PostgreSQL at ${PG_URL}, skipped`);

Deno.test({
  name: "e2e postgres: the example app's e2e tests pass on PostgreSQL, a schema per app",
  ignore: !reachable,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-P=test", ...FILES],
      cwd: projectRoot,
      env: {
        E2E_DB_DRIVER: "postgres",
        E2E_PG_SCHEMA_PREFIX: PREFIX,
        PG_TEST_URL: PG_URL,
        NO_COLOR: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    equal(out.code, 0, log);
    match(log, /^ok \| \d+ passed \| 0 failed/m);
    // Each app's schema was dropped once it stopped.
    const left = await schemas();
    equal(left?.length, 0, `schemas left behind: ${left?.join(", ")}`);
  },
});

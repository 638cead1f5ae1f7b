/**
 * `deno task migrate`: apply every domain's pending migrations, then exit. The separate step of
 * a deploy whose instances start with `DB_AUTO_MIGRATE=false`.
 *
 * It reads the app's settings (`DB_DRIVER`, `DATABASE_URL`, `DB_SCHEMA`, `DB_PATH`, `.env`) and
 * holds the same cross-instance lock as a booting instance, so it is safe beside instances and
 * other runs; it waits up to 10 minutes for a run already under way. Exit code 0 when nothing is
 * left pending; 1 when the database cannot be reached or a migration failed (the log names the
 * file and the cause).
 * @module
 */
import { Kernel, type LogSink, projectRoot, walkProject } from "@core";
import { DbTool, type PendingMigration } from "@tools/db/mod.ts";
import { cliArgs } from "./args.ts";

/**
 * The tools a migration run boots: the logger from the tree, and the db tool (the `migrate`
 * permission set is made from theirs: docs/permissions.md).
 */
export const MIGRATE_TOOLS: readonly string[] = ["logger", "db"];

/** Longest wait for another instance's migration run. */
const LOCK_TIMEOUT_MS = 10 * 60_000;

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The project (default: this one). */
  root?: string;
  /** Where settings come from (default: the environment). */
  env?: (key: string) => string | undefined;
  /** Longest wait for another run's lock (default 10 minutes). */
  lockTimeoutMs?: number;
}

/** What a run did. */
export interface MigrateResult {
  /** 0: every migration applied; 1: the database or a migration failed. */
  code: number;
  /** Migrations still pending (after a failure). */
  pending: PendingMigration[];
}

/** Apply every domain's pending migrations with the app's settings and logger. */
export async function migrate(opts: MigrateOptions = {}): Promise<MigrateResult> {
  const root = opts.root ?? projectRoot;
  const src = await walkProject(root);
  const lockTimeoutMs = opts.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
  const db = new DbTool({ autoMigrate: true, migrationLockTimeoutMs: lockTimeoutMs });
  const kernel = new Kernel({
    root,
    mode: "start",
    // Only the logger (for the app's log format) and the db tool: no server, no plugin.
    source: { tools: src.tools.filter((t) => t.name === "logger"), domains: [], plugins: [] },
    tools: [db],
    hookTimeoutMs: lockTimeoutMs + 60_000,
    env: opts.env,
  });
  await kernel.boot();
  const log: LogSink = kernel.log;
  try {
    const tool = kernel.status.get("tool", "db");
    if (tool?.state !== "ready") {
      log.error(`migrate: the database is not usable: ${tool?.error?.message ?? tool?.state}`);
      return { code: 1, pending: [] };
    }
    let failed = 0;
    for (const d of src.domains) if (await kernel.prepareDomain(d)) failed++;
    const status = db.describe();
    const pending = status.pending as PendingMigration[];
    if (failed) {
      log.error(
        `migrate: ${failed} domain(s) failed; ${pending.length} migration(s) pending: ` +
          pending.map((p) => p.file).join(", "),
      );
      return { code: 1, pending };
    }
    // Each migration this run applied has its own "applied migration" line above.
    log.info(`migrate: done, nothing pending (${status.driver} at ${status.path})`);
    return { code: 0, pending };
  } finally {
    await kernel.shutdown();
  }
}

if (import.meta.main) {
  cliArgs({
    usage: `usage: deno task migrate
  apply every domain's pending migrations with the app's settings (.env, DB_DRIVER,
  DATABASE_URL, DB_SCHEMA, DB_PATH), then exit: 0 when nothing is left pending, 1 on failure`,
  });
  const { code } = await migrate();
  Deno.exit(code);
}

/**
 * The scheduler with the real app (`deno task start`), on SQLite (a file both processes share)
 * and on PostgreSQL when one answers:
 * - two instances on one database run a one-second schedule exactly once per slot between them,
 *   with no slot missed;
 * - a background job whose instance is killed (`kill -9`) mid-run is run again by the instance
 *   started next, once its lease passed (at least once), and its id is the same.
 * @module
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { PG_URL } from "./engine.ts";
import { type App, copyProject, json, startApp, until, writeFiles } from "./harness.ts";
import { killTree } from "./proc.ts";

const MIGRATION = `CREATE TABLE ticks (slot BIGINT NOT NULL, instance TEXT NOT NULL);
CREATE TABLE chores_done (job_id TEXT NOT NULL, attempt INTEGER NOT NULL);
`;

const TICK = `import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import type { Db } from "@tools/db/mod.ts";
import type { Scheduler } from "@tools/scheduler/mod.ts";

/** Every second, records the slot and which instance ran it. */
export default class TickPlugin extends BasePlugin {
  constructor(private db: Db, private scheduler: Scheduler, private config: Config) {
    super();
  }
  override onBoot() {
    const me = this.config.get("INSTANCE_NAME", "?");
    this.scheduler.every("tick", 1000, async (run) => {
      await this.db.execute("INSERT INTO ticks (slot, instance) VALUES ($1, $2)", [run.slot, me]);
    });
  }
}
`;

const CHORE = `import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import type { Db } from "@tools/db/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import type { Scheduler } from "@tools/scheduler/mod.ts";
import { z } from "zod";

/** POST /chores enqueues a chore; it takes CHORE_HOLD_MS, then records its id and attempt. */
export default class ChorePlugin extends BasePlugin {
  constructor(
    private db: Db,
    private http: Http,
    private scheduler: Scheduler,
    private config: Config,
  ) {
    super();
  }
  override onBoot() {
    const holdMs = this.config.int("CHORE_HOLD_MS", 0);
    const chore = this.scheduler.job("chore", {
      schema: z.object({ n: z.number() }),
      retries: 0,
      handler: async (job) => {
        console.log(\`chore \${job.id} started, attempt \${job.attempt}\`);
        if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
        await this.db.execute("INSERT INTO chores_done (job_id, attempt) VALUES ($1, $2)", [
          job.id,
          job.attempt,
        ]);
      },
    });
    this.http.addEndpoint("/chores", "POST", async (_data, ctx) => {
      ctx.setStatus(202);
      return { success: true, data: { id: await chore.enqueue({ n: 1 }) } };
    });
    this.http.addEndpoint("/chores", "GET", async () => ({
      success: true,
      data: await this.db.query("SELECT job_id, attempt FROM chores_done ORDER BY attempt"),
    }));
  }
}
`;

const probe = postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
const noPg = await probe`SELECT 1`.then(() => false, () => true);
await probe.end({ timeout: 1 });

/** Ends `app` with `signal`, sent to the app process too (see killTree). */
async function end(app: App, signal: Deno.Signal): Promise<void> {
  await killTree(app, signal);
  await app.exited;
}

type DbEnv = (dir: string) => Record<string, string>;

async function project(files: Record<string, string>): Promise<string> {
  const dir = await copyProject();
  await writeFiles(dir, { "domains/chores/migrations/001_chores.sql": MIGRATION, ...files });
  return dir;
}

async function twoInstancesOncePerSlot(dbEnv: DbEnv): Promise<void> {
  const dir = await project({ "domains/chores/plugins/tick.ts": TICK });
  const db = dbEnv(dir);
  try {
    const [a, b] = await Promise.all([
      startApp("start", dir, { ...db, INSTANCE_NAME: "a" }),
      startApp("start", dir, { ...db, INSTANCE_NAME: "b" }),
    ]);
    try {
      await new Promise((r) => setTimeout(r, 4500));
    } finally {
      await Promise.all([end(a, "SIGTERM"), end(b, "SIGTERM")]);
    }
    const rows = await readTicks(db, dir);
    const slots = rows.map((r) => Number(r.slot));
    ok(slots.length >= 3, `at least 3 slots in 4.5 s, got ${slots.length}`);
    deepEqual(
      [...new Set(slots)].length,
      slots.length,
      `a slot ran twice: ${JSON.stringify(rows)}`,
    );
    const sorted = [...slots].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) {
      equal(sorted[i] - sorted[i - 1], 1000, `a slot was missed: ${JSON.stringify(sorted)}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The ticks table, read straight from the database the apps used. */
async function readTicks(
  db: Record<string, string>,
  dir: string,
): Promise<{ slot: number; instance: string }[]> {
  if (db.DB_DRIVER === "postgres") {
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
    try {
      return await sql.unsafe(
        `SELECT slot, instance FROM "${db.DB_SCHEMA}".ticks ORDER BY slot`,
      ) as unknown as { slot: number; instance: string }[];
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  const { DatabaseSync } = await import("node:sqlite");
  const file = new DatabaseSync(`${dir}/data/app.db`, { readOnly: true });
  try {
    return file.prepare("SELECT slot, instance FROM ticks ORDER BY slot").all() as unknown as {
      slot: number;
      instance: string;
    }[];
  } finally {
    file.close();
  }
}

async function jobSurvivesKill(dbEnv: DbEnv): Promise<void> {
  const dir = await project({ "domains/chores/plugins/chore.ts": CHORE });
  const db = { ...dbEnv(dir), SCHEDULER_LEASE_MS: "1500", SCHEDULER_POLL_MS: "100" };
  try {
    const first = await startApp("start", dir, { ...db, CHORE_HOLD_MS: "600000" });
    let id: string;
    try {
      const res = await first.send("POST", "/chores");
      equal(res.status, 202, first.lines.join("\n"));
      id = ((await json(res)).data as { id: string }).id;
      await first.waitForLine(new RegExp(`chore ${id} started, attempt 1`), 10_000);
    } finally {
      await end(first, "SIGKILL");
    }
    const second = await startApp("start", dir, { ...db, CHORE_HOLD_MS: "0" });
    try {
      const ms = await until("the chore run again after the kill", async () => {
        const done = (await json(await second.get("/chores"))).data as unknown[];
        return done.length > 0;
      }, 15_000).catch((e) => {
        throw new Error(`${e.message}\n${second.lines.join("\n")}`);
      });
      deepEqual((await json(await second.get("/chores"))).data, [{ job_id: id, attempt: 2 }]);
      ok(ms < 10_000, `rerun after ${ms} ms`);
    } finally {
      await end(second, "SIGTERM");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const sqlite: DbEnv = (dir) => ({
  DB_DRIVER: "sqlite",
  DATABASE_URL: "",
  DB_PATH: `${dir}/data/app.db`,
});

async function onPg(f: (env: DbEnv) => Promise<void>): Promise<void> {
  const schema = `e2e_jobs_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  try {
    await f(() => ({ DB_DRIVER: "postgres", DATABASE_URL: PG_URL, DB_SCHEMA: schema }));
  } finally {
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 1 });
  }
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "e2e jobs (sqlite): two instances run each slot of a schedule once, none missed",
  ...opts,
  fn: () => twoInstancesOncePerSlot(sqlite),
});

Deno.test({
  name: "e2e jobs (postgres): two instances run each slot of a schedule once, none missed",
  ignore: noPg,
  ...opts,
  fn: () => onPg(twoInstancesOncePerSlot),
});

Deno.test({
  name: "e2e jobs (sqlite): a background job killed mid-run (kill -9) runs again after restart",
  ...opts,
  fn: () => jobSurvivesKill(sqlite),
});

Deno.test({
  name: "e2e jobs (postgres): a background job killed mid-run (kill -9) runs again after restart",
  ignore: noPg,
  ...opts,
  fn: () => onPg(jobSurvivesKill),
});

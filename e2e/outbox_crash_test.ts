/**
 * The transactional outbox through a crash, with the real app (`deno task start`): a plugin
 * inserts a row and publishes in one transaction; the process is killed (`kill -9`) while the
 * event is still being handled; started again on the same database, the relay sends the event
 * from the outbox and the subscriber gets it. On SQLite, and on PostgreSQL when one answers.
 * @module
 */
import { deepEqual, equal } from "node:assert/strict";
import postgres from "postgres";
import { PG_URL } from "./engine.ts";
import { type App, copyProject, json, startApp, until, writeFiles } from "./harness.ts";
import { killTree } from "./proc.ts";

const MIGRATION = `CREATE TABLE ledger_entries (id TEXT PRIMARY KEY);
CREATE TABLE ledger_heard (id TEXT PRIMARY KEY);
`;

const ADD = `import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";

/** POST /ledger/:id adds an entry and announces it, in one transaction; GET tells what is there. */
export default class AddEntryPlugin extends BasePlugin {
  static override publishes = ["ledger.added"];

  constructor(private http: Http, private db: Db, private event_bus: EventBus) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/ledger/:id", "POST", async (data, ctx) => {
      const id = String(data.id);
      await this.db.transaction(async (tx) => {
        await tx.execute("INSERT INTO ledger_entries (id) VALUES ($1)", [id]);
        this.event_bus.publish("ledger.added", { id });
      });
      ctx.setStatus(201);
      return { success: true, data: { id } };
    });
    this.http.addEndpoint("/ledger/:id", "GET", async (data) => {
      const one = (sql: string) => this.db.queryOne(sql, [String(data.id)]);
      const left = await this.db.queryOne<{ n: number }>(
        "SELECT count(*) AS n FROM _microcore_outbox",
      );
      return {
        success: true,
        data: {
          entry: (await one("SELECT id FROM ledger_entries WHERE id = $1")) !== null,
          heard: (await one("SELECT id FROM ledger_heard WHERE id = $1")) !== null,
          outbox: Number(left?.n),
        },
      };
    });
  }
}
`;

const HEAR = `import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";

/** Records each ledger.added, after LEDGER_HOLD_MS (so a test can kill the process first). */
export default class HearEntryPlugin extends BasePlugin {
  constructor(private db: Db, private event_bus: EventBus, private config: Config) {
    super();
  }

  override onBoot() {
    const holdMs = this.config.int("LEDGER_HOLD_MS", 0);
    this.event_bus.subscribe<{ id: string }>("ledger.added", async (e) => {
      if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
      await this.db.execute(
        "INSERT INTO ledger_heard (id) VALUES ($1) ON CONFLICT (id) DO NOTHING",
        [e.payload.id],
      );
    });
  }
}
`;

const probe = postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
const noPg = await probe`SELECT 1`.then(() => false, () => true);
await probe.end({ timeout: 1 });

/** What GET /ledger/:id says. */
async function state(app: App, id: string): Promise<Record<string, unknown>> {
  return (await json(await app.get(`/ledger/${id}`))).data as Record<string, unknown>;
}

/** Ends `app` with `signal` (not `stop`: the database is this test's, not the harness's). */
async function end(app: App, signal: Deno.Signal): Promise<void> {
  // The app process too: `deno task` cannot pass a SIGKILL on (it would be orphaned, not killed).
  await killTree(app, signal);
  await app.exited;
}

/** Both runs' database settings, given the app's folder. */
type DbEnv = (dir: string) => Record<string, string>;

async function crashAndRestart(dbEnv: DbEnv): Promise<void> {
  const dir = await copyProject();
  const db = dbEnv(dir);
  try {
    await writeFiles(dir, {
      "domains/ledger/migrations/001_ledger.sql": MIGRATION,
      "domains/ledger/plugins/add_entry.ts": ADD,
      "domains/ledger/plugins/hear_entry.ts": HEAR,
    });
    const first = await startApp("start", dir, { ...db, LEDGER_HOLD_MS: "600000" });
    try {
      const res = await first.send("POST", "/ledger/e1");
      equal(res.status, 201, first.lines.join("\n"));
      await res.body?.cancel();
      // Committed, sent to the subscriber, which is still at it: the record waits in the outbox.
      deepEqual(await state(first, "e1"), { entry: true, heard: false, outbox: 1 });
    } finally {
      await end(first, "SIGKILL");
    }
    const second = await startApp("start", dir, { ...db, LEDGER_HOLD_MS: "0" });
    try {
      // The relay sends what is older than 5 s at boot, then every 5 s.
      await until("the event relayed after the restart", async () => {
        const s = await state(second, "e1");
        return s.heard === true && s.outbox === 0;
      }, 30_000);
      deepEqual(await state(second, "e1"), { entry: true, heard: true, outbox: 0 });
    } finally {
      await end(second, "SIGTERM");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "e2e outbox (sqlite): an event committed with its data is delivered after a kill -9",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    crashAndRestart((dir) => ({
      DB_DRIVER: "sqlite",
      DATABASE_URL: "",
      DB_PATH: `${dir}/data/app.db`,
    })),
});

Deno.test({
  name: "e2e outbox (postgres): an event committed with its data is delivered after a kill -9",
  ignore: noPg,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const schema = `e2e_outbox_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    try {
      await crashAndRestart(() => ({
        DB_DRIVER: "postgres",
        DATABASE_URL: PG_URL,
        DB_SCHEMA: schema,
      }));
    } finally {
      const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.end({ timeout: 1 });
    }
  },
});

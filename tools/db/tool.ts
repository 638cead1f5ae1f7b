/**
 * The `db` tool: opens the configured engine, applies each domain's migrations, and hands
 * plugins a {@link Db}.
 * @module
 */
import type {
  DomainInfo,
  LogSink,
  Outbox,
  Owner,
  PermissionNeeds,
  PermissionSettings,
  Tool,
  ToolContext,
} from "@core";
import { dbPermissions } from "./permissions.ts";
import { Database } from "./database.ts";
import type { Driver } from "./driver.ts";
import { type TelemetryTool, timedDriver } from "./timed_driver.ts";
import { Migrator } from "./migrations.ts";
import { ConnectionHealth } from "./health.ts";
import { DbOutbox } from "./outbox.ts";
import { SqliteDriver } from "./sqlite_driver.ts";
import type { Db } from "./types.ts";

/** Options that override the settings (mainly for tests and embedding). */
export interface DbToolOptions {
  /** SQLite file (relative to `ctx.dataDir`) or `:memory:`; overrides `DB_PATH`. */
  path?: string;
  /** Build the driver yourself (e.g. a PostgreSQL driver); overrides everything else. */
  driver?: (ctx: ToolContext) => Driver | Promise<Driver>;
  /** Milliseconds to wait for a lock held by another process. Default 5000. */
  busyTimeoutMs?: number;
  /** Prepared statements kept per connection. Default 500. */
  cacheSize?: number;
  /** Apply migrations in `prepareDomain`; overrides `DB_AUTO_MIGRATE`. */
  autoMigrate?: boolean;
  /** Longest wait for another instance's migrations (ms). Default 8000. */
  migrationLockTimeoutMs?: number;
}

/** PostgreSQL when `DB_DRIVER=postgres` and `DATABASE_URL` is not set. */
const DEFAULT_PG_URL = "postgres://127.0.0.1:5432/postgres";

/** `DB_AUTO_MIGRATE`: true unless set to false (or 0, no, off). */
function autoMigrate(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase();
  if (v === undefined || ["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off"].includes(v)) return false;
  throw new Error(`db: DB_AUTO_MIGRATE must be true or false, not "${value}"`);
}

function isAbsolute(p: string): boolean {
  return p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p);
}

/** The `db` tool. Plugins receive its {@link Db} API by naming a parameter `db`. */
export class DbTool implements Tool {
  readonly name = "db";
  /** Times its statements into `telemetry`'s metrics when present. */
  readonly uses = ["telemetry"];
  readonly description =
    "SQL database (SQLite embedded by default): query/queryOne/execute/executeMany/transaction " +
    "with $1 placeholders, per-domain migrations, typed DbError kinds";
  /** The settings the tool reads through `ctx.env` in `setup`. */
  readonly env = {
    DB_DRIVER:
      "sqlite or postgres (default sqlite, or postgres when DATABASE_URL is a postgres:// URL)",
    DATABASE_URL:
      `the PostgreSQL server, postgres://user:pass@host:port/db (default ${DEFAULT_PG_URL})`,
    DB_SCHEMA: "PostgreSQL schema to work in (default the server's search_path)",
    DB_PATH: "SQLite file, relative to the data folder (default data/app.db; :memory: in tests)",
    DB_AUTO_MIGRATE:
      "false to leave pending migrations to `deno task migrate` (logged and listed " +
      "as pending in status) instead of applying them at boot (default true)",
  } as const;

  /** Deno permissions for these settings, for `deno task permissions` (see permissions.ts). */
  permissions(settings: PermissionSettings): PermissionNeeds {
    return dbPermissions(settings);
  }
  /** Each domain's migrations: in dev, a new or changed one prepares its domain again. */
  readonly files = ["domains/*/migrations/*.sql"];
  readonly #outbox = new DbOutbox();
  /** Follows a networked engine's connection (PostgreSQL); undefined on SQLite. */
  #health: ConnectionHealth | undefined;
  /** Events written in the caller's transaction, for the event bus (see outbox.ts). */
  readonly outbox: Outbox = this.#outbox;
  readonly #options: DbToolOptions;
  #db: Database | undefined;
  #migrator: Migrator | undefined;
  #log: LogSink | undefined;
  #shutdown = false;

  /** A tool that opens its engine in `setup`, as `options` or its settings say. */
  constructor(options: DbToolOptions = {}) {
    this.#options = options;
  }

  /** The API (throws until `setup` ran). */
  get api(): Db {
    if (!this.#db) throw new Error("db tool is not set up");
    return this.#db;
  }

  /** Open the engine and load the record of applied migrations. */
  async setup(ctx: ToolContext): Promise<void> {
    this.#log = ctx.log;
    const apply = this.#options.autoMigrate ?? autoMigrate(ctx.env("DB_AUTO_MIGRATE"));
    const driver = timedDriver(await this.#openDriver(ctx), ctx.tool<TelemetryTool>("telemetry"));
    this.#db = new Database(driver);
    this.#migrator = new Migrator(this.#db, ctx.log, ctx.root, ctx.domains, {
      apply,
      lockTimeoutMs: this.#options.migrationLockTimeoutMs,
    });
    try {
      await this.#migrator.init();
      await this.#outbox.attach(this.#db, ctx.log);
    } catch (e) {
      await this.#db.close();
      throw e;
    }
    if ("onConnectionLost" in driver) {
      const health = new ConnectionHealth({
        report: ctx.health,
        probe: () => Promise.resolve(driver.query("SELECT 1")),
        what: `${driver.kind === "postgres" ? "PostgreSQL" : driver.kind} at ${driver.location}`,
      });
      driver.onConnectionLost = (e) => health.lost(e);
      this.#health = health;
    }
    ctx.log.info(`db: ${driver.kind} at ${driver.location}`);
  }

  async #openDriver(ctx: ToolContext): Promise<Driver> {
    const o = this.#options;
    if (o.driver) return await o.driver(ctx);
    const wanted = ctx.env("DB_DRIVER");
    const url = ctx.env("DATABASE_URL");
    if (wanted === "postgres" || (!wanted && url && /^postgres(ql)?:/.test(url))) {
      const { PostgresDriver } = await import("./postgres_driver.ts");
      const { guardOrphanedConnectionErrors } = await import("./postgres_guard.ts");
      guardOrphanedConnectionErrors(
        (m) => ctx.log.warn(m),
        Number(new URL(url ?? DEFAULT_PG_URL).port || 5432),
      );
      return await PostgresDriver.connect({
        url: url ?? DEFAULT_PG_URL,
        schema: ctx.env("DB_SCHEMA"),
      });
    }
    if (wanted && wanted !== "sqlite") throw new Error(`db: unknown DB_DRIVER "${wanted}"`);
    let path = o.path ?? ctx.env("DB_PATH") ?? (ctx.mode === "test" ? ":memory:" : "data/app.db");
    if (path !== ":memory:" && !path.startsWith("file:")) {
      if (!isAbsolute(path)) path = `${ctx.dataDir.replace(/\/+$/, "")}/${path}`;
      // Its folder: up to the last separator (a backslash too, on Windows only).
      const windows = Deno.build.os === "windows";
      const cut = Math.max(path.lastIndexOf("/"), windows ? path.lastIndexOf("\\") : -1);
      const dir = path.slice(0, Math.max(0, cut));
      if (dir) await Deno.mkdir(dir, { recursive: true });
    }
    return new SqliteDriver({ path, busyTimeoutMs: o.busyTimeoutMs, cacheSize: o.cacheSize });
  }

  /**
   * Apply the domain's pending migrations (holding the cross-instance lock); a failure names
   * the file and fails that domain. With `DB_AUTO_MIGRATE=false`, only log those pending.
   */
  async prepareDomain(domain: DomainInfo): Promise<void> {
    if (!this.#migrator) throw new Error("db tool is not set up");
    await this.#migrator.prepareDomain(domain);
  }

  /** Every plugin receives the same {@link Db}. */
  forOwner(_owner: Owner): Db {
    return this.api;
  }

  /** The engine, where it is, the migrations applied, pending and changed since. */
  describe(): Record<string, unknown> {
    const d = this.#db?.driver;
    return {
      driver: d?.kind,
      path: d?.location,
      pending: this.#migrator?.pending() ?? [],
      migrations: this.#migrator?.applied().map(({ domain, name, appliedAt }) => ({
        domain,
        name,
        appliedAt,
      })) ?? [],
      drift: this.#migrator?.drift() ?? [],
      ...d?.stats?.(),
    };
  }

  /** Wait (bounded) for a running transaction, checkpoint the WAL and close. */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    this.#health?.close();
    await this.#db?.close(5000);
    this.#log?.debug("db: closed");
  }
}

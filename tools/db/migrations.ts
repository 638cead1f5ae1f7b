/**
 * Per-domain SQL migrations: `domains/<d>/migrations/NNN_name.sql` (or a per-engine variant,
 * see migration_files.ts), applied once each, in order, each in its own transaction, recorded
 * in `_microcore_migrations`.
 *
 * Several processes may migrate one database at once (N instances booting, `deno task migrate`
 * beside them): a run holds the engine's cross-process lock when it has one (PostgreSQL: an
 * advisory lock), reads the record again under it, and each migration's transaction checks the
 * record before running (SQLite: `BEGIN IMMEDIATE` makes that check and the write one step).
 * @module
 */
import type { DomainInfo, LogSink } from "@core";
import type { Database } from "./database.ts";
import { Gate } from "./gate.ts";
import {
  MigrationError,
  type MigrationFile,
  migrationIdentity,
  readMigrations,
} from "./migration_files.ts";
import {
  type AppliedMigration,
  createRecordTable,
  readRecord,
  record,
  recordOf,
} from "./migration_record.ts";

export { MigrationError } from "./migration_files.ts";
export { type AppliedMigration, MIGRATIONS_TABLE } from "./migration_record.ts";

/** The name of the cross-process lock a migration run holds. */
export const MIGRATION_LOCK = "microcore_migrations";

/** An applied migration whose file changed since (it is not re-run). */
export interface Drift {
  domain: string;
  name: string;
  file: string;
  appliedChecksum: string;
  currentChecksum: string;
}

/** A migration not applied yet (auto-migration off, or it or one before it failed). */
export interface PendingMigration {
  domain: string;
  name: string;
  file: string;
}

/** How a {@link Migrator} runs. */
export interface MigratorOptions {
  /** Apply pending migrations in `prepareDomain` (default true); false only lists them. */
  apply?: boolean;
  /** Longest wait for another process's migration run (default 8000 ms). */
  lockTimeoutMs?: number;
}

const DEPENDS_RE = /^\s*--\s*depends\s*:\s*(.+?)\s*$/gim;

/** Applies and tracks migrations for every domain through one {@link Database}. */
export class Migrator {
  readonly #db: Database;
  readonly #log: LogSink;
  readonly #root: string;
  readonly #apply: boolean;
  readonly #lockTimeoutMs: number;
  readonly #domainDirs = new Map<string, string>();
  readonly #applied = new Map<string, AppliedMigration>();
  readonly #drift = new Map<string, Drift>();
  /** Each prepared domain's migrations as last read (what is pending is read off them). */
  readonly #files = new Map<string, MigrationFile[]>();
  /** prepareDomain calls run one at a time (a dependency may be applied by another). */
  readonly #gate = new Gate();

  /** A migrator for the domains in `domains` (more may be prepared later). */
  constructor(
    db: Database,
    log: LogSink,
    root: string,
    domains: readonly DomainInfo[] = [],
    opts: MigratorOptions = {},
  ) {
    this.#db = db;
    this.#log = log;
    this.#root = root.replace(/\/+$/, "");
    this.#apply = opts.apply ?? true;
    this.#lockTimeoutMs = opts.lockTimeoutMs ?? 8000;
    for (const d of domains) this.#domainDirs.set(d.name, d.dir);
  }

  /** Create the bookkeeping table (when applying) and load what was applied before. */
  async init(): Promise<void> {
    if (!this.#apply) return await this.#load(true);
    await this.#locked(async () => {
      await createRecordTable(this.#db);
      await this.#load(false);
    });
  }

  /** Read the record (again): another process may have applied migrations since. */
  async #load(missingIsEmpty: boolean): Promise<void> {
    const rows = await readRecord(this.#db, missingIsEmpty);
    this.#applied.clear();
    for (const r of rows) this.#applied.set(`${r.domain}/${r.name}`, r);
  }

  /** Run `fn` holding the engine's cross-process migration lock, if it has one. */
  async #locked(fn: () => Promise<void>): Promise<void> {
    const driver = this.#db.driver;
    const unlock = await driver.lock?.(
      MIGRATION_LOCK,
      this.#lockTimeoutMs,
      () => this.#log.info("db: waiting for another instance's migrations to finish"),
    );
    try {
      await fn();
    } finally {
      await unlock?.();
    }
  }

  /** Every applied migration, in the order applied. */
  applied(): AppliedMigration[] {
    return [...this.#applied.values()];
  }

  /** Applied migrations whose files changed since. */
  drift(): Drift[] {
    return [...this.#drift.values()];
  }

  /** Migrations of the prepared domains not applied yet, in order. */
  pending(): PendingMigration[] {
    const out: PendingMigration[] = [];
    for (const files of this.#files.values()) {
      for (const { domain, name, file } of files) {
        if (!this.#applied.has(`${domain}/${name}`)) out.push({ domain, name, file });
      }
    }
    return out;
  }

  /**
   * Apply the domain's pending migrations in order (and, first, what they declare with
   * `-- depends: <domain>/<file>`). Throws a {@link MigrationError} naming the file. When not
   * applying, only reads which are pending (and logs them).
   */
  async prepareDomain(domain: DomainInfo): Promise<void> {
    this.#domainDirs.set(domain.name, domain.dir);
    await this.#gate.acquire();
    try {
      if (!this.#apply) {
        await this.#load(true);
        await this.#read(domain.name);
        const names = this.pending().filter((p) => p.domain === domain.name).map((p) => p.name);
        if (names.length) {
          this.#log.warn(
            `db: ${names.length} migration(s) pending in ${domain.name}: ${names.join(", ")} ` +
              "(DB_AUTO_MIGRATE=false); apply them with `deno task migrate`",
            { domain: domain.name, pending: names },
          );
        }
        return;
      }
      await this.#locked(async () => {
        await this.#load(false);
        for (const m of await this.#read(domain.name)) await this.#applyOne(m, []);
      });
    } finally {
      this.#gate.release();
    }
  }

  #dirOf(domain: string): string {
    return this.#domainDirs.get(domain) ?? `${this.#root}/domains/${domain}`;
  }

  /** The domain's migrations for this engine, in order, remembered for {@link pending}. */
  async #read(domain: string): Promise<MigrationFile[]> {
    const files = await readMigrations(
      `${this.#dirOf(domain)}/migrations`,
      domain,
      this.#db.driver.kind,
      (p) => this.#relative(p),
    );
    this.#files.set(domain, files);
    return files;
  }

  #relative(path: string): string {
    return path.startsWith(this.#root + "/") ? path.slice(this.#root.length + 1) : path;
  }

  async #applyOne(m: MigrationFile, stack: string[]): Promise<void> {
    const key = `${m.domain}/${m.name}`;
    const done = this.#applied.get(key);
    if (done) return this.#checkDrift(m, done);
    if (m.problem) throw new MigrationError(`migration ${m.problem}`, m.file);
    if (stack.includes(key)) {
      throw new MigrationError(
        `migration ${m.file}: circular dependency ${[...stack, key].join(" → ")}`,
        m.file,
      );
    }
    for (const dep of this.#depends(m)) await this.#applyDependency(m, dep, [...stack, key]);

    const mine = { domain: m.domain, name: m.name, checksum: m.checksum, appliedAt: "" };
    let earlier: AppliedMigration | undefined;
    try {
      earlier = await this.#db.transaction(async (tx) => {
        // Another process may have applied it since this one read the record.
        const found = await recordOf(tx, m.domain, m.name);
        if (found) return found;
        await (tx as unknown as { exec(s: string): Promise<void> }).exec(m.text);
        mine.appliedAt = new Date().toISOString();
        await record(tx, mine);
      });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new MigrationError(`migration ${m.file} failed: ${msg}`, m.file, { cause: e });
    }
    this.#applied.set(key, earlier ?? mine);
    if (earlier) return this.#checkDrift(m, earlier);
    this.#log.info(`applied migration ${m.file}`, { domain: m.domain, name: m.name });
  }

  #checkDrift(m: MigrationFile, done: AppliedMigration): void {
    const key = `${m.domain}/${m.name}`;
    if (m.problem || done.checksum === m.checksum || this.#drift.has(key)) return;
    const drift = {
      domain: m.domain,
      name: m.name,
      file: m.file,
      appliedChecksum: done.checksum,
      currentChecksum: m.checksum,
    };
    this.#drift.set(key, drift);
    this.#log.warn(`migration ${m.file} changed after it was applied; it is not re-run`, {
      ...drift,
    });
  }

  #depends(m: MigrationFile): string[] {
    const out: string[] = [];
    for (const match of m.text.matchAll(DEPENDS_RE)) {
      for (const d of match[1].split(/[\s,]+/)) if (d) out.push(d);
    }
    return out;
  }

  /** Apply `dep` (`<domain>/<file>`) and the files before it in its domain. */
  async #applyDependency(m: MigrationFile, dep: string, stack: string[]): Promise<void> {
    const slash = dep.indexOf("/");
    if (slash <= 0) {
      throw new MigrationError(
        `migration ${m.file}: "-- depends: ${dep}" must name <domain>/<file>`,
        m.file,
      );
    }
    const domain = dep.slice(0, slash);
    const wanted = migrationIdentity(dep.slice(slash + 1));
    const files = await this.#read(domain);
    const idx = files.findIndex((f) => f.name === wanted);
    if (idx < 0) {
      throw new MigrationError(
        `migration ${m.file} depends on ${dep}, which does not exist ` +
          `(looked in ${this.#relative(`${this.#dirOf(domain)}/migrations`)})`,
        m.file,
      );
    }
    for (const f of files.slice(0, idx + 1)) await this.#applyOne(f, stack);
  }
}

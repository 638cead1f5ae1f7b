/**
 * Per-domain SQL migrations: `domains/<d>/migrations/NNN_name.sql`, applied once each, in
 * order, each in its own transaction, recorded in `_microcore_migrations`.
 * @module
 */
import type { DomainInfo, LogSink } from "@core";
import type { Database } from "./database.ts";
import { Gate } from "./gate.ts";

/** The tool's own bookkeeping table. */
export const MIGRATIONS_TABLE = "_microcore_migrations";

/** One applied migration. */
export interface AppliedMigration {
  domain: string;
  name: string;
  checksum: string;
  appliedAt: string;
}

/** An applied migration whose file changed since (it is not re-run). */
export interface Drift {
  domain: string;
  name: string;
  file: string;
  appliedChecksum: string;
  currentChecksum: string;
}

/** A migration that could not be applied; `file` is project-relative. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(message: string, readonly file: string, options?: ErrorOptions) {
    super(message, options);
  }
}

const FILE_RE = /^(\d+)_.+\.sql$/;
const DEPENDS_RE = /^\s*--\s*depends\s*:\s*(.+?)\s*$/gim;

interface MigrationFile {
  domain: string;
  name: string;
  /** Project-relative path, for messages. */
  file: string;
  text: string;
  checksum: string;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Applies and tracks migrations for every domain through one {@link Database}. */
export class Migrator {
  readonly #db: Database;
  readonly #log: LogSink;
  readonly #root: string;
  readonly #domainDirs = new Map<string, string>();
  readonly #applied = new Map<string, AppliedMigration>();
  readonly #drift = new Map<string, Drift>();
  /** prepareDomain calls run one at a time (a dependency may be applied by another). */
  readonly #gate = new Gate();

  constructor(db: Database, log: LogSink, root: string, domains: readonly DomainInfo[] = []) {
    this.#db = db;
    this.#log = log;
    this.#root = root.replace(/\/+$/, "");
    for (const d of domains) this.#domainDirs.set(d.name, d.dir);
  }

  /** Create the bookkeeping table and load what was applied before. */
  async init(): Promise<void> {
    await this.#db.exec(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        domain TEXT NOT NULL,
        name TEXT NOT NULL,
        checksum TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        PRIMARY KEY (domain, name)
      )`,
    );
    const rows = await this.#db.query<{
      domain: string;
      name: string;
      checksum: string;
      applied_at: string;
    }>(`SELECT domain, name, checksum, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY applied_at`);
    for (const r of rows) {
      this.#applied.set(`${r.domain}/${r.name}`, {
        domain: r.domain,
        name: r.name,
        checksum: r.checksum,
        appliedAt: r.applied_at,
      });
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

  /**
   * Apply the domain's pending migrations in order (and, first, what they declare with
   * `-- depends: <domain>/<file>`). Throws a {@link MigrationError} naming the file.
   */
  async prepareDomain(domain: DomainInfo): Promise<void> {
    this.#domainDirs.set(domain.name, domain.dir);
    await this.#gate.acquire();
    try {
      for (const m of await this.#files(domain.name)) await this.#apply(m, []);
    } finally {
      this.#gate.release();
    }
  }

  #dirOf(domain: string): string {
    return this.#domainDirs.get(domain) ?? `${this.#root}/domains/${domain}`;
  }

  /** The domain's migration files in order (none when the folder is missing). */
  async #files(domain: string): Promise<MigrationFile[]> {
    const dir = `${this.#dirOf(domain)}/migrations`;
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.isFile && FILE_RE.test(e.name)) names.push(e.name);
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    names.sort((a, b) => {
      const byNumber = Number(FILE_RE.exec(a)![1]) - Number(FILE_RE.exec(b)![1]);
      // Stryker disable next-line EqualityOperator: names in one folder differ, so a < b and a <= b agree
      return byNumber || (a < b ? -1 : a > b ? 1 : 0);
    });
    const out: MigrationFile[] = [];
    for (const name of names) {
      const text = (await Deno.readTextFile(`${dir}/${name}`)).replaceAll("\r\n", "\n");
      // An empty file is one being written (an editor's first save, a `touch`): applying and
      // recording it would skip its real content for good. It and the files after it wait.
      if (!text.trim()) break;
      out.push({
        domain,
        name,
        file: this.#relative(`${dir}/${name}`),
        text,
        checksum: await sha256(text),
      });
    }
    return out;
  }

  #relative(path: string): string {
    return path.startsWith(this.#root + "/") ? path.slice(this.#root.length + 1) : path;
  }

  async #apply(m: MigrationFile, stack: string[]): Promise<void> {
    const key = `${m.domain}/${m.name}`;
    const done = this.#applied.get(key);
    if (done) {
      if (done.checksum !== m.checksum && !this.#drift.has(key)) {
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
      return;
    }
    if (stack.includes(key)) {
      throw new MigrationError(
        `migration ${m.file}: circular dependency ${[...stack, key].join(" → ")}`,
        m.file,
      );
    }
    for (const dep of this.#depends(m)) await this.#applyDependency(m, dep, [...stack, key]);

    const appliedAt = new Date().toISOString();
    try {
      await this.#db.transaction(async (tx) => {
        await (tx as unknown as { exec(s: string): Promise<void> }).exec(m.text);
        await tx.execute(
          `INSERT INTO ${MIGRATIONS_TABLE} (domain, name, checksum, applied_at) VALUES ($1, $2, $3, $4)`,
          [m.domain, m.name, m.checksum, appliedAt],
        );
      });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new MigrationError(`migration ${m.file} failed: ${msg}`, m.file, { cause: e });
    }
    this.#applied.set(key, { domain: m.domain, name: m.name, checksum: m.checksum, appliedAt });
    this.#log.info(`applied migration ${m.file}`, { domain: m.domain, name: m.name });
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
    const wanted = dep.slice(slash + 1);
    const files = await this.#files(domain);
    const idx = files.findIndex((f) => f.name === wanted || f.name === `${wanted}.sql`);
    if (idx < 0) {
      throw new MigrationError(
        `migration ${m.file} depends on ${dep}, which does not exist ` +
          `(looked in ${this.#relative(`${this.#dirOf(domain)}/migrations`)})`,
        m.file,
      );
    }
    for (const f of files.slice(0, idx + 1)) await this.#apply(f, stack);
  }
}

/**
 * A domain's migration files: which exist, which variant runs on this engine, in what order.
 *
 * `NNN_name.sql` runs on every engine unless `NNN_name.<engine>.sql` (engine `sqlite` or
 * `postgres`) lies beside it, which replaces it on that engine. Either way the migration is one:
 * recorded as `NNN_name.sql`, referenced by `-- depends: <domain>/NNN_name`, ordered by `NNN`.
 * @module
 */

/** The engines a migration file may be written for (`NNN_name.<engine>.sql`). */
export const ENGINES: readonly string[] = ["sqlite", "postgres"];

/** A migration that could not be applied; `file` is project-relative. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  /** A migration error about `file` (project-relative when inside the project). */
  constructor(message: string, readonly file: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** One migration as it runs on this engine. */
export interface MigrationFile {
  domain: string;
  /** Its identity, whichever variant runs: `NNN_name.sql`. */
  name: string;
  /** The file that runs here (project-relative when inside the project). */
  file: string;
  text: string;
  checksum: string;
  /** Why it cannot run on this engine (e.g. only another engine's variant exists). */
  problem?: string;
}

const FILE_RE = /^(\d+)_(.+)\.sql$/;

/** `001_x.postgres.sql` → `{ id: "001_x", engine: "postgres" }`; undefined for other names. */
export function parseMigrationName(
  file: string,
): { id: string; number: number; engine?: string } | undefined {
  const m = FILE_RE.exec(file);
  if (!m) return undefined;
  const stem = `${m[1]}_${m[2]}`;
  const dot = stem.lastIndexOf(".");
  if (dot < 0) return { id: stem, number: Number(m[1]) };
  return { id: stem.slice(0, dot), number: Number(m[1]), engine: stem.slice(dot + 1) };
}

/** The identity a `-- depends:` reference names (`001_x`, `001_x.sql`, `001_x.postgres.sql`). */
export function migrationIdentity(ref: string): string {
  const parsed = parseMigrationName(ref.endsWith(".sql") ? ref : `${ref}.sql`);
  return `${parsed?.id ?? ref.replace(/\.sql$/, "")}.sql`;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

interface Group {
  id: string;
  number: number;
  base?: string;
  variants: Map<string, string>;
}

/**
 * The migrations in `dir` (none when it is missing) for `engine`, in order: by number, then
 * name. `relative` names a path for messages. An empty file is one being written (an editor's
 * first save, a `touch`): it and the files after it are left out until it has SQL.
 */
export async function readMigrations(
  dir: string,
  domain: string,
  engine: string,
  relative: (path: string) => string,
): Promise<MigrationFile[]> {
  const groups = new Map<string, Group>();
  try {
    for await (const e of Deno.readDir(dir)) {
      const parsed = e.isFile ? parseMigrationName(e.name) : undefined;
      if (!parsed) continue;
      let g = groups.get(parsed.id);
      if (!g) {
        groups.set(parsed.id, g = { id: parsed.id, number: parsed.number, variants: new Map() });
      }
      if (parsed.engine === undefined) g.base = e.name;
      else g.variants.set(parsed.engine, e.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const ordered = [...groups.values()].sort((a, b) =>
    // Stryker disable next-line EqualityOperator: ids in one folder differ, so a < b and a <= b agree
    a.number - b.number || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
  const out: MigrationFile[] = [];
  for (const g of ordered) {
    const name = `${g.id}.sql`;
    const unknown = [...g.variants.keys()].filter((k) => !ENGINES.includes(k));
    const chosen = g.variants.get(engine) ?? g.base;
    if (unknown.length || chosen === undefined) {
      const files = [...g.variants.values()].sort();
      const problem = unknown.length
        ? `${relative(`${dir}/${g.variants.get(unknown[0])}`)}: unknown engine "${unknown[0]}"; ` +
          `name the file ${name} (every engine) or ${g.id}.<engine>.sql with <engine> one of ` +
          `${ENGINES.join(", ")}`
        : `${relative(`${dir}/${files[0]}`)} has no variant for ${engine}: add ` +
          `${relative(`${dir}/${name}`)} (every engine) or ${g.id}.${engine}.sql`;
      out.push({
        domain,
        name,
        file: relative(`${dir}/${files[0]}`),
        text: "",
        checksum: "",
        problem,
      });
      continue;
    }
    const text = (await Deno.readTextFile(`${dir}/${chosen}`)).replaceAll("\r\n", "\n");
    if (!text.trim()) break;
    out.push({
      domain,
      name,
      file: relative(`${dir}/${chosen}`),
      text,
      checksum: await sha256(text),
    });
  }
  return out;
}

/**
 * What the db tool needs from Deno's permissions: the SQLite file's folder, or the PostgreSQL
 * server and the `PG*` variables its client reads.
 * @module
 */
import type { PermissionNeeds, PermissionSettings } from "@core";
import { isAbsolute } from "node:path";

/**
 * The variables the PostgreSQL client (vendor/postgres, postgres.js) reads from the environment
 * as fallbacks for what the URL does not say (`PGPASSWORD`, `PGSSLMODE`, …). Reading one that is
 * not granted throws, so all are granted when the engine is PostgreSQL.
 */
export const POSTGRES_ENV: readonly string[] = [
  "PGHOST",
  "PGPORT",
  "PGUSERNAME",
  "PGUSER",
  "PGDATABASE",
  "PGPASSWORD",
  "PGAPPNAME",
  "PGTARGETSESSIONATTRS",
  // The client's defaults, each overridable as PG<OPTION>.
  ...[
    "max",
    "ssl",
    "sslnegotiation",
    "idle_timeout",
    "connect_timeout",
    "max_lifetime",
    "max_pipeline",
    "backoff",
    "keep_alive",
    "prepare",
    "debug",
    "fetch_types",
    "publications",
    "target_session_attrs",
  ].map((k) => `PG${k.toUpperCase()}`),
];

/** The user name's fallbacks when the URL names none: these variables, then the OS account. */
const USER_ENV = ["USERNAME", "USER", "LOGNAME"];

/**
 * PostgreSQL (`DB_DRIVER=postgres`, or a `postgres://` `DATABASE_URL`): `net` for every host of
 * `DATABASE_URL` (default `127.0.0.1:5432`), `env` for {@link POSTGRES_ENV}, and, when the URL
 * names no user, the user variables and `sys: userInfo`. SQLite: `read` and `write` on the
 * folder of `DB_PATH` (default `data/app.db` in the data folder; nothing for `:memory:`), since
 * SQLite writes its journal beside the file.
 */
export function dbPermissions(settings: PermissionSettings): PermissionNeeds {
  const driver = settings.env("DB_DRIVER");
  const url = settings.env("DATABASE_URL");
  if (driver === "postgres" || (!driver && url && /^postgres(ql)?:/.test(url))) {
    return postgresNeeds(url ?? "postgres://127.0.0.1:5432/postgres");
  }
  if (driver && driver !== "sqlite") return {};
  let path = settings.env("DB_PATH") ?? "data/app.db";
  if (path === ":memory:") return {};
  path = path.replace(/^file:/, "").replace(/\?.*$/, "");
  if (!isAbsolute(path)) path = `${settings.dataDir.replace(/\/+$/, "")}/${path}`;
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  return { read: [dir], write: [dir] };
}

function postgresNeeds(url: string): PermissionNeeds {
  // postgres.js accepts several hosts (`postgres://u@a:5432,b:5433/db`); URL parses only one.
  const authority = url.slice(url.indexOf("://") + 3).split(/[?/]/)[0];
  const at = authority.lastIndexOf("@");
  const hosts = authority.slice(at + 1).split(",").filter((h) => h !== "");
  const net = (hosts.length ? hosts : ["127.0.0.1:5432"]).map((h) => {
    const u = new URL(`postgres://${decodeURIComponent(h)}`);
    return `${u.hostname}:${u.port || 5432}`;
  });
  const user = at >= 0 && authority.slice(0, at).split(":")[0] !== "";
  return user
    ? { net, env: [...POSTGRES_ENV] }
    : { net, env: [...POSTGRES_ENV, ...USER_ENV], sys: ["userInfo"] };
}

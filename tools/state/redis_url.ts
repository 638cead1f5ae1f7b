/**
 * Reading `REDIS_URL` and `STATE_TIMEOUT_MS`: what the Redis driver connects to, checked at
 * setup so a typo fails the boot with a message that names the setting (never the password).
 * @module
 */

/** Where and how to reach Redis, from a `redis://` or `rediss://` URL. */
export interface RedisTarget {
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** `rediss://`: connect over TLS. */
  tls: boolean;
  /** ACL user name (`redis://user:password@…`); absent for the default user. */
  username?: string;
  /** The password (`redis://:password@…` or `redis://user:password@…`). */
  password?: string;
  /** Database number (`redis://…/2`), 0 when absent. */
  db: number;
  /** `host:port`, as messages and the status page show it. */
  address: string;
  /** The URL with the password replaced by `***`, safe to log. */
  safeUrl: string;
}

const FORM = "redis://[user:password@]host[:port][/db], or rediss://… for TLS";

/** `url` with any password replaced by `***` (also for text that is not a valid URL). */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^@/]*?):[^@/]*@/, "//$1:***@");
}

/**
 * Parse `url`. Throws an `Error` naming `setting` and the expected form when it is not a
 * `redis:` or `rediss:` URL with a host, a port in range and a numeric database.
 */
export function parseRedisUrl(url: string, setting = "REDIS_URL"): RedisTarget {
  const shown = JSON.stringify(maskUrl(url));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${setting}=${shown} is not a URL: use ${FORM}`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new Error(
      `${setting}=${shown} has scheme "${u.protocol}", which the state tool cannot use; use ${FORM}`,
    );
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (!host) throw new Error(`${setting}=${shown} names no host: use ${FORM}`);
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, "");
  if (!/^\d*$/.test(path)) {
    throw new Error(
      `${setting}=${shown} has database "${path}": the path must be a database number, e.g. /0`,
    );
  }
  const target: RedisTarget = {
    host,
    port,
    tls: u.protocol === "rediss:",
    db: path ? Number(path) : 0,
    address: `${u.hostname}:${port}`,
    safeUrl: maskUrl(url),
  };
  if (u.username) target.username = decodeURIComponent(u.username);
  if (u.password) target.password = decodeURIComponent(u.password);
  return target;
}

/** The bound on each Redis call when `STATE_TIMEOUT_MS` is not set. */
export const DEFAULT_TIMEOUT_MS = 2000;

/**
 * `STATE_TIMEOUT_MS` as a number of milliseconds ({@link DEFAULT_TIMEOUT_MS} when unset).
 * Throws naming the setting when it is not a positive number.
 */
export function parseTimeout(value: string | undefined, setting = "STATE_TIMEOUT_MS"): number {
  if (value === undefined || value.trim() === "") return DEFAULT_TIMEOUT_MS;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(
      `${setting}=${JSON.stringify(value)} is not a positive number of milliseconds ` +
        `(default ${DEFAULT_TIMEOUT_MS})`,
    );
  }
  return ms;
}

/**
 * The Redis state driver: values as JSON strings under a key prefix, shared by instances,
 * over one {@link RedisConnection} (node-redis) that bounds every call and survives outages.
 * @module
 */
import { ErrorReply } from "@redis/client";
import { createHash } from "node:crypto";
import type { DriverHealth, StateDriver } from "./driver.ts";
import { StateValueError } from "./json.ts";
import { RedisConnection } from "./redis_connection.ts";
import { DEFAULT_TIMEOUT_MS, parseRedisUrl } from "./redis_url.ts";
import type { Json } from "./types.ts";

/** Atomic increment that sets the expiry only when it creates the key (a fixed window). */
const INCREMENT = `
local existed = redis.call('EXISTS', KEYS[1])
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;
const INCREMENT_SHA = createHash("sha1").update(INCREMENT).digest("hex");

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, "\\$&");
}

/** Options of {@link RedisDriver.connect}. */
export interface RedisDriverOptions {
  /** Every key lives under this prefix (default `mc:`; the tool's `STATE_KEY_PREFIX`). */
  keyPrefix?: string;
  /** The bound on each call, in ms (default 2000, the tool's `STATE_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** PEM certificate(s) of a private CA to trust for `rediss://` (the tool's `REDIS_TLS_CA`). */
  ca?: string;
  /** First reconnect delay in ms (default 50); doubles per failed attempt. */
  backoffMs?: number;
  /** Longest reconnect delay in ms (default 1000). */
  maxBackoffMs?: number;
}

/**
 * Keeps state in Redis. Every key lives under `keyPrefix` (default `mc:`), so `clear()` never
 * touches other data in the same database. Expiry is Redis's own (`PX`, `PEXPIRE`).
 *
 * Calls that Redis cannot answer reject with a `StateError`: kind `unavailable` at once while
 * it is unreachable, `timeout` after `timeoutMs`. {@link RedisDriver.health} says which.
 */
export class RedisDriver implements StateDriver {
  readonly name = "redis";
  readonly #conn: RedisConnection;
  readonly #prefix: string;

  private constructor(conn: RedisConnection, keyPrefix: string) {
    this.#conn = conn;
    this.#prefix = keyPrefix;
  }

  /**
   * Connect to `url` (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS). Throws
   * for a malformed URL, refused credentials or an untrusted certificate; when Redis is only
   * unreachable it resolves at once, degraded, and connects as soon as Redis answers.
   */
  static async connect(url: string, options: RedisDriverOptions = {}): Promise<RedisDriver> {
    const target = parseRedisUrl(url);
    const keyPrefix = options.keyPrefix ?? "mc:";
    if (keyPrefix === "") {
      throw new Error(`The Redis key prefix must not be empty: clear() deletes every key under it`);
    }
    const conn = await RedisConnection.open(target, {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ca: options.ca,
      backoffMs: options.backoffMs,
      maxBackoffMs: options.maxBackoffMs,
    });
    return new RedisDriver(conn, keyPrefix);
  }

  /** The prefix of every key. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  /** `host:port` of the server. */
  get address(): string {
    return this.#conn.target.address;
  }

  /** The bound on each call, in ms. */
  get timeoutMs(): number {
    return this.#conn.timeoutMs;
  }

  /** Whether Redis answers now (`degraded` with the reason while it does not). */
  get health(): DriverHealth {
    return this.#conn.health;
  }

  /** Call `listener` on every change of {@link RedisDriver.health}. */
  onHealth(listener: (health: DriverHealth) => void): void {
    this.#conn.onHealth(listener);
  }

  async get(key: string): Promise<Json | undefined> {
    const v = await this.#conn.call(["GET", this.#prefix + key]);
    return v === null ? undefined : JSON.parse(v as string);
  }

  async set(key: string, value: Json, ttlMs?: number): Promise<void> {
    const args = ["SET", this.#prefix + key, JSON.stringify(value)];
    if (ttlMs !== undefined) args.push("PX", String(Math.max(1, Math.ceil(ttlMs))));
    await this.#conn.call(args);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#conn.call(["DEL", this.#prefix + key])) === 1;
  }

  async has(key: string): Promise<boolean> {
    return (await this.#conn.call(["EXISTS", this.#prefix + key])) === 1;
  }

  async keys(prefix: string): Promise<string[]> {
    const out = await this.#scan(prefix);
    const cut = this.#prefix.length;
    return out.map((k) => k.slice(cut)).sort();
  }

  async clear(prefix: string): Promise<number> {
    const keys = await this.#scan(prefix);
    let n = 0;
    for (let i = 0; i < keys.length; i += 500) {
      n += await this.#conn.call(["UNLINK", ...keys.slice(i, i + 500)]) as number;
    }
    return n;
  }

  async increment(key: string, by: number, ttlMs?: number): Promise<number> {
    const k = this.#prefix + key;
    try {
      if (ttlMs === undefined) return await this.#conn.call(["INCRBY", k, String(by)]) as number;
      const args = ["1", k, String(by), String(Math.max(1, Math.ceil(ttlMs)))];
      try {
        return await this.#conn.call(["EVALSHA", INCREMENT_SHA, ...args]) as number;
      } catch (e) {
        if (!(e instanceof ErrorReply && e.message.startsWith("NOSCRIPT"))) throw e;
        return await this.#conn.call(["EVAL", INCREMENT, ...args]) as number;
      }
    } catch (e) {
      if (!(e instanceof ErrorReply)) throw e;
      if (/overflow/.test(e.message)) {
        throw new StateValueError(`Cannot increment "${key}": integer overflow`);
      }
      if (!/not an integer|out of range/.test(e.message)) throw e;
      const held = await this.#conn.call(["GET", k]);
      const what = typeof held === "string" && /^[[{]/.test(held) ? "an object or array" : held;
      throw new StateValueError(`Cannot increment "${key}": it holds ${what}, not an integer`);
    }
  }

  async ttl(key: string): Promise<number | undefined> {
    const ms = await this.#conn.call(["PTTL", this.#prefix + key]) as number;
    return ms < 0 ? undefined : ms;
  }

  close(): Promise<void> {
    return this.#conn.close();
  }

  async #scan(prefix: string): Promise<string[]> {
    const match = globEscape(this.#prefix + prefix) + "*";
    const out = new Set<string>();
    let cursor = "0";
    do {
      const [next, batch] = await this.#conn.call(
        ["SCAN", cursor, "MATCH", match, "COUNT", "1000"],
      ) as [string, string[]];
      for (const k of batch) out.add(k);
      cursor = next;
    } while (cursor !== "0");
    return [...out];
  }
}

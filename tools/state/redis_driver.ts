/**
 * The Redis state driver: values as JSON strings under a key prefix, shared by instances.
 * @module
 */
import type { StateDriver } from "./driver.ts";
import { StateValueError } from "./json.ts";
import type { Json } from "./types.ts";
import { RedisReplyError, RespClient } from "./resp.ts";

/** Atomic increment; sets the expiry only when the key is created. */
const INCREMENT = `
local existed = redis.call('EXISTS', KEYS[1])
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * Keeps state in Redis. Every key lives under `keyPrefix` (default `mc:`), so `clear()` never
 * touches other data in the same database. Expiry is Redis's own (`PX`, `PEXPIRE`).
 */
export class RedisDriver implements StateDriver {
  readonly name = "redis";
  readonly #client: RespClient;
  readonly #prefix: string;

  private constructor(client: RespClient, keyPrefix: string) {
    this.#client = client;
    this.#prefix = keyPrefix;
  }

  /** Connect to `url` (`redis://[:password@]host:port[/db]`). */
  static async connect(url: string, keyPrefix = "mc:"): Promise<RedisDriver> {
    return new RedisDriver(await RespClient.connect(url), keyPrefix);
  }

  async get(key: string): Promise<Json | undefined> {
    const v = await this.#client.send(["GET", this.#prefix + key]);
    return v === null ? undefined : JSON.parse(v as string);
  }

  async set(key: string, value: Json, ttlMs?: number): Promise<void> {
    const args: (string | number)[] = ["SET", this.#prefix + key, JSON.stringify(value)];
    if (ttlMs !== undefined) args.push("PX", Math.max(1, Math.ceil(ttlMs)));
    await this.#client.send(args);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#client.send(["DEL", this.#prefix + key])) === 1;
  }

  async has(key: string): Promise<boolean> {
    return (await this.#client.send(["EXISTS", this.#prefix + key])) === 1;
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
      n += await this.#client.send(["UNLINK", ...keys.slice(i, i + 500)]) as number;
    }
    return n;
  }

  async increment(key: string, by: number, ttlMs?: number): Promise<number> {
    const ttl = ttlMs === undefined ? "" : Math.max(1, Math.ceil(ttlMs));
    try {
      return await this.#client.send(["EVAL", INCREMENT, 1, this.#prefix + key, by, ttl]) as number;
    } catch (e) {
      if (e instanceof RedisReplyError && /not an integer|out of range/.test(e.message)) {
        const held = await this.#client.send(["GET", this.#prefix + key]);
        throw new StateValueError(
          `Cannot increment "${key}": it holds ${
            typeof held === "string" && /^[[{]/.test(held) ? "an object or array" : held
          }, not an integer`,
        );
      }
      throw e;
    }
  }

  async ttl(key: string): Promise<number | undefined> {
    const ms = await this.#client.send(["PTTL", this.#prefix + key]) as number;
    return ms < 0 ? undefined : ms;
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  async #scan(prefix: string): Promise<string[]> {
    const match = globEscape(this.#prefix + prefix) + "*";
    const out: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.#client.send([
        "SCAN",
        cursor,
        "MATCH",
        match,
        "COUNT",
        1000,
      ]) as [string, string[]];
      out.push(...batch);
      cursor = next;
    } while (cursor !== "0");
    return [...new Set(out)];
  }
}

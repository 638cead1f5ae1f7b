/**
 * The store plugins use: validation, copies and namespaces over a {@link StateDriver}.
 * @module
 */
import type { StateDriver } from "./driver.ts";
import { assertJson, StateValueError } from "./json.ts";
import type { Json, SetOptions } from "./types.ts";

const SEP = ":";

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key === "") {
    throw new StateValueError(`State keys must be non-empty strings, got ${JSON.stringify(key)}`);
  }
}

function checkTtl(key: string, ttlMs: number | undefined) {
  if (ttlMs !== undefined && !(typeof ttlMs === "number" && ttlMs > 0 && Number.isFinite(ttlMs))) {
    throw new StateValueError(
      `ttlMs for "${key}" must be a positive number of milliseconds, got ${String(ttlMs)}`,
    );
  }
}

/**
 * Volatile shared state: counters, caches, rate windows. In-process by default; set
 * `STATE_DRIVER=redis` to share it between instances, with plugins unchanged.
 *
 * Values are JSON (checked on write) and copied in and out, so changing an object after
 * `set()` or after `get()` never changes what is stored.
 *
 * On Redis any call may reject with a `StateError`: kind `unavailable` at once while Redis is
 * unreachable, `timeout` after `STATE_TIMEOUT_MS`. Left uncaught in an HTTP handler it becomes a
 * JSON 503; catch it to answer without the state.
 *
 * @example
 * ```ts
 * export default class RateLimit extends BasePlugin {
 *   constructor(private http: Http, private state: State) {
 *     super();
 *   }
 *   override onBoot() {
 *     const hits = this.state.namespace("ratelimit");
 *     this.http.addEndpoint("/ping", "GET", async (req) => {
 *       const n = await hits.increment(req.ip, 1, { ttlMs: 60_000 });
 *       return n > 100 ? { status: 429 } : { pong: true };
 *     });
 *   }
 * }
 * ```
 */
export class State {
  readonly #driver: StateDriver;
  readonly #prefix: string;

  constructor(driver: StateDriver, prefix = "") {
    this.#driver = driver;
    this.#prefix = prefix;
  }

  /** The namespace prefix of this store (`""` at the root, `"a:b:"` for nested namespaces). */
  get prefix(): string {
    return this.#prefix;
  }

  /** The stored value (a copy), or `undefined` when absent or expired. */
  async get<T extends Json = Json>(key: string): Promise<T | undefined> {
    checkKey(key);
    return await this.#driver.get(this.#prefix + key) as T | undefined;
  }

  /**
   * Store a copy of `value`. Throws a {@link StateValueError} for values that are not plain
   * JSON (functions, `undefined`, cycles, Dates, class instances, NaN).
   * Without `ttlMs` the key never expires (any earlier expiry is cleared).
   */
  async set(key: string, value: Json, options: SetOptions = {}): Promise<void> {
    checkKey(key);
    checkTtl(key, options.ttlMs);
    assertJson(value, key);
    await this.#driver.set(this.#prefix + key, value, options.ttlMs);
  }

  /** Remove `key`; resolves whether it was there. */
  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return await this.#driver.delete(this.#prefix + key);
  }

  /** Whether `key` is present and not expired. */
  async has(key: string): Promise<boolean> {
    checkKey(key);
    return await this.#driver.has(this.#prefix + key);
  }

  /** Keys of this store (relative to its namespace), sorted, optionally those starting with `prefix`. */
  async keys(prefix = ""): Promise<string[]> {
    const cut = this.#prefix.length;
    return (await this.#driver.keys(this.#prefix + prefix)).map((k) => k.slice(cut));
  }

  /** Delete every key of this store (only this namespace's, when namespaced). */
  async clear(): Promise<void> {
    await this.#driver.clear(this.#prefix);
  }

  /**
   * Atomically add `by` (an integer, default 1) to the integer at `key` and return the new
   * value; an absent key counts as 0. `ttlMs` applies when this call creates the key, so
   * `increment(ip, 1, { ttlMs: 60_000 })` counts hits in a fixed one-minute window.
   */
  async increment(key: string, by = 1, options: SetOptions = {}): Promise<number> {
    checkKey(key);
    checkTtl(key, options.ttlMs);
    if (!Number.isSafeInteger(by)) {
      throw new StateValueError(`increment of "${key}" needs an integer, got ${String(by)}`);
    }
    return await this.#driver.increment(this.#prefix + key, by, options.ttlMs);
  }

  /** Milliseconds until `key` expires; `undefined` when absent or without expiry. */
  async ttl(key: string): Promise<number | undefined> {
    checkKey(key);
    return await this.#driver.ttl(this.#prefix + key);
  }

  /** A store whose keys live under `name:` (nestable); its `keys()` and `clear()` see only them. */
  namespace(name: string): State {
    if (typeof name !== "string" || name === "" || name.includes(SEP)) {
      throw new StateValueError(
        `Namespace names must be non-empty and must not contain "${SEP}", got ${
          JSON.stringify(name)
        }`,
      );
    }
    return new State(this.#driver, this.#prefix + name + SEP);
  }
}

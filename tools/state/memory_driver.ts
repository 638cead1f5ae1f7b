/**
 * The in-process state driver: a Map with lazy expiry and amortized sweeps, no timers.
 * @module
 */
import type { StateDriver } from "./driver.ts";
import { StateValueError } from "./json.ts";
import type { Json } from "./types.ts";

interface Entry {
  /** Primitives as they are; objects and arrays as JSON text (a copy nobody else holds). */
  value: Json;
  isText: boolean;
  /** Expiry time (clock ms), or 0 for none. */
  expires: number;
}

/** Options of {@link MemoryDriver}. */
export interface MemoryDriverOptions {
  /** The clock (default `Date.now`); tests pass a fake one. */
  now?: () => number;
  /** Sweep after this many writes (default 64). */
  sweepEvery?: number;
  /** Entries examined per sweep (default 128). */
  sweepBatch?: number;
}

/**
 * Keeps values in this process. Expired entries are dropped when read, and every
 * `sweepEvery` writes a bounded sweep walks the next `sweepBatch` entries, so memory held by
 * expired keys stays bounded without any timer to leak.
 */
export class MemoryDriver implements StateDriver {
  readonly name = "memory";
  readonly #map = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweepEvery: number;
  readonly #sweepBatch: number;
  #writes = 0;
  #cursor: Iterator<[string, Entry]> | undefined;

  constructor(options: MemoryDriverOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweepEvery = options.sweepEvery ?? 64;
    this.#sweepBatch = options.sweepBatch ?? 128;
  }

  /** Entries held, expired or not (for tests and the status page). */
  get size(): number {
    return this.#map.size;
  }

  get(key: string): Promise<Json | undefined> {
    const e = this.#live(key);
    if (!e) return Promise.resolve(undefined);
    return Promise.resolve(e.isText ? JSON.parse(e.value as string) : e.value);
  }

  set(key: string, value: Json, ttlMs?: number): Promise<void> {
    const isText = value !== null && typeof value === "object";
    this.#map.set(key, {
      value: isText ? JSON.stringify(value) : value,
      isText,
      expires: ttlMs === undefined ? 0 : this.#now() + ttlMs,
    });
    this.#wrote();
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    const had = this.#live(key) !== undefined;
    this.#map.delete(key);
    return Promise.resolve(had);
  }

  has(key: string): Promise<boolean> {
    return Promise.resolve(this.#live(key) !== undefined);
  }

  keys(prefix: string): Promise<string[]> {
    const now = this.#now();
    const out: string[] = [];
    for (const [k, e] of this.#map) {
      if (e.expires && e.expires <= now) this.#map.delete(k);
      else if (k.startsWith(prefix)) out.push(k);
    }
    return Promise.resolve(out.sort());
  }

  clear(prefix: string): Promise<number> {
    let n = 0;
    if (prefix === "") {
      n = this.#map.size;
      this.#map.clear();
    } else {
      for (const k of this.#map.keys()) {
        if (k.startsWith(prefix)) {
          this.#map.delete(k);
          n++;
        }
      }
    }
    this.#cursor = undefined;
    return Promise.resolve(n);
  }

  increment(key: string, by: number, ttlMs?: number): Promise<number> {
    const e = this.#live(key);
    if (!e) {
      this.#map.set(key, {
        value: by,
        isText: false,
        expires: ttlMs === undefined ? 0 : this.#now() + ttlMs,
      });
      this.#wrote();
      return Promise.resolve(by);
    }
    if (typeof e.value !== "number" || !Number.isSafeInteger(e.value)) {
      const what = e.isText ? "an object or array" : JSON.stringify(e.value);
      return Promise.reject(
        new StateValueError(`Cannot increment "${key}": it holds ${what}, not an integer`),
      );
    }
    const next = e.value + by;
    if (!Number.isSafeInteger(next)) {
      return Promise.reject(new StateValueError(`Cannot increment "${key}": integer overflow`));
    }
    e.value = next;
    return Promise.resolve(next);
  }

  ttl(key: string): Promise<number | undefined> {
    const e = this.#live(key);
    return Promise.resolve(e?.expires ? e.expires - this.#now() : undefined);
  }

  close(): Promise<void> {
    this.#map.clear();
    this.#cursor = undefined;
    return Promise.resolve();
  }

  /** The entry if present and not expired; drops it when expired. */
  #live(key: string): Entry | undefined {
    const e = this.#map.get(key);
    if (e?.expires && e.expires <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e;
  }

  #wrote() {
    if (++this.#writes % this.#sweepEvery === 0) this.sweep(this.#sweepBatch);
  }

  /** Examine up to `limit` entries (continuing where the last sweep stopped), drop expired ones. */
  sweep(limit = Infinity): number {
    const now = this.#now();
    let dropped = 0;
    for (let i = 0; i < limit; i++) {
      this.#cursor ??= this.#map.entries();
      const next = this.#cursor.next();
      if (next.done) {
        this.#cursor = undefined;
        break;
      }
      const [k, e] = next.value;
      if (e.expires && e.expires <= now) {
        this.#map.delete(k);
        dropped++;
      }
    }
    return dropped;
  }
}
